"""The pipeline rules, split over simulator/_pipeline_*.py, all register, in their fixed order."""

from __future__ import annotations

import sys
from pathlib import Path

import simulator
from simulator import RULES
from simulator._rules import rules_for

# Registration order: findings at the same line and column come out in this order, so moving a
# rule (or importing its module earlier) changes the checker's output.
PIPELINE_CODES = [
    "PL034", "PL001", "PL002", "PL003", "PL004", "PL005", "PL006", "PL035", "PL007", "PL008",
    "PL009", "PL010", "PL045", "PL046", "PL011", "PL038", "PL039", "PL044", "PL040",
    "PL012", "PL013", "PL014", "PL015", "PL016", "PL022", "PL018",
    "PL020", "PL019", "PL037", "PL025", "PL023", "PL032", "PL024",
    "PL026", "PL027", "PL028", "PL029", "PL021", "PL033", "PL030", "PL031", "PL036",
    "PL041", "PL042",
]  # fmt: skip

# Modules beside the rule modules that register nothing.
NOT_RULE_MODULES = {"_pipeline", "_pipeline_common", "_pipeline_model"}


def test_pipeline_codes_and_their_order_are_unchanged() -> None:
    registered = [code for code in RULES if code.startswith("PL")]
    assert registered == PIPELINE_CODES
    assert all(RULES[code].kind == "pipeline" for code in registered)


def test_every_pipeline_rule_module_is_imported_and_registers_rules() -> None:
    folder = Path(simulator.__file__).parent
    modules = sorted(p.stem for p in folder.glob("_pipeline*.py"))
    rule_modules = [m for m in modules if m not in NOT_RULE_MODULES]
    owners = {func.__module__ for func in rules_for("pipeline")}
    for name in rule_modules:
        assert f"simulator.{name}" in sys.modules, f"simulator/_pipeline.py does not import {name}"
        assert f"simulator.{name}" in owners, f"{name} registers no pipeline rule"
    assert rule_modules, "no simulator/_pipeline_*.py rule module found"
