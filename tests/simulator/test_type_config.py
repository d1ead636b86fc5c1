"""The mypy configuration keeps its promises: strict flags scoped, no blanket ignore."""

from __future__ import annotations

import tomllib
from typing import Any

from tests.simulator.corpus import REPO

# mypy's --strict, flag by flag (warn_redundant_casts and warn_unused_ignores are global here).
STRICT_FLAGS = {
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_decorators",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
}


def mypy_config() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        config: dict[str, Any] = tomllib.load(handle)["tool"]["mypy"]
    return config


def test_every_shipped_package_is_checked_and_unused_ignores_are_errors() -> None:
    config = mypy_config()
    packages = {"core", "accounts", "courses", "quizzes", "labs", "instructor", "config"}
    assert set(config["files"]) == packages | {"simulator"}
    assert config["warn_unused_ignores"] is True
    assert not config.get("ignore_errors")


def test_strict_modules_get_every_strict_flag_and_never_the_leaking_switch() -> None:
    overrides = mypy_config()["overrides"]
    # `strict = true` in an override turns the flags on for every module: it must not appear.
    assert all("strict" not in override for override in overrides)
    strict = [o for o in overrides if "disallow_untyped_defs" in o]
    assert len(strict) == 1
    assert {flag for flag, value in strict[0].items() if value is True} == STRICT_FLAGS
    assert all(module.startswith("simulator") for module in strict[0]["module"])


def test_ignored_modules_are_named_one_by_one() -> None:
    ignored = [o for o in mypy_config()["overrides"] if o.get("ignore_errors")]
    assert len(ignored) <= 1
    for override in ignored:
        modules = override["module"]
        assert set(override) == {"module", "ignore_errors"}
        assert all("*" not in module for module in modules), modules
        assert len(modules) == len(set(modules))
