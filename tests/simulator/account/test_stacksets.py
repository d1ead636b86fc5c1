"""StackSet operations run per stack instance, as on AWS, seen through the real AWS CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.codebuild import BuildOptions, build
from simulator.world import load_world

pytestmark = pytest.mark.sandbox

WORLD = """
account: "111122223333"
region: eu-west-1
accounts:
  "222233334444": {name: dev}
  "444455556666": {name: prod}
"""
# A bucket name is unique across all of AWS: only the first stack instance can create it.
FIXED_BUCKET = json.dumps(
    {"Resources": {"Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "fixed-logs"}}}}
)
ORDER = json.dumps(
    {"RegionOrder": ["us-east-1", "eu-west-1"], "FailureToleranceCount": 0, "MaxConcurrentCount": 1}
)
CREATE = (
    "aws cloudformation create-stack-instances --stack-set-name base "
    "--accounts 222233334444 444455556666 --regions eu-west-1 us-east-1 "
    "--query OperationId --output text"
)


def _run(tmp_path: Path, commands: list[str]) -> tuple[dict[str, str], object, list[str]]:
    """Run commands in one build; `name=$(...)` lines are echoed back as name -> value."""
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "t.json").write_text(FIXED_BUCKET)
    (source / "order.json").write_text(ORDER)
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n"
    spec += (
        "      - aws cloudformation create-stack-set --stack-set-name base "
        "--template-body file://t.json\n"
    )
    for command in commands:
        name, _, value = command.partition("=")
        spec += f"      - {json.dumps(f'echo __{name}=$({value})')}\n"
    world = load_world(WORLD)
    lines: list[str] = []
    result = build(spec, source, world, BuildOptions(time_limit=90, on_line=lines.append))
    assert result.status == "SUCCEEDED", lines
    values = {}
    for line in lines:
        if line.startswith("__") and "=" in line:
            key, _, value = line[2:].partition("=")
            values[key] = value.strip()
    return values, world, lines


def test_a_collision_fails_single_instances_and_the_request_is_accepted(tmp_path: Path) -> None:
    values, world, lines = _run(
        tmp_path,
        [
            f"op={CREATE} --operation-preferences FailureToleranceCount=3,MaxConcurrentCount=4",
            "status=aws cloudformation describe-stack-set-operation --stack-set-name base "
            '--operation-id "$(aws cloudformation list-stack-set-operations --stack-set-name base '
            "--query 'Summaries[0].OperationId' --output text)\" "
            "--query StackSetOperation.[Status,StatusDetails.FailedStackInstancesCount] "
            "--output text",
            "failed=aws cloudformation list-stack-instances --stack-set-name base "
            "--query \"length(Summaries[?StackInstanceStatus.DetailedStatus=='FAILED'])\"",
            "one=aws cloudformation describe-stack-instance --stack-set-name base "
            "--stack-instance-account 444455556666 --stack-instance-region eu-west-1 "
            "--query 'StackInstance.[Status,StackInstanceStatus.DetailedStatus,StatusReason]' "
            "--output json",
        ],
    )
    assert len(values["op"]) == 36, lines  # an operation id, not an error
    # Within the failure tolerance (3 per Region), the operation as a whole succeeds.
    assert values["status"].split() == ["SUCCEEDED", "3"]
    assert values["failed"] == "3"
    assert values["one"], lines
    status, detailed, reason = json.loads(values["one"])
    assert (status, detailed) == ("OUTDATED", "FAILED")
    assert reason == (
        "ResourceLogicalId:Logs, ResourceType:AWS::S3::Bucket, "
        "ResourceStatusReason:fixed-logs already exists."
    )
    # The typed snapshot carries the same per-instance facts.
    instances = {(i.account, i.region): i for i in world.snapshot().stack_instances}
    assert instances["222233334444", "eu-west-1"].detailed_status == "SUCCEEDED"
    assert instances["222233334444", "eu-west-1"].status == "CURRENT"
    assert sorted(i.detailed_status for i in instances.values()) == [
        "FAILED",
        "FAILED",
        "FAILED",
        "SUCCEEDED",
    ]
    assert "fixed-logs already exists" in (
        instances["444455556666", "us-east-1"].status_reason or ""
    )
    # The failed stacks were rolled back: only the first account holds a stack of the set.
    stacks = {(s.account, s.region) for s in world.snapshot().stacks}
    assert stacks == {("222233334444", "eu-west-1")}


def test_failure_tolerance_stops_the_operation_and_cancels_later_regions(tmp_path: Path) -> None:
    values, world, lines = _run(
        tmp_path,
        [
            f"op={CREATE} --operation-preferences FailureToleranceCount=0,MaxConcurrentCount=1",
            "status=aws cloudformation describe-stack-set-operation --stack-set-name base "
            '--operation-id "$(aws cloudformation list-stack-set-operations --stack-set-name base '
            "--query 'Summaries[0].OperationId' --output text)\" "
            "--query StackSetOperation.Status --output text",
            "results=aws cloudformation list-stack-set-operation-results --stack-set-name base "
            '--operation-id "$(aws cloudformation list-stack-set-operations --stack-set-name base '
            "--query 'Summaries[0].OperationId' --output text)\" "
            "--query 'Summaries[].[Account,Region,Status]' --output json",
            "instances=aws cloudformation list-stack-instances --stack-set-name base "
            "--query 'Summaries[].[Account,Region,Status,StackInstanceStatus.DetailedStatus]' "
            "--output json",
        ],
    )
    assert values["status"] == "FAILED", lines
    # eu-west-1 first (the order given), one account at a time; the first failure passes a
    # tolerance of 0, so us-east-1 is never attempted.
    assert json.loads(values["results"]) == [
        ["222233334444", "eu-west-1", "SUCCEEDED"],
        ["444455556666", "eu-west-1", "FAILED"],
        ["222233334444", "us-east-1", "CANCELLED"],
        ["444455556666", "us-east-1", "CANCELLED"],
    ]
    assert sorted(json.loads(values["instances"])) == [
        ["222233334444", "eu-west-1", "CURRENT", "SUCCEEDED"],
        ["222233334444", "us-east-1", "OUTDATED", "CANCELLED"],
        ["444455556666", "eu-west-1", "OUTDATED", "FAILED"],
        ["444455556666", "us-east-1", "OUTDATED", "CANCELLED"],
    ]
    cancelled = [i for i in world.snapshot().stack_instances if i.detailed_status == "CANCELLED"]
    assert {i.status_reason for i in cancelled} == {
        "Cancelled since failure tolerance has exceeded"
    }


def test_region_order_and_both_tolerance_kinds_are_validated(tmp_path: Path) -> None:
    values, _world, lines = _run(
        tmp_path,
        [
            f"order={CREATE} --operation-preferences file://order.json >/dev/null && "
            "aws cloudformation list-stack-instances --stack-set-name base "
            "--query \"Summaries[?StackInstanceStatus.DetailedStatus=='SUCCEEDED'].Region\" "
            "--output text",
            f"both={CREATE} --operation-preferences FailureToleranceCount=1,"
            "FailureTolerancePercentage=10 2>&1 || true",
        ],
    )
    # us-east-1 went first, so it holds the one instance that got the bucket.
    assert values["order"] == "us-east-1", lines
    assert "ValidationError" in values["both"]
    assert "FailureToleranceCount or FailureTolerancePercentage" in values["both"]
