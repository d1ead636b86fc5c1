"""Declarative shapes (key -> expected type) and a walker that finds unknown keys and bad types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator._findings import Path

# Leaf types.
STR = "string"
SCALAR = "scalar"
YESNO = "yes/no"
BOOL = "true/false"
INT = "integer"
STRS = "list of strings"
"""A list of strings; a single string is accepted as a one-element list."""


@dataclass(frozen=True)
class Map:
    """A mapping with known keys."""

    fields: dict[str, Any]


@dataclass(frozen=True)
class MapOf:
    """A mapping of free names (variables, report groups...) to values of one shape."""

    value: Any


@dataclass(frozen=True)
class ListOf:
    """A list of values of one shape."""

    item: Any


@dataclass(frozen=True)
class Issue:
    """One problem the walker found: an unknown key or a value of the wrong type."""

    kind: str  # "unknown" | "type"
    path: Path
    expected: str
    value: Any
    choices: tuple[str, ...] = ()


def type_name(value: Any) -> str:
    """How a learner would name the YAML type of a value."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            return f"an intrinsic function ({next(iter(value))})"
        return "a mapping"
    return type(value).__name__


def _leaf_ok(expected: str, value: Any) -> bool:
    if expected == STR:
        return isinstance(value, str | int | float) and not isinstance(value, bool)
    if expected == SCALAR:
        return isinstance(value, str | int | float | bool)
    if expected == YESNO:
        return isinstance(value, bool) or (isinstance(value, str) and value in ("yes", "no"))
    if expected == BOOL:
        return isinstance(value, bool) or (isinstance(value, str) and value in ("true", "false"))
    if expected == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == STRS:
        if value is None or isinstance(value, str):  # empty: the section's own rule decides
            return True
        return isinstance(value, list)
    return True


def walk(value: Any, shape: Any, path: Path, issues: list[Issue]) -> None:
    """Compare `value` with `shape`, appending Issues (never raises)."""
    if isinstance(shape, str):
        if not _leaf_ok(shape, value):
            issues.append(Issue("type", path, shape, value))
        elif shape == STRS and isinstance(value, list):
            for i, item in enumerate(value):
                if item is None:
                    continue  # `- # comment` gives an empty item: reported by the kind's rules
                if not isinstance(item, str | int | float) or isinstance(item, bool):
                    issues.append(Issue("type", (*path, i), STR, item))
        return
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            issues.append(Issue("type", path, "a list", value))
            return
        for i, item in enumerate(value):
            walk(item, shape.item, (*path, i), issues)
        return
    if not isinstance(value, dict):
        issues.append(Issue("type", path, "a mapping", value))
        return
    if isinstance(shape, MapOf):
        for key, item in value.items():
            walk(item, shape.value, (*path, key), issues)
        return
    for key, item in value.items():
        if key not in shape.fields:
            issues.append(Issue("unknown", (*path, key), "", key, tuple(shape.fields)))
            continue
        walk(item, shape.fields[key], (*path, key), issues)
