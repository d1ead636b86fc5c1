"""The xray-emf-troubleshoot lab fails each wrong answer for its own reason: the starter crashes on
an unknown coupon and reads one price per call, and each cheat loses the checks it skips."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from labs.grader import GradeResult, grade
from labs.spec import LabSpec, parse_lab

pytestmark = pytest.mark.sandbox

SLUG = "xray-emf-troubleshoot"


@cache
def spec() -> LabSpec:
    return parse_lab(Path(settings.CONTENT_ROOT) / "labs" / SLUG)


@cache
def graded(kind: str, name: str = "") -> GradeResult:
    lab = spec()
    files = lab.files if kind == "starter" else {**lab.reference, **lab.variants[kind][name]}
    return grade(lab, files)


def failed(result: GradeResult) -> dict[str, str]:
    return {r["id"]: r["detail"] for r in result.results if not r["passed"]}


def test_the_starter_crashes_on_unknown_coupons_and_reads_one_price_per_call():
    result = graded("starter")
    failures = failed(result)
    assert failures["quotes-answer"].startswith("2 of 7 invocations of price-quote ended error")
    assert "KeyError" in failures["quotes-answer"]
    # q-2 has three lines and a coupon: four DynamoDB calls.
    assert failures["prices-batched"] == "Invocation 2 made 4 dynamodb calls; at most 2 expected."
    assert "current-prices" not in failures  # it reads the table, so the new price is used
    big = next(i for i in result.result.invocations if i.event["quote_id"] == "q-3")
    assert len(big.api_calls) == 30
    assert [s.name for s in big.segments] == ["price-quote"]  # traced, but not instrumented


def test_plain_text_instrumentation_reaches_neither_x_ray_nor_cloudwatch_metrics():
    failures = failed(graded("cheats", "plain-text-logs"))
    assert set(failures) == {
        "load-prices-subsegment",
        "sdk-calls-traced",
        "line-count-annotated",
        "coupon-status-annotated",
        "rejected-coupon-metric",
    }


def test_metadata_and_a_hyphenated_key_are_not_indexed_annotations():
    failures = failed(graded("cheats", "unindexed-annotations"))
    assert set(failures) == {"line-count-annotated", "coupon-status-annotated"}
    assert "recorded as metadata" in failures["line-count-annotated"]
    assert failures["coupon-status-annotated"] == "No segment carries the annotation coupon_status."


def test_hard_coded_prices_are_fast_but_stale_and_untraced():
    failures = failed(graded("cheats", "hard-coded-prices"))
    assert set(failures) == {"sdk-calls-traced", "prices-batched", "current-prices"}
    assert "at least 1 expected" in failures["prices-batched"]
    assert failures["current-prices"] == "Invocation 5 answered total 539, coupon_applied true."
