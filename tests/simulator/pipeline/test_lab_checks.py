"""The V2 pipeline check types (labs/check_types/pipeline_v2.py), one test each, on typed results."""

from __future__ import annotations

from typing import Any

from labs.checks import CHECKS, Evidence, judge_one
from simulator.account import AccountSnapshot, S3Object
from simulator.scenarios._result import (
    NotificationRun,
    PipelineRun,
    RollbackRun,
    RunStatus,
    ScenarioResult,
    TriggerRun,
)

RESULT = ScenarioResult(
    kind="pipeline",
    status=RunStatus.RAN,
    pipeline=PipelineRun(
        name="p",
        status="Failed",
        pipeline_type="V2",
        triggers=(
            TriggerRun(
                "docs", "push of branch main (1 changed file)", False, "it matches no push filter"
            ),
            TriggerRun(
                "v1",
                "push of tag v1 (1 changed file)",
                True,
                "it matches push filter 1",
                "e1",
                "Succeeded",
                {"SiteFolder": "live"},
            ),
            TriggerRun(
                "v2",
                "push of tag v2 (1 changed file)",
                True,
                "it matches push filter 1",
                "e2",
                "Failed",
                {"SiteFolder": "live"},
            ),
        ),
        rollbacks=(
            RollbackRun("Deploy", "Succeeded", "an onSuccess condition failed", "e1", "e2"),
        ),
        notifications=(
            NotificationRun("arn:aws:sns:eu-west-1:111122223333:approvals", True, "A", "e1"),
        ),
    ),
    after=AccountSnapshot(
        s3_objects=(
            S3Object(
                "site", "live/index.html", 20, "0" * 64, "111122223333", "eu-west-1", "Release 1"
            ),
        )
    ),
)


def _judge(check_type: str, /, **params: Any) -> Any:
    evidence = Evidence(files={}, documents={}, findings={}, result=RESULT)
    return judge_one(CHECKS[check_type], evidence, params)


def test_trigger_started() -> None:
    assert _judge("trigger_started", event="docs", equals=False).passed
    verdict = _judge("trigger_started", event="docs", equals=True)
    assert not verdict.passed and "matches no push filter" in verdict.detail
    assert "no event named" in _judge("trigger_started", event="nope", equals=True).detail


def test_execution_variable() -> None:
    assert _judge("execution_variable", event="v1", name="SiteFolder", equals="live").passed
    verdict = _judge("execution_variable", event="v1", name="SiteFolder", equals="prod")
    assert not verdict.passed and "'live'" in verdict.detail
    assert (
        "started no execution"
        in _judge("execution_variable", event="docs", name="X", equals="y").detail
    )


def test_approval_notified() -> None:
    assert _judge("approval_notified", topic="approvals").passed
    verdict = _judge("approval_notified", topic="release-approvals")
    assert not verdict.passed and "not release-approvals" in verdict.detail


def test_stage_rolled_back() -> None:
    assert _judge("stage_rolled_back", stage="Deploy", event="v2").passed
    assert not _judge("stage_rolled_back", stage="Deploy", event="v1").passed
    assert not _judge("stage_rolled_back", stage="Deploy", event="docs").passed


def test_s3_object_contains() -> None:
    assert _judge(
        "s3_object_contains", bucket="site", key="live/index.html", text="Release 1"
    ).passed
    verdict = _judge("s3_object_contains", bucket="site", key="live/index.html", text="Release 2")
    assert not verdict.passed
    missing = _judge("s3_object_contains", bucket="site", key="x.html", text="a")
    assert "live/index.html" in missing.detail


def test_v2_result_parts_survive_the_json_round_trip() -> None:
    again = ScenarioResult.from_json(RESULT.to_json())
    assert again == RESULT
    assert again.pipeline is not None and again.pipeline.triggers[1].variables == {
        "SiteFolder": "live"
    }
