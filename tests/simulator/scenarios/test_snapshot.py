"""Snapshots from the engines' host-side state survive odd shapes (None, generators, text)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

from simulator.scenarios._snapshot import snapshot_of


def test_engine_snapshot_accepts_generators_none_and_text() -> None:
    world = SimpleNamespace(
        state={
            "account": "111122223333",
            "region": "eu-west-1",
            "s3": {
                "b": {
                    "objects": {
                        "gen.txt": {"data": (chunk for chunk in (b"ab", b"c"))},
                        "none.txt": {"data": None},
                        "text.txt": {"data": "hé"},
                        "sized.bin": {"data": b"xy", "size": 10},
                    }
                }
            },
            "parameters": {
                "/p": {
                    "type": "String",
                    "versions": (
                        v
                        for v in [
                            {"version": 1, "value": "one", "labels": None},
                            {"version": 2, "value": "two", "labels": ("live",)},
                        ]
                    ),
                }
            },
            "secrets": {"s": {"versions": None}},
            "ecr": {"r": {"images": None}},
            "stacks": None,
            "lambda": {"f": {"versions": None, "aliases": None}},
        }
    )
    snap = snapshot_of(world)
    objects = {o.key: o for o in snap.s3_objects}
    assert objects["gen.txt"].text == "abc" and objects["gen.txt"].size == 3
    assert objects["gen.txt"].sha256 == hashlib.sha256(b"abc").hexdigest()
    assert objects["none.txt"].size == 0 and objects["none.txt"].text == ""
    assert objects["text.txt"].text == "hé"
    assert objects["sized.bin"].size == 10
    (parameter,) = snap.parameters
    assert (parameter.value, parameter.version) == ("two", 2)
    assert [v.labels for v in parameter.history] == [(), ("live",)]
    assert snap.secrets[0].versions == () and snap.images == () and snap.stacks == ()
    assert snap.functions[0].versions == ()
