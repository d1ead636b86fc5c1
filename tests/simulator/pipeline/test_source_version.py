"""A CodeBuild action sees the source action's commit id as CODEBUILD_RESOLVED_SOURCE_VERSION."""

from __future__ import annotations

import json

import pytest

from simulator.codepipeline import PipelineOptions, run_pipeline
from simulator.world import load_world

pytestmark = pytest.mark.sandbox

PIPELINE = {
    "pipeline": {
        "name": "p",
        "roleArn": "arn:aws:iam::123456789012:role/p",
        "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source", "namespace": "SourceVariables",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
                "configuration": {"RepositoryName": "r", "BranchName": "main"},
                "outputArtifacts": [{"name": "Src"}]}]},
            {"name": "Build", "actions": [{
                "name": "Build", "namespace": "BuildVariables",
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": "b"},
                "inputArtifacts": [{"name": "Src"}]}]},
        ],
    }
}  # fmt: skip
BUILDSPEC = """version: 0.2
env:
  exported-variables: [SEEN]
phases:
  build:
    commands:
      - SEEN=$CODEBUILD_RESOLVED_SOURCE_VERSION
"""


def test_build_sees_the_commit_of_its_source(tmp_path):
    (tmp_path / "buildspec.yml").write_text(BUILDSPEC)
    world = load_world('account: "123456789012"\nregion: us-east-1\ns3:\n  buckets: [artifacts]\n')
    execution = run_pipeline(json.dumps(PIPELINE), {"Source": tmp_path}, world, PipelineOptions())
    variables = execution.to_dict()["variables"]
    assert execution.to_dict()["status"] == "Succeeded"
    assert variables["BuildVariables"]["SEEN"] == variables["SourceVariables"]["CommitId"]
