"""Observability check types (labs/check_types/observe.py) on typed invocations. One test each."""

from __future__ import annotations

from typing import Any

from labs.checks import CHECKS, Evidence, Verdict, judge_one
from simulator import Invocation, InvocationStatus, Metric
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
