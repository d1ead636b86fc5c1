"""simulator.run_scenario: the typed, versioned result, pauses and resumes, template settings."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

import simulator
from labs.grader import scenario_of
from labs.spec import LabSpec, parse_lab
from simulator import ResultVersionError, RunStatus, ScenarioResult, TemplateSettingsError
from simulator.scenarios import CommandStatus, group_settings

pytestmark = pytest.mark.sandbox
LABS_DIR = Path(settings.CONTENT_ROOT) / "labs"


@cache
def spec_of(slug: str) -> LabSpec:
    return parse_lab(LABS_DIR / slug)


def run(slug: str, files=None, **kwargs):
    spec = spec_of(slug)
    return simulator.run_scenario(scenario_of(spec), files or spec.reference, **kwargs)


def test_build_result_has_commands_with_phase_exit_code_and_time():
    result = run("prebuild-failure", spec_of("prebuild-failure").files).result
    failing = [c for c in result.commands if not c.succeeded]
    assert [(c.phase, c.status) for c in failing] == [("PRE_BUILD", CommandStatus.FAILED)]
    assert failing[0].exit_code not in (0, None) and failing[0].duration_ms >= 0
    assert "get-parameter" in failing[0].command
    fixed = run("prebuild-failure").result
    assert ("ssm", "GetParameter") in {(c.service, c.operation) for c in fixed.api_calls}


def test_result_round_trips_through_json_with_its_schema_version():
    result = run("build-test-push").result
    data = json.loads(result.to_json())
    assert data["schema_version"] == simulator.SCHEMA_VERSION
    assert ScenarioResult.from_dict(data) == result
    assert result.build.artifact("imagedefinitions.json").text.startswith('[{"name":"orders-api"')
    assert [c.kind for c in result.changes if c.resource_type == "image"] == ["created"]
    with pytest.raises(ResultVersionError, match="schema version 0"):
        ScenarioResult.from_dict({**data, "schema_version": 0})


def test_stored_result_never_holds_a_secret_value():
    result = run("buildspec-secrets").result
    assert "Tr0ub4dor-orders-2026" in result.to_json()  # in memory, for the leak checks
    assert "Tr0ub4dor-orders-2026" not in result.redacted().to_json()


def test_ec2_deployment_records_scripts_per_event_and_instance_and_files():
    deployment = run("ec2-in-place-hooks").result.deployment
    assert deployment.status == "Succeeded" and deployment.config == "CodeDeployDefault.HalfAtATime"
    events = {(s.instance, s.event, s.script, s.exit_code) for s in deployment.scripts}
    assert ("i-web-2", "ValidateService", "scripts/validate_service.sh", 0) in events
    assert "/var/www/orders/index.html" in deployment.installed["i-web-3"]


def test_lambda_deployment_takes_hooks_and_alarms_from_the_sam_transform():
    deployment = run("lambda-canary-sam").result.deployment
    assert deployment.alarms == ("orders-api-errors",)
    assert {(i.function, i.event) for i in deployment.invocations} >= {
        ("CodeDeployHook_ordersPreTraffic", "BeforeAllowTraffic"),
        ("CodeDeployHook_ordersPostTraffic", "AfterAllowTraffic"),
    }


def test_pipeline_pauses_with_json_state_and_resumes_with_the_decision():
    paused = run("complete-pipeline")
    assert paused.awaiting_approval and paused.result.status == RunStatus.PAUSED
    state = json.loads(json.dumps(paused.paused_state))
    approved = run("complete-pipeline", approval="approved", resume=state).result
    assert approved.status == RunStatus.RAN and approved.pipeline.status == "Succeeded"
    assert approved.pipeline.decision == "approved"
    assert ("PRE_BUILD", "npm test", "Build/TestBuildPush") in {
        (c.phase, c.command, c.origin) for c in approved.commands
    }  # builds before the pause are kept in the resumed result
    assert [p.percent_new for p in approved.deployment.traffic][-1] == 100
    rejected = run("complete-pipeline", approval="rejected", resume=state).result
    assert rejected.pipeline.status == "Failed"
    assert not any(d.origin.startswith("Production/") for d in rejected.deployments)


def test_group_settings_from_sam_and_from_cloudformation():
    sam = group_settings(spec_of("lambda-canary-sam").reference["template.yaml"], "template.yaml")
    assert sam.config == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert sam.hooks == {
        "BeforeAllowTraffic": "CodeDeployHook_ordersPreTraffic",
        "AfterAllowTraffic": "CodeDeployHook_ordersPostTraffic",
    }
    cfn = group_settings(
        spec_of("ecs-blue-green-canary").reference["deployment-group.yaml"], "g.yaml"
    )
    assert cfn.alarms == ["checkout-target-5xx"]
    assert cfn.auto_rollback == ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources: {}\n", "no AWS::CodeDeploy::DeploymentGroup"),
        ("Description: x\n", "has no Resources section"),
        (
            "Resources:\n  A: {Type: AWS::CodeDeploy::DeploymentGroup}\n"
            "  B: {Type: AWS::CodeDeploy::DeploymentGroup}\n",
            "several deployment groups (A, B)",
        ),
        (
            "Resources:\n  G:\n    Type: AWS::CodeDeploy::DeploymentGroup\n    Properties:\n"
            "      AlarmConfiguration: {Alarms: [{Name: {Fn::GetAZs: ''}}]}\n",
            "each alarm needs a Name",
        ),
    ],
)
def test_template_settings_errors_say_what_to_fix(text, message):
    with pytest.raises(
        TemplateSettingsError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        group_settings(text, "t.yaml")
