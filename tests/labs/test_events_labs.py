"""Check types of the event-driven labs (labs/check_types/events.py), one test each, on typed
results built by hand; and the three labs parse with those checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labs.checks import CHECKS, Evidence, judge_one
from labs.spec import parse_lab
from simulator.scenarios import (
    Invocation,
    InvocationStatus,
    Note,
    NoteLevel,
    RunStatus,
    ScenarioResult,
)

LABS = Path(__file__).resolve().parents[2] / "content" / "labs"


def _inv(seq: int, source: str, facts: dict[str, Any], ok: bool = True, **extra) -> Invocation:
    return Invocation(
        seq=seq, function=extra.pop("function", "worker"), qualifier="$LATEST", source=source,
        request_id=f"r{seq}", event={}, status=InvocationStatus.OK if ok else InvocationStatus.ERROR,
        source_facts=facts, **extra,
    )  # fmt: skip


def _judge(name: str, invocations=(), notes=(), **params) -> Any:
    result = ScenarioResult(
        kind="function", status=RunStatus.RAN, invocations=tuple(invocations), notes=tuple(notes)
    )
    evidence = Evidence(files={}, documents={}, findings={}, result=result)
    assert CHECKS[name].validate(params) is None
    return judge_one(CHECKS[name], evidence, params)


def _message(order: str, fate: str, received: int = 1, expired: int = 0) -> dict[str, Any]:
    return {
        "body": json.dumps({"orderId": order}),
        "received": received,
        "fate": fate,
        "visibility_expired": expired,
    }


def _sqs_run(messages: dict[str, dict[str, Any]], outcome: str = "partial") -> list[Invocation]:
    mapping = {"visibility_timeout": 15, "batching_window": 20}
    return [
        _inv(1, "sqs", {"queue": "orders", "outcome": outcome, "function_response_types": []}),
        _inv(
            2,
            "sqs",
            {
                "queue": "orders",
                "outcome": "deleted",
                "final": {"messages": messages, "mapping": mapping},
            },
        ),
    ]


def test_sqs_mapping_accepted_quotes_the_refusal():
    assert _judge("sqs_mapping_accepted", _sqs_run({}), queue="orders").passed
    refused = Note(NoteLevel.ERROR, "Lambda refused the event source mapping on orders: too short")
    verdict = _judge("sqs_mapping_accepted", (), [refused], queue="orders")
    assert not verdict.passed and "too short" in verdict.detail


def test_sqs_messages_selects_by_body_and_judges_fate_and_deliveries():
    run = _sqs_run(
        {
            "m1": _message("o-1", "deleted"),
            "m2": _message("o-2", "deleted", received=3),
            "m3": _message("o-bad", "in_queue", received=5),
        }
    )
    good = {"queue": "orders", "where_not": {"orderId": "o-bad"}, "fate": "deleted"}
    assert _judge("sqs_messages", run, **good).passed
    once = _judge("sqs_messages", run, **good, max_received=1)
    assert not once.passed and once.detail == "Message o-2 reached the function 3 times."
    bad = _judge("sqs_messages", run, queue="orders", where={"orderId": "o-bad"},
                 fate="dead_lettered")  # fmt: skip
    assert bad.detail == (
        "Message o-bad was still in the queue; expected moved to the dead-letter queue."
    )
    none = _judge("sqs_messages", run, queue="orders", where={"orderId": "x"}, fate="deleted")
    assert not none.passed


def test_sqs_partial_batch_explains_a_disabled_response_type():
    assert _judge("sqs_partial_batch", _sqs_run({}, outcome="partial"), queue="orders").passed
    verdict = _judge("sqs_partial_batch", _sqs_run({}, outcome="failed"), queue="orders")
    assert not verdict.passed and "ReportBatchItemFailures" in verdict.detail


def test_sqs_no_visibility_expiry_names_the_settings():
    assert _judge("sqs_no_visibility_expiry", _sqs_run({"m": _message("o", "deleted")}),
                  queue="orders").passed  # fmt: skip
    verdict = _judge(
        "sqs_no_visibility_expiry", _sqs_run({"m": _message("o", "deleted", 2, 1)}), queue="orders"
    )
    assert not verdict.passed
    assert "visibility timeout 15 s, batching window 20 s" in verdict.detail


def test_invocations_at_most_counts_one_function_and_source():
    run = [_inv(n, "sqs", {}) for n in range(1, 4)] + [_inv(4, "direct", {})]
    assert _judge("invocations_at_most", run, function="worker", source="sqs", max=3).passed
    verdict = _judge("invocations_at_most", run, function="worker", max=3)
    assert verdict.detail == "worker was invoked 4 times (at most 3 expected)."


def test_replay_all_ok_names_the_failed_copy():
    ok = [_inv(1, "replay", {"event_id": "e1", "copy": 1})]
    assert _judge("replay_all_ok", ok, function="worker").passed
    failed = _inv(2, "replay", {"event_id": "e1", "copy": 2}, ok=False,
                  error_type="ConditionalCheckFailedException",
                  error_message="condition failed")  # fmt: skip
    bad = [*ok, failed]
    verdict = _judge("replay_all_ok", bad, function="worker")
    assert not verdict.passed
    assert "copy 2 of event e1 ended with ConditionalCheckFailedException" in verdict.detail


def test_observed_items_counts_and_compares_values():
    tables = {"customers": [{"customerId": "c-1", "balance": 65}, {"customerId": "c-2",
                                                                   "balance": 20}]}  # fmt: skip
    run = [_inv(1, "replay", {"final": {"tables": tables}})]
    base = {"source": "replay", "table": "customers"}
    assert _judge("observed_items", run, **base, count=2).passed
    assert _judge("observed_items", run, **base, where={"customerId": "c-1"},
                  values={"balance": 65}).passed  # fmt: skip
    verdict = _judge("observed_items", run, **base, where={"customerId": "c-2"},
                     values={"balance": 60})  # fmt: skip
    assert (
        verdict.detail == "In customers, the item with customerId c-2 has balance 20; expected 60."
    )
    missing = _judge("observed_items", run, source="replay", table="payments", count=1)
    assert "did not get as far" in missing.detail


def _rotation_run(*runs: dict[str, Any], login_after: bool = True) -> list[Invocation]:
    final = {"rotations": list(runs), "login_after": login_after}
    return [_inv(1, "rotation", {"secret": "s", "step": "finishSecret", "final": final})]


GOOD = {"status": "succeeded", "current_is_new": True, "previous_is_old": True,
        "login_current": True}  # fmt: skip


def test_rotation_outcome_reports_the_first_difference():
    stuck = {"status": "step_failed", "failed_step": "finishSecret", "current_is_new": False}
    refused = {"status": "refused", "error": "Secrets Manager refused to start."}
    run = _rotation_run(GOOD, stuck, refused)
    assert _judge("rotation_outcome", run, secret="s", rotations=[1],
                  expect={"status": "succeeded", "login_current": True}).passed  # fmt: skip
    verdict = _judge("rotation_outcome", run, secret="s", rotations=[1, 2],
                     expect={"status": "succeeded"})  # fmt: skip
    assert verdict.detail == "Rotation 2 stopped at finishSecret (the function failed)."
    verdict = _judge("rotation_outcome", run, secret="s", rotations=[2],
                     expect={"current_is_new": True})  # fmt: skip
    assert verdict.detail == "After rotation 2 there was no AWSCURRENT on the new version."
    assert _judge("rotation_outcome", run, secret="s", rotations=[3],
                  expect={"status": "succeeded"}).detail == "Rotation 3: Secrets Manager refused to start."  # fmt: skip
    assert "never ran" in _judge("rotation_outcome", run, secret="s", rotations=[4],
                                 expect={}).detail  # fmt: skip


def test_rotation_app_login_reads_the_final_login():
    assert _judge("rotation_app_login", _rotation_run(GOOD), secret="s").passed
    verdict = _judge("rotation_app_login", _rotation_run(GOOD, login_after=False), secret="s")
    assert not verdict.passed and "can no longer log in" in verdict.detail
    assert _judge("rotation_app_login", (), secret="s").detail == "No rotation of s ran."


@pytest.mark.parametrize("slug", ["sqs-partial-batch", "dynamodb-idempotency", "secrets-rotation"])
def test_event_labs_parse_with_three_alternatives_and_cheats(slug, settings):
    spec = parse_lab(LABS / slug)
    assert spec.scenario["kind"] == "function"
    assert len(spec.variants["alternatives"]) >= 3 and len(spec.variants["cheats"]) >= 3
    assert spec.max_points == 100 and all(h.cost > 0 for h in spec.hints)
    assert spec.files.keys() == spec.reference.keys()
