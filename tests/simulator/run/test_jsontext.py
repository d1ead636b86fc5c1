"""The stand-ins' JSON reader (patools.jsontext) agrees with json.loads, errors included."""

from __future__ import annotations

import json
import random
import sys

import pytest

from simulator.standins import _channel

sys.path.insert(0, str(_channel.TOOLS_DIR))
from patools.jsontext import dumps, loads


def _value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return rng.randrange(-(10**9), 10**9)
    if kind == 1:
        return rng.random() * 10 ** rng.randrange(-5, 8)
    if kind == 2:
        return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(10)))
    if kind == 3:
        return rng.choice([True, False, None, '\U0001f600 \\ / "'])
    if kind == 4:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_value(rng, depth + 1)): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_reads_what_json_writes() -> None:
    rng = random.Random(14)
    for _ in range(2000):
        value = _value(rng)
        for text in (
            json.dumps(value),
            json.dumps(value, ensure_ascii=False, indent=2),
            dumps(value, indent=4),
        ):
            assert loads(text) == json.loads(text)


def test_reads_escapes_and_bytes() -> None:
    text = '{"a": "\\u00e9\\ud83d\\ude00\\n\\t\\/", "b": [1, -2.5e3, true, null]}'
    assert loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    "text", ["", "{", "[1,]", '{"a" 1}', "01", "tru", '"abc', "{} x", '"\\q"', "[1 2]", '"a\nb"']
)
def test_rejects_what_json_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError, match="char"):
        loads(text)
