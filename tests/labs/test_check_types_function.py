"""Function check types (labs/check_types/function.py), one test each, on hand-made results."""

from __future__ import annotations

from typing import Any

from labs.checks import CHECKS, Evidence, Verdict, judge_one
from simulator import Invocation, InvocationStatus
from simulator.account import AccountSnapshot, ApiCall
from simulator.account._types import Table
from simulator.scenarios._result import RunStatus, ScenarioResult


def _call(seq: int, table: str, operation: str = "PutItem") -> ApiCall:
    return ApiCall(seq, "dynamodb", operation, "123456789012", "us-east-1",
                   {"TableName": table}, 200, None, f"lambda:orders#{seq}")  # fmt: skip


def _inv(seq: int, stage: str, qualifier: str, *, calls=(), status="ok", code=200) -> Invocation:
    return Invocation(
        seq=seq, function="orders", qualifier=qualifier, source="apigateway",
        request_id=f"r{seq}", event={}, status=InvocationStatus(status), api_calls=tuple(calls),
        version="1" if qualifier else "", source_facts={"stage": stage, "status_code": code},
        error_type="" if status == "ok" else "KeyError", error_message="" if status == "ok" else "x",
    )  # fmt: skip


def _judge(name: str, params: dict[str, Any], invocations=(), calls=(), after=None) -> Verdict:
    result = ScenarioResult(
        kind="function", status=RunStatus.RAN, invocations=tuple(invocations),
        api_calls=tuple(calls), after=after or AccountSnapshot(),
    )  # fmt: skip
    evidence = Evidence(files={}, documents={}, findings={}, result=result)
    return judge_one(CHECKS[name], evidence, params)


def test_invocation_status():
    ok = [_inv(1, "dev", "dev"), _inv(2, "prod", "prod")]
    assert _judge("invocation_status", {"function": "orders", "status": "ok"}, ok).passed
    bad = [_inv(1, "dev", "dev"), _inv(2, "prod", "prod", status="error")]
    verdict = _judge("invocation_status", {"function": "orders", "status": "ok"}, bad)
    assert not verdict.passed and "KeyError" in verdict.detail


def test_stage_served_by():
    runs = [_inv(1, "dev", "dev"), _inv(2, "prod", "dev")]
    assert _judge("stage_served_by", {"stage": "dev", "alias": "dev"}, runs).passed
    verdict = _judge("stage_served_by", {"stage": "prod", "alias": "prod"}, runs)
    assert not verdict.passed and "as dev, not prod" in verdict.detail
    assert not _judge("stage_served_by", {"stage": "test", "alias": "x"}, runs).passed


def test_api_status():
    runs = [_inv(1, "dev", "dev"), _inv(2, "dev", "dev", code=502)]
    verdict = _judge("api_status", {"stage": "dev", "status": 200}, runs)
    assert not verdict.passed and "502" in verdict.detail
    assert _judge("api_status", {"stage": "dev", "status": 200}, runs[:1]).passed


def test_stage_writes_only():
    calls = [_call(1, "orders-dev"), _call(2, "orders-dev"), _call(3, "orders-prod")]
    good = [_inv(1, "dev", "dev", calls=[1])]
    assert _judge("stage_writes_only", {"stage": "dev", "table": "orders-dev"}, good, calls).passed
    both = [_inv(1, "dev", "dev", calls=[2, 3])]
    verdict = _judge("stage_writes_only", {"stage": "dev", "table": "orders-dev"}, both, calls)
    assert not verdict.passed and "also wrote to orders-prod" in verdict.detail


def test_table_item():
    table = Table("orders-dev", "123456789012", "us-east-1", ("orderId",),
                  ({"orderId": "d-1", "stage": "dev"},))  # fmt: skip
    after = AccountSnapshot(tables=(table,))
    params = {"table": "orders-dev", "key": {"orderId": "d-1"}, "equals": {"stage": "dev"}}
    assert _judge("table_item", params, after=after).passed
    assert not _judge("table_item", {**params, "equals": {"stage": "prod"}}, after=after).passed
    absent = {"table": "orders-dev", "key": {"orderId": "d-1"}, "absent": True}
    assert not _judge("table_item", absent, after=after).passed
    assert not _judge("table_item", {"table": "nope", "key": {"a": 1}}, after=after).passed
