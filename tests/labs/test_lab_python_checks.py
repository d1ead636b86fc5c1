"""The registered Python checks the labs use (labs/checks.py, `type: python`)."""

from __future__ import annotations

import pytest

from labs.checks import CHECKS, PYTHON_CHECKS


def judge(function: str, outcome: dict, **params) -> tuple[bool, str]:
    verdict = CHECKS["python"].judge(outcome, {"function": function, **params})
    return verdict.passed, verdict.detail


def test_every_lab_function_is_registered_and_validates():
    for name in ("script_in_event", "max_targets_at_once", "world_recorded", "traffic_at_most"):
        assert name in PYTHON_CHECKS
        assert CHECKS["python"].validate({"function": name}) is None
    assert "no registered Python check" in CHECKS["python"].validate({"function": "nope"})


SCRIPTS = {"deployment": {"scripts": [
    {"target": "i-1", "event": "BeforeInstall", "script": "scripts/deps.sh"},
    {"target": "i-2", "event": "BeforeInstall", "script": "scripts/deps.sh"},
    {"target": "i-1", "event": "AfterInstall", "script": "scripts/check.sh"},
    {"target": "i-2", "event": "ValidateService", "script": "scripts/check.sh"},
]}}  # fmt: skip


@pytest.mark.parametrize(
    ("script", "event", "passed", "detail"),
    [
        (r"deps\.sh$", "BeforeInstall", True, ""),
        (r"deps\.sh$", "AfterInstall", False, "ran in BeforeInstall"),
        (r"check\.sh$", "ValidateService", False, "ran in AfterInstall, ValidateService"),
        (r"start\.sh$", "ApplicationStart", False, "no script matching"),
    ],
)
def test_script_in_event(script, event, passed, detail):
    ok, why = judge("script_in_event", SCRIPTS, script=script, event=event)
    assert ok is passed and detail in why


def events(*spans):
    return {"deployment": {"events": [
        {"target": t, "event": "Install", "start": s, "end": e, "status": "Succeeded"}
        for t, s, e in spans
    ]}}  # fmt: skip


def test_max_targets_at_once_counts_overlapping_instances():
    one_by_one = events(("i-1", 0, 10), ("i-2", 10, 20), ("i-3", 20, 30))
    assert judge("max_targets_at_once", one_by_one, max=1) == (
        True,
        "1 instance(s) were out of service at the same time",
    )
    together = events(("i-1", 0, 10), ("i-2", 0, 10), ("i-3", 5, 12))
    ok, why = judge("max_targets_at_once", together, max=1)
    assert not ok and why.startswith("3 instance(s)")
    assert judge("max_targets_at_once", events(), max=1)[0] is False


def test_world_recorded_matches_every_given_field_as_text():
    outcome = {"world": {"changes": [
        {"action": "lambda.invoke", "function": "hook", "hook": "AfterAllowTraffic"},
        {"action": "sts.assume_role", "role": "arn:r", "from_account": "111122223333"},
    ]}}  # fmt: skip
    assert judge("world_recorded", outcome, action="lambda.invoke",
                 match={"function": "hook"})[0]  # fmt: skip
    assert judge("world_recorded", outcome, action="sts.assume_role",
                 match={"from_account": 111122223333})[0]  # fmt: skip
    ok, why = judge("world_recorded", outcome, action="lambda.invoke", match={"function": "x"})
    assert not ok and "1 lambda.invoke change(s)" in why


def test_traffic_at_most():
    outcome = {"deployment": {"traffic": [{"minute": 0, "percent_new": 0},
                                          {"minute": 1, "percent_new": 10}]}}  # fmt: skip
    assert judge("traffic_at_most", outcome, max=10) == (True, "traffic peaked at 10 %")
    assert judge("traffic_at_most", outcome, max=5)[0] is False
    assert judge("traffic_at_most", {}, max=10) == (False, "no traffic was shifted")
