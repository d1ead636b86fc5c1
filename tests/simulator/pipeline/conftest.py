"""Helpers for pipeline tests: small pipelines built as data, and a world to run them in."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from simulator.codepipeline import PipelineOptions
from simulator.world import load_world

WORLD = """
account: "111122223333"
region: us-east-1
accounts:
  "444455556666": {name: prod}
roles:
  - {name: deployer, account: "444455556666", trust: ["111122223333"]}
  - {name: untrusting, account: "444455556666", trust: []}
s3:
  buckets:
    artifacts: {}
    artifacts-west: {region: us-west-2}
    website: {}
sns:
  topics: [approvals]
lambda:
  functions:
    smoke: {versions: [1], hooks: {PipelineInvoke: {outcome: Succeeded, variables: {Result: ok}}}}
    flaky: {versions: [1], hooks: {PipelineInvoke: Failed}}
"""


def source_action(name: str = "Src", namespace: str | None = "SourceVariables") -> dict[str, Any]:
    action: dict[str, Any] = {
        "name": name,
        "actionTypeId": {
            "category": "Source",
            "owner": "AWS",
            "provider": "CodeCommit",
            "version": "1",
        },
        "configuration": {"RepositoryName": "repo", "BranchName": "main"},
        "outputArtifacts": [{"name": "src"}],
    }
    if namespace:
        action["namespace"] = namespace
    return action


def action(
    name: str,
    category: str,
    provider: str,
    config: dict[str, str],
    *,
    inputs: tuple[str, ...] = (),
    run_order: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": "AWS",
            "provider": provider,
            "version": "1",
        },
        "configuration": config,
        "runOrder": run_order,
        **extra,
    }
    if inputs:
        body["inputArtifacts"] = [{"name": n} for n in inputs]
    return body


def pipeline(*stages: tuple[str, list[dict[str, Any]]], **extra: Any) -> dict[str, Any]:
    body = {
        "name": "lab-pipeline",
        "roleArn": "arn:aws:iam::111122223333:role/pipeline",
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [{"name": "Source", "actions": [source_action()]}]
        + [{"name": n, "actions": a} for n, a in stages],
        **extra,
    }
    return {"pipeline": body}


@pytest.fixture
def world() -> Any:
    return load_world(WORLD)


@pytest.fixture
def src(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>hello</h1>\n")
    (folder / "template.yml").write_text(
        "Parameters:\n  Env: {Type: String}\n  Size: {Type: String, Default: small}\n"
        "Resources:\n  Bucket: {Type: 'AWS::S3::Bucket'}\n"
        "Outputs:\n  EnvName: {Value: !Ref Env}\n  Fixed: {Value: hello}\n"
    )
    return {"Src": folder}


def opts(**kw: Any) -> PipelineOptions:
    return PipelineOptions(rng=random.Random(5), **kw)
