"""Account check types (labs/check_types/account.py): Parameter Store labels replayed from the
call log, StackSet instances from the snapshot, declared template resources. One test each."""

from __future__ import annotations

import json
from typing import Any

from labs.checks import CHECKS, Evidence, Verdict, judge_one
from simulator.account import (
    AccountSnapshot,
    ApiCall,
    Parameter,
    ParameterVersion,
    StackInstance,
)
from simulator.scenarios._result import ArtifactFile, BuildRun, RunStatus, ScenarioResult

NAME = "/app/endpoint"
VALUES = ["https://v1", "https://v2", "https://v3"]


def _param(labels: dict[int, tuple[str, ...]] | None = None, count: int = 3) -> Parameter:
    labels = labels or {}
    history = tuple(
        ParameterVersion(n, VALUES[(n - 1) % 3], labels.get(n, ())) for n in range(1, count + 1)
    )
    return Parameter(NAME, "String", history[-1].value, count, "111122223333", "eu-west-1", history)


def _call(seq: int, operation: str, origin: str = "build:BUILD", **params: Any) -> ApiCall:
    return ApiCall(seq, "ssm", operation, "111122223333", "eu-west-1", params, 200, None, origin)


def _judge(name: str, params: dict[str, Any], **result: Any) -> Verdict:
    result.setdefault("before", AccountSnapshot(parameters=(_param(),)))
    evidence = Evidence(
        files={}, documents=result.pop("documents", {}), findings={},
        result=ScenarioResult(kind="build", status=RunStatus.RAN, **result),
    )  # fmt: skip
    return judge_one(CHECKS[name], evidence, params)


def _build(**artifacts: dict[str, str]) -> tuple[BuildRun, ...]:
    files = tuple(ArtifactFile(p, 1, json.dumps(d)) for p, d in artifacts.items())
    return (BuildRun("b:1", "SUCCEEDED", artifacts=files),)


def test_parameter_label_follows_label_moves_and_the_newest_version_when_none_is_named():
    params = {"parameter": NAME, "label": "prod", "version": 2}
    moved = [
        _call(1, "PutParameter", origin="host:seed", Name=NAME),  # seeding: already in before
        _call(2, "LabelParameterVersion", Name=NAME, ParameterVersion=1, Labels=["prod"]),
        _call(3, "LabelParameterVersion", Name=NAME, ParameterVersion=2, Labels=["prod"]),
    ]
    assert _judge("parameter_label", params, api_calls=tuple(moved)).passed
    newest = [_call(2, "LabelParameterVersion", Name=NAME, Labels=["prod"])]
    verdict = _judge("parameter_label", params, api_calls=tuple(newest))
    assert not verdict.passed and verdict.detail == "prod is on version 3, not 2."
    verdict = _judge("parameter_label", params)
    assert verdict.detail == f"No version of {NAME} carries prod."


def test_parameter_versions_counts_rewritten_values():
    params = {"parameter": NAME, "max": 3}
    assert _judge(
        "parameter_versions", params, after=AccountSnapshot(parameters=(_param(),))
    ).passed
    verdict = _judge(
        "parameter_versions", params, after=AccountSnapshot(parameters=(_param(count=5),))
    )
    assert not verdict.passed and "now has 5 versions" in verdict.detail


def test_parameter_read_by_label_counts_reads_through_the_label_only():
    params = {"parameter": NAME, "label": "prod", "times": 2}
    calls = (
        _call(1, "LabelParameterVersion", Name=NAME, ParameterVersion=2, Labels=["prod"]),
        _call(2, "GetParameter", Name=f"{NAME}:prod"),
        _call(
            3, "GetParameters", Names=[f"arn:aws:ssm:eu-west-1:111122223333:parameter{NAME}:prod"]
        ),
    )
    assert _judge("parameter_read_by_label", params, api_calls=calls).passed
    pinned = (
        calls[0],
        _call(2, "GetParameter", Name=f"{NAME}:2"),
        _call(3, "GetParameter", Name=NAME),
    )
    verdict = _judge("parameter_read_by_label", params, api_calls=pinned)
    assert not verdict.passed
    assert verdict.detail == (
        f"0 reads of {NAME} went through the label prod (wanted 2). Reads used 2 and no qualifier."
    )


def test_artifact_value_by_label_needs_the_value_and_a_read_that_returned_it():
    params = {"path": "c.json", "key": "url", "parameter": NAME, "label": "prod", "version": 2}
    calls = (
        _call(1, "LabelParameterVersion", Name=NAME, ParameterVersion=2, Labels=["prod"]),
        _call(2, "GetParameter", Name=f"{NAME}:prod"),
    )
    good = _build(**{"c.json": {"url": "https://v2"}})
    assert _judge("artifact_value_by_label", params, builds=good, api_calls=calls).passed
    typed_in = _judge("artifact_value_by_label", params, builds=good, api_calls=calls[:1])
    assert not typed_in.passed and "did not come through the label" in typed_in.detail
    wrong = _build(**{"c.json": {"url": "https://v3"}})
    verdict = _judge("artifact_value_by_label", params, builds=wrong, api_calls=calls)
    assert verdict.detail == "c.json holds the value of version 3 in url, not version 2."
    assert _judge("artifact_value_by_label", params).not_run  # no build at all


def _instances(*pairs: tuple[str, str, str]) -> AccountSnapshot:
    return AccountSnapshot(
        stack_instances=tuple(
            StackInstance("base", a, r, "CURRENT" if s == "SUCCEEDED" else "OUTDATED", s,
                          None if s == "SUCCEEDED" else "Bucket exists")
            for a, r, s in pairs
        )
    )  # fmt: skip


def _refused(code: str) -> tuple[ApiCall, ...]:
    return (
        ApiCall(1, "cloudformation", "CreateStackInstances", "111122223333", "eu-west-1",
                {"StackSetName": "base"}, 400, code, "build:BUILD"),
    )  # fmt: skip


def test_stack_instances_succeeded_names_missing_and_failed_placements():
    params = {"stack_set": "base", "accounts": ["1", "2"], "regions": ["r1", "r2"]}
    everywhere = [(a, r, "SUCCEEDED") for a in "12" for r in ("r1", "r2")]
    assert _judge("stack_instances_succeeded", params, after=_instances(*everywhere)).passed
    one_failed = [*everywhere[:3], ("2", "r2", "FAILED")]
    verdict = _judge("stack_instances_succeeded", params, after=_instances(*one_failed))
    assert verdict.detail == "1 of 4 stack instances failed: Bucket exists (2/r2)."
    verdict = _judge(
        "stack_instances_succeeded",
        params,
        after=_instances(),
        api_calls=_refused("BucketAlreadyExists"),
    )
    assert verdict.detail == (
        "4 stack instances of 4 do not exist: 1/r1, 1/r2 and 2/r1 and more. "
        "The account refused 1 CreateStackInstances request with BucketAlreadyExists."
    )


def test_stack_instances_at_least_counts_successes_of_the_set():
    params = {"stack_set": "base", "count": 2}
    assert _judge(
        "stack_instances_at_least",
        params,
        after=_instances(("1", "r1", "SUCCEEDED"), ("2", "r1", "SUCCEEDED")),
    ).passed
    verdict = _judge(
        "stack_instances_at_least", params, after=_instances(("1", "r1", "SUCCEEDED")),
        api_calls=_refused("EntityAlreadyExists"),
    )  # fmt: skip
    assert verdict.detail == (
        "base has 1 successful stack instance (wanted at least 2). "
        "The account answered EntityAlreadyExists."
    )


def test_template_declares_ignores_conditional_resources():
    params = {"file": "t.yaml", "resource_types": ["AWS::S3::Bucket", "AWS::IAM::Role"]}
    both = {"Resources": {"B": {"Type": "AWS::S3::Bucket"}, "R": {"Type": "AWS::IAM::Role"}}}
    assert _judge("template_declares", params, documents={"t.yaml": both}).passed
    hidden = {"Resources": {"B": {"Type": "AWS::S3::Bucket"},
                            "R": {"Type": "AWS::IAM::Role", "Condition": "Never"}}}  # fmt: skip
    verdict = _judge("template_declares", params, documents={"t.yaml": hidden})
    assert verdict.detail == "t.yaml no longer creates AWS::IAM::Role."
    assert not _judge("template_declares", params, documents={"t.yaml": None}).passed
