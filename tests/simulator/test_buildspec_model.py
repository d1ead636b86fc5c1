"""The checker and the runner read one buildspec model: what the checker accepts, the runner reads."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import simulator._buildspec as checker
import simulator._buildspec_model as model
import simulator.codebuild
import simulator.codebuild._spec as runner_spec
from simulator import RULES, check
from simulator._loading import load_document
from simulator._shapes import BOOL, INT, SCALAR, STR, STRS, YESNO, ListOf, Map, MapOf
from simulator.codebuild import Buildspec, BuildspecError, parse_buildspec
from tests.simulator.corpus import documents_of_kind

REPO = Path(__file__).resolve().parents[2]
# Why the runner may refuse a buildspec the checker accepts: one sandboxed Linux build.
RUNNER_LIMITS = ("a batch build", "is not available on Linux", "no phases")


BUILDSPECS = documents_of_kind(
    "buildspec", ["tests/**/*buildspec*.y*ml", "content/labs/**/buildspec*.y*ml"]
)


def test_there_are_buildspecs_to_compare() -> None:
    assert len(BUILDSPECS) >= 80


@pytest.mark.parametrize(("name", "text"), BUILDSPECS, ids=[n for n, _t in BUILDSPECS])
def test_checker_and_runner_agree(name: str, text: str) -> None:
    report = check(text, "buildspec", filename="buildspec.yml")
    loaded = load_document(text, filename="buildspec.yml")
    errors = {f.code for f in report.errors}
    if any(f.severity == "error" for f in loaded.findings) or not isinstance(loaded.data, dict):
        with pytest.raises(BuildspecError):  # the loader's own error, before any model
            parse_buildspec(text)
        return
    spec = model.read_buildspec(loaded)
    # Every problem the runner refuses is an error the checker reports, under the same code.
    assert {p.code for p in spec.problems} <= errors, name
    if errors:
        return
    assert spec.problems == (), name
    try:
        ran = parse_buildspec(text)
    except BuildspecError as exc:  # only what a sandboxed Linux build cannot do
        assert any(limit in str(exc) for limit in RUNNER_LIMITS), str(exc)
    else:
        assert ran == spec


def test_problem_codes_are_checker_errors() -> None:
    codes = {p.code for _n, text in BUILDSPECS for p in _problems(text)}
    assert len(codes) >= 10
    assert all(RULES[code].severity == "error" for code in codes)


def _problems(text: str) -> tuple[model.Problem, ...]:
    loaded = load_document(text)
    return model.read_buildspec(loaded).problems if loaded.ok else ()


def test_the_runner_reads_the_model_class() -> None:
    assert Buildspec is model.Buildspec
    assert runner_spec.Phase is model.Phase


def test_no_copied_constants() -> None:
    """Each phase list, key list and allowed-values list exists once: in the model."""
    shared = [
        v
        for v in vars(model).values()
        if isinstance(v, tuple) and v and all(isinstance(x, str) for x in v)
    ]
    runner = [
        importlib.import_module(f"simulator.codebuild.{m.name}")
        for m in pkgutil.iter_modules(simulator.codebuild.__path__)
    ]
    assert len(runner) >= 8
    for module in (checker, *runner):
        for name, value in vars(module).items():
            if not isinstance(value, tuple | list | frozenset | set) or not value:
                continue
            for constant in shared:
                if value is not constant and set(value) == set(constant):
                    pytest.fail(f"{module.__name__}.{name} copies a constant of the model")


# -- every key the shapes know is read by the model (or named here as checker-only) -----------

SAMPLES: dict[str, Any] = {
    STR: "v1",
    SCALAR: "s1",
    YESNO: "yes",
    BOOL: True,
    INT: 2,
    STRS: ["item1"],
}
FIXED = {
    "version": "0.2",
    "on-failure": "ABORT",
    "file-format": "CUCUMBERJSON",
    "action": "restore",
    "shell": "/bin/sh",
    "runtime-versions": {"nodejs": "20"},
}
CHECKER_ONLY = {
    ("env", "git-credential-helper"),  # the sandbox has no git credential helper
    ("proxy",),  # no proxy server in the sandbox
    ("proxy", "upload-artifacts"),
    ("proxy", "logs"),
}


def _sample(shape: Any, key: str = "") -> Any:
    if key in FIXED:
        return FIXED[key]
    if isinstance(shape, str):
        return SAMPLES[shape]
    if isinstance(shape, MapOf):
        return {"NAME1": _sample(shape.value)}
    if isinstance(shape, ListOf):
        return [_sample(shape.item)]
    assert isinstance(shape, Map)
    return {k: _sample(v, k) for k, v in shape.fields.items()}


def _full_buildspec() -> dict[str, Any]:
    """Every key of TOP_02 but batch (its own builds), each with a valid sample value."""
    doc = _sample(model.TOP_02)
    del doc["batch"]
    phase = doc["phases"].pop("NAME1")
    doc["phases"] = {"install": phase, "build": {**phase}}
    del doc["phases"]["build"]["runtime-versions"]
    doc["env"]["secrets-manager"] = {"NAME1": "prod/key:FIELD"}
    return doc


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*path, key))
            found += _paths(value, (*path, key))
    return found


def _read(doc: dict[str, Any]) -> model.Buildspec:
    spec = model.read_buildspec(load_document(yaml.safe_dump(doc)))
    return dataclasses.replace(spec, issues=(), problems=())


def test_the_full_buildspec_is_valid_for_both() -> None:
    text = yaml.safe_dump(_full_buildspec())
    report = check(text, "buildspec")
    assert report.errors == [] and not {"BS004", "BS041", "BS038"} & set(report.codes())
    assert parse_buildspec(text).phases["install"].runtime_versions == (("nodejs", "20"),)


def test_every_known_key_is_read_by_the_model() -> None:
    doc = _full_buildspec()
    full = _read(doc)
    unread = set()
    for path in _paths(doc):
        if path[-1] == "NAME1" or path[:1] == ("version",):
            continue
        smaller = yaml.safe_load(yaml.safe_dump(doc))
        parent = smaller
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
        if _read(smaller) == full:
            unread.add(tuple(p for p in path if p not in ("install", "build")))
    assert unread == CHECKER_ONLY


def test_a_bare_yaml_boolean_is_an_error_the_runner_still_runs_as_written() -> None:
    text = "version: 0.2\nenv:\nphases:\n  build:\n    commands:\n      - true\n      - 'false'\n"
    report = check(text, "buildspec")
    assert [f.code for f in report.errors] == ["BS007", "BS007"]
    spec = parse_buildspec(text)
    assert spec.phases["build"].commands == ("true", "false")
    assert [p.stops_run for p in spec.problems] == [False, False]


def test_the_runner_names_line_column_code_and_fix() -> None:
    text = "version: 0.2\nphases:\n  build:\n    on-failure: retry-500\n    commands: [make]\n"
    with pytest.raises(BuildspecError) as caught:
        parse_buildspec(text)
    assert str(caught.value) == (
        "buildspec.yml:4:17: phases.build.on-failure: retry count 500 is out of range (0-100)"
        " [BS010]; valid values: ABORT, CONTINUE, RETRY, RETRY-<count 0-100>, RETRY-<regex>,"
        " RETRY-<count>-<regex>"
    )
