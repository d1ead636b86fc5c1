"""Hostile and broken inputs: one clear finding each, fast, and the process survives."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator import check, load_document
from tests.simulator.corpus import REPO

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
BAD_INPUTS = {
    "empty": ("", "YM002"),
    "only comments": ("# nothing\n---\n", "YM002"),
    "binary": (bytes(range(256)) * 4, "YM003"),
    "utf-16": ("version: 0.2\n".encode("utf-16"), "YM004"),
    "latin-1": ("version: 0.2\nenv: caf\xe9\n".encode("latin-1"), "YM004"),
    "50 MB": (b"a" * (50 * 1024 * 1024), "YM005"),
    "30,000 [": ("[" * 30_000, "YM006"),
    "30,000 block levels": ("- " * 30_000 + "x\n", "YM006"),
    "alias bomb": (BOMB, "YM007"),
    "recursive alias": ("a: &a [*a]\n", "YM007"),
    "python object": ("a: !!python/object/apply:os.system ['echo pwned']\n", "YM008"),
    "unknown tag": ("a: !include other.yml\n", "YM008"),
    "1,000,000 digits": ("version: " + "7" * 1_000_000 + "\n", "YM010"),
    "syntax": ("version: 0.2\nphases:\n  build:\n   commands: [\n", "YM009"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_gives_one_clear_finding_fast(name: str) -> None:
    text, code = BAD_INPUTS[name]
    started = time.perf_counter()
    report = check(text, "buildspec", filename="buildspec.yml")
    elapsed = time.perf_counter() - started
    assert [f.code for f in report.findings] == [code]
    finding = report.findings[0]
    assert finding.severity == "error" and finding.message and finding.line >= 1
    # Generous bound so a loaded CI machine does not flake; typical runs take a few ms.
    assert elapsed < 1.0


def test_deep_nesting_does_not_crash_the_process() -> None:
    # libyaml's composer segfaults near 30,000 levels: run in a child so a crash shows up.
    code = "import simulator; r = simulator.check('[' * 30000 + ']' * 30000); print(r.codes())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "YM006" in done.stdout


def test_nesting_hidden_from_the_raw_scan_is_caught_before_composing() -> None:
    # The apostrophes make the raw-text scan think the brackets are quoted; YAML reads a plain
    # scalar "a 'b" and then 30,000 real levels. The event-level backstop must stop it.
    text = "x: [a 'b, " + "[" * 30000 + "]" * 30000 + ", c']\n"
    code = f"import simulator; print(simulator.check({text!r}).codes())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "YM006" in done.stdout


def test_json_positions_are_computed_when_needed() -> None:
    text = '{\n  "version": 0.2,\n  "phases": {"build": {"commands": ["ls"]}},\n  "cache": {}\n}'
    report = check(text, "buildspec", filename="buildspec.json")
    assert [(f.code, f.line, f.column) for f in report.findings] == [("BS027", 4, 3)]


def test_python_tag_is_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    assert load_document(text).data is None
    assert not marker.exists()


def test_positions_for_every_node() -> None:
    loaded = load_document("version: 0.2\nphases:\n  build:\n    commands:\n      - a\n      - b\n")
    assert loaded.position(("phases", "build", "commands", 1)) == (6, 9)
    assert loaded.position(("phases", "build"), key=True) == (3, 3)
    assert loaded.position(("phases", "nope", "x")) == (3, 3)  # the nearest ancestor: phases


def test_yaml_11_surprises_are_kept_as_raw_text() -> None:
    loaded = load_document("a: yes\nb: 0.10\nc: 012\nd: '012'\n")
    assert loaded.data == {"a": True, "b": 0.1, "c": 10, "d": "012"}
    assert loaded.raw == {("a",): "yes", ("b",): "0.10", ("c",): "012"}


def test_cloudformation_short_forms() -> None:
    data = load_document("A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub '${A}'\nD: !If [c, 1, 2]\n").data
    assert data == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["R", "Arn"]},
        "C": {"Fn::Sub": "${A}"},
        "D": {"Fn::If": ["c", 1, 2]},
    }


def test_merge_keys_and_json() -> None:
    assert load_document("a: &d {x: 1}\nb:\n  <<: *d\n  y: 2\n").data["b"] == {"x": 1, "y": 2}
    assert load_document('{"a": [1, {"b": "c\\/d"}]}').data == {"a": [1, {"b": "c/d"}]}


def test_auto_kind_says_what_it_decided() -> None:
    report = check("version: 0.2\nphases:\n  build:\n    commands: [ls]\n")
    assert report.kind == "buildspec"
    assert report.findings[0].code == "YM001" and report.findings[0].severity == "info"
    assert check("hello: 1\n").codes() == ["YM016"]
