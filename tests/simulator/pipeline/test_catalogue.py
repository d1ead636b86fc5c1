"""The action catalogue drives the checker: providers, keys, modes, artifacts, variables.

Source pages: CodePipeline user guide, "Action structure reference" and "Valid input and output
artifacts for each action type"; "Variables reference" for what each action emits.
"""

from __future__ import annotations

import json
from typing import Any

from simulator import check
from simulator._pipeline_model import catalogue
from tests.simulator.rule_cases import SRC, action, cb, pipe, two


def _findings(doc: dict[str, Any], code: str) -> list[Any]:
    report = check(json.dumps(doc), "pipeline", filename="p.json")
    return [f for f in report.findings if f.code == code]


def test_catalogue_lists_every_aws_category_with_counts_and_versions() -> None:
    types = catalogue().types
    assert {t.category for t in types.values()} == {
        "Source", "Build", "Test", "Deploy", "Invoke", "Approval", "Compute",
    }  # fmt: skip
    for kind in types.values():
        assert kind.version == "1"
        assert 0 <= kind.inputs[0] <= kind.inputs[1] <= 10
        assert 0 <= kind.outputs[0] <= kind.outputs[1] <= 10
    assert types[("AWS", "Source", "CodeCommit")].outputs == (1, 1)
    assert "V1" not in types[("AWS", "Compute", "Commands")].pipeline_types


def test_third_party_bitbucket_is_refused_with_the_connection_hint() -> None:
    doc = pipe(
        [
            {
                "name": "Source",
                "actions": [
                    action("Src", "Source", "Bitbucket", owner="ThirdParty", outputs=["src"])
                ],
            },
            {"name": "Build", "actions": [cb()]},
        ]
    )
    (finding,) = _findings(doc, "PL010")
    assert "'Bitbucket'" in finding.message
    assert "CodeStarSourceConnection" in finding.hint


def test_branch_is_an_unknown_key_not_a_missing_branchname() -> None:
    source = {**SRC, "configuration": {"RepositoryName": "r", "Branch": "main"}}
    doc = pipe([{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [cb()]}])
    (finding,) = _findings(doc, "PL038")
    assert "unknown configuration 'Branch'" in finding.message
    assert "did you mean 'BranchName'?" in finding.hint
    assert _findings(doc, "PL011") == []


def test_change_set_replace_needs_role_arn() -> None:
    deploy = action(
        "Deploy",
        "Deploy",
        "CloudFormation",
        inputs=["src"],
        config={
            "ActionMode": "CHANGE_SET_REPLACE",
            "StackName": "s",
            "ChangeSetName": "c",
            "TemplatePath": "src::t.yaml",
        },
    )
    (finding,) = _findings(two([deploy]), "PL029")
    assert "CHANGE_SET_REPLACE needs RoleArn" in finding.message


def test_non_string_configuration_in_a_template_is_an_error_at_its_line() -> None:
    template = (
        "Resources:\n  P:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n"
        "      RoleArn: arn:aws:iam::123456789012:role/p\n"
        "      ArtifactStore: {Type: S3, Location: b}\n"
        "      Stages:\n        - Name: Source\n          Actions:\n            - Name: S\n"
        "              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: 1}\n"
        "              Configuration: {S3Bucket: b, S3ObjectKey: k}\n"
        "              OutputArtifacts: [{Name: src}]\n"
        "        - Name: Deploy\n          Actions:\n            - Name: D\n"
        "              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: CloudFormation,"
        " Version: 1}\n"
        "              Configuration:\n                ActionMode: CREATE_UPDATE\n"
        "                StackName: s\n                TemplatePath: src::t.yaml\n"
        "                RoleArn: arn:aws:iam::123456789012:role/cfn\n"
        "                ParameterOverrides:\n                  Env: prod\n"
        "              InputArtifacts: [{Name: src}]\n"
    )
    report = check(template, filename="pipeline.yaml")
    finding = next(f for f in report.errors if f.code == "PL039")
    assert finding.line == 23
    assert "ParameterOverrides" in finding.message


def test_commands_action_is_v2_only_and_needs_commands() -> None:
    run = action("Run", "Compute", "Commands", inputs=["src"])
    assert _findings(two([run], pipelineType="V2"), "PL040")
    v1 = two([{**run, "commands": ["npm test"]}], pipelineType="V1")
    assert any("only in V2" in f.message for f in _findings(v1, "PL023"))
    assert _findings(two([{**cb(), "commands": ["ls"]}]), "PL040")


def test_artifact_counts_come_from_the_catalogue() -> None:
    deploy = action("D", "Deploy", "CodeDeploy", inputs=[], config={
        "ApplicationName": "a", "DeploymentGroupName": "g",
    })  # fmt: skip
    (finding,) = _findings(two([deploy]), "PL014")
    assert "it takes 1" in finding.message


def test_variable_names_are_checked_against_what_the_action_emits() -> None:
    source = {**SRC, "namespace": "SourceVariables"}
    build = cb(config={"ProjectName": "p", "EnvironmentVariables": "#{SourceVariables.CommitID}"})
    doc = pipe([{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [build]}])
    (finding,) = _findings(doc, "PL037")
    assert "did you mean 'CommitId'?" in finding.hint
    declared = action(
        "Run", "Compute", "Commands", inputs=["src"], commands=["export TAG=1"],
        outputVariables=["TAG"], namespace="Run",
    )  # fmt: skip
    user = cb("Use", config={"ProjectName": "#{Run.TAG}"})
    later = pipe(
        [
            {"name": "Source", "actions": [SRC]},
            {"name": "Run", "actions": [declared]},
            {"name": "Use", "actions": [user]},
        ],
        pipelineType="V2",
    )
    assert _findings(later, "PL037") == []
    assert check(json.dumps(later), "pipeline").ok


def test_rollback_on_the_source_stage_is_refused() -> None:
    doc = pipe(pipelineType="V2")
    doc["pipeline"]["stages"][0]["onFailure"] = {"result": "ROLLBACK"}
    (finding,) = _findings(doc, "PL042")
    assert "cannot roll back" in finding.message
