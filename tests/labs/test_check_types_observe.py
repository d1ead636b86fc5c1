"""Observability check types (labs/check_types/observe.py) on typed invocations. One test each."""

from __future__ import annotations

from typing import Any

from labs.checks import CHECKS, Evidence, Verdict, judge_one
from simulator import Invocation, InvocationStatus, Metric
from simulator.account import ApiCall
from simulator.scenarios._invocation import TraceSegment
from simulator.scenarios._result import RunStatus, ScenarioResult


def _invocation(seq: int, metrics=(), segments=(), function: str = "orders") -> Invocation:
    return Invocation(
        seq, function, "$LATEST", "direct", f"r{seq}", {}, InvocationStatus.OK,
        metrics=tuple(metrics), segments=tuple(segments),
    )  # fmt: skip


def _judge(name: str, params: dict[str, Any], *invocations: Invocation) -> Verdict:
    result = ScenarioResult(kind="function", status=RunStatus.RAN, invocations=invocations)
    evidence = Evidence(files={}, documents={}, findings={}, result=result)
    return judge_one(CHECKS[name], evidence, params)


def test_metric_emitted_matches_namespace_name_and_dimensions():
    good = Metric("Orders", "Latency", 120, "Milliseconds", {"Service": "orders"})
    params = {"namespace": "Orders", "name": "Latency", "dimensions": {"Service": "orders"}}
    assert _judge("metric_emitted", params, _invocation(1, [good])).passed
    elsewhere = Metric("Default", "Latency", 120, "Milliseconds", {})
    verdict = _judge("metric_emitted", params, _invocation(1, [elsewhere]))
    assert verdict.detail == (
        "Latency was emitted in namespace Default with dimensions none, not as Orders/Latency "
        "with Service=orders."
    )
    twice = {**params, "min_invocations": 2}
    verdict = _judge("metric_emitted", twice, _invocation(1, [good]), _invocation(2))
    assert verdict.detail == "Orders/Latency was emitted by 1 invocation of 2 (wanted 2)."
    assert _judge("metric_emitted", params).not_run


def test_subsegment_recorded_checks_name_and_parent():
    root = TraceSegment("orders", 0, 900)
    db = TraceSegment("dynamodb-get", 10, 800, parent="orders")
    params = {"name": "dynamodb-get", "parent": "orders"}
    assert _judge("subsegment_recorded", params, _invocation(1, segments=[root, db])).passed
    verdict = _judge("subsegment_recorded", {"name": "s3-put"}, _invocation(1, segments=[root, db]))
    assert (
        verdict.detail == "No subsegment called s3-put was recorded. The traces hold dynamodb-get."
    )
    verdict = _judge(
        "subsegment_recorded", {**params, "parent": "handler"}, _invocation(1, segments=[db])
    )
    assert verdict.detail == "dynamodb-get was recorded under orders, not under handler."


def test_annotation_recorded_needs_an_annotation_not_metadata():
    annotated = TraceSegment("orders", 0, 5, annotations={"customer_tier": "gold"})
    params = {"key": "customer_tier", "equals": "gold"}
    assert _judge("annotation_recorded", params, _invocation(1, segments=[annotated])).passed
    meta = TraceSegment("orders", 0, 5, metadata={"customer_tier": "gold"})
    verdict = _judge("annotation_recorded", params, _invocation(1, segments=[meta]))
    assert "recorded as metadata, which X-Ray does not index" in verdict.detail
    other = TraceSegment("orders", 0, 5, annotations={"customer_tier": "free"})
    verdict = _judge("annotation_recorded", params, _invocation(1, segments=[other]))
    assert verdict.detail == "The annotation customer_tier is free, not gold."


def _call(seq: int, operation: str = "GetItem", service: str = "dynamodb") -> ApiCall:
    return ApiCall(seq, service, operation, "123456789012", "us-east-1", {}, 200, None, "lambda")


def _quote(seq: int, event: dict, *, segments=(), calls=(), response=None, ok=True) -> Invocation:
    status = InvocationStatus.OK if ok else InvocationStatus.ERROR
    return Invocation(
        seq, "quote", "$LATEST", "direct", f"r{seq}", event, status, response=response,
        error_type="" if ok else "KeyError", error_message="" if ok else "'Item'",
        segments=tuple(segments), api_calls=tuple(calls),
    )  # fmt: skip


def _judge_calls(name: str, params: dict[str, Any], calls, *invocations) -> Verdict:
    result = ScenarioResult(
        kind="function", status=RunStatus.RAN, invocations=invocations, api_calls=tuple(calls)
    )
    return judge_one(
        CHECKS[name], Evidence(files={}, documents={}, findings={}, result=result), params
    )


def test_the_event_selector_judges_only_the_matching_invocations():
    root = TraceSegment("quote", 0, 9)
    big = TraceSegment("load-prices", 1, 8, parent="quote", annotations={"line_count": 30})
    small = TraceSegment("load-prices", 1, 2, parent="quote", annotations={"line_count": 2})
    q1 = _quote(1, {"quote_id": "q-1", "customer": {"id": "c-1"}}, segments=[root, small])
    q3 = _quote(2, {"quote_id": "q-3"}, segments=[root, big])
    params = {"key": "line_count", "equals": 30, "event": {"quote_id": "q-3"}}
    assert _judge("annotation_recorded", params, q1, q3).passed
    verdict = _judge("annotation_recorded", {**params, "event": {"quote_id": "q-1"}}, q1, q3)
    assert verdict.detail == "The annotation line_count is 2, not 30."
    nested = {"key": "line_count", "event": {"customer": {"id": "c-1"}}}
    assert _judge("annotation_recorded", nested, q1, q3).passed
    missing = _judge("annotation_recorded", {**params, "event": {"quote_id": "q-9"}}, q1, q3)
    assert missing.not_run
    assert missing.detail == "No invocation for the event with quote_id q-9 ran."


def test_annotation_every_and_untraced_and_namespaced_metadata():
    root = TraceSegment("quote", 0, 9)
    tagged = TraceSegment("check-coupon", 1, 2, parent="quote", annotations={"ok": True})
    both = {"key": "ok", "equals": "true", "every": True}
    first, second = _quote(1, {}, segments=[root, tagged]), _quote(2, {}, segments=[root])
    assert _judge("annotation_recorded", both, first, first).passed
    verdict = _judge("annotation_recorded", both, first, second)
    assert verdict.detail == "Only 1 invocation of 2 carried the annotation ok."
    untraced = _judge("annotation_recorded", both, _quote(1, {}))
    assert "tracing mode is Active" in untraced.detail
    meta = TraceSegment("s", 0, 1, parent="quote", metadata={"default": {"ok": True}})
    verdict = _judge("annotation_recorded", {"key": "ok"}, _quote(1, {}, segments=[root, meta]))
    assert "recorded as metadata" in verdict.detail


def test_api_calls_per_invocation_counts_each_invocations_calls():
    calls = [
        _call(1, "BatchGetItem"),
        _call(2),
        _call(3),
        _call(4),
        _call(5, "GetParameter", "ssm"),
    ]
    batched = _quote(1, {}, calls=[1, 5])
    chatty = _quote(2, {}, calls=[2, 3, 4])
    silent = _quote(3, {})
    params = {"function": "quote", "service": "dynamodb", "max": 2}
    assert _judge_calls("api_calls_per_invocation", params, calls, batched).passed
    verdict = _judge_calls("api_calls_per_invocation", params, calls, batched, chatty)
    assert verdict.detail == "Invocation 2 made 3 dynamodb calls; at most 2 expected."
    verdict = _judge_calls("api_calls_per_invocation", params, calls, silent)
    assert verdict.detail == "Invocation 3 made 0 dynamodb calls; at least 1 expected."
    only_gets = {**params, "operation": "GetItem", "min": 0, "max": 0}
    assert _judge_calls("api_calls_per_invocation", only_gets, calls, batched).passed


def test_invocation_response_compares_a_subset_and_reports_plainly():
    good = _quote(1, {"quote_id": "q-4"}, response={"total": 699, "coupon_applied": False, "x": 1})
    params = {"event": {"quote_id": "q-4"}, "equals": {"total": 699.0, "coupon_applied": False}}
    assert _judge("invocation_response", params, good).passed
    wrong = _quote(1, {"quote_id": "q-4"}, response={"total": 699, "coupon_applied": True})
    verdict = _judge("invocation_response", params, wrong)
    assert verdict.detail == "Invocation 1 answered total 699, coupon_applied true."
    failed = _quote(1, {"quote_id": "q-4"}, ok=False)
    verdict = _judge("invocation_response", params, failed)
    assert verdict.detail == "Invocation 1 ended error (KeyError: 'Item')."
    # 1 is not true: a boolean only matches a boolean.
    one = _quote(1, {"quote_id": "q-4"}, response={"total": 699, "coupon_applied": 0})
    assert not _judge("invocation_response", params, one).passed
