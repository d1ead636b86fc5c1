"""The scenario runner: build, deploy and pipeline paths, approvals that pause and resume."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings

from labs.runs import _with_hooks, run_scenario
from labs.scenario_template import TemplateSettingsError, group_settings
from labs.spec import LabSpec, parse_lab

pytestmark = pytest.mark.sandbox

LABS_DIR = Path(settings.CONTENT_ROOT) / "labs"


@cache
def lab(slug: str) -> LabSpec:
    return parse_lab(LABS_DIR / slug)


def with_scenario(spec: LabSpec, **changes) -> LabSpec:
    return dataclasses.replace(spec, scenario={**spec.scenario, **changes})


# --- build ----------------------------------------------------------------------------------------


def test_build_outcome_has_phases_commands_artifacts_and_pushes():
    spec = lab("build-test-push")
    streamed: list[str] = []
    run = run_scenario(spec, spec.reference, on_log=streamed.append)
    build = run.outcome["build"]
    assert build["status"] == "SUCCEEDED"
    assert {"phase": "PRE_BUILD", "command": "npm test"} in build["commands"]
    defs = json.loads(build["artifact_files"]["imagedefinitions.json"])
    assert defs[0]["name"] == "orders-api"
    assert run.outcome["world"]["images_pushed"][0]["tag"] == "0123456"
    assert len(streamed) > 20 and all(line.strip() in run.log for line in streamed)


# --- deploy ---------------------------------------------------------------------------------------


def test_ec2_deployment_lists_the_scripts_each_event_ran_and_is_repeatable():
    spec = lab("ec2-in-place-hooks")
    first = run_scenario(spec, spec.reference).outcome["deployment"]
    second = run_scenario(spec, spec.reference).outcome["deployment"]
    assert first["status"] == "Succeeded"
    assert first["config"] == "CodeDeployDefault.HalfAtATime"  # from deployment-group.yaml
    assert {"target": "i-web-2", "event": "ValidateService",
            "script": "scripts/validate_service.sh"} in first["scripts"]  # fmt: skip
    assert first["deployment_id"] == second["deployment_id"]  # seeded per lab


def test_lambda_deployment_takes_hooks_and_alarms_from_the_sam_template():
    spec = lab("lambda-canary-sam")
    run = run_scenario(spec, spec.reference)
    deployment = run.outcome["deployment"]
    assert deployment["config"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert deployment["rolled_back"] is True
    assert "AfterAllowTraffic hook CodeDeployHook_ordersPostTraffic" in run.log
    assert "alarms [orders-api-errors]" in run.log
    assert run.pictures["traffic"].startswith("<svg")


def test_unknown_group_is_reported_not_raised():
    spec = with_scenario(lab("ecs-blue-green-canary"), group="checkout-nope")
    run = run_scenario(spec, spec.reference)
    assert run.outcome["deployment"]["status"] == "NotCreated"
    assert "checkout-app/checkout-prod" in run.log  # names the groups that exist


def test_template_naming_an_alarm_the_account_lacks_is_reported():
    spec = lab("ecs-blue-green-canary")
    template = spec.reference["deployment-group.yaml"].replace(
        "AlarmName: checkout-target-5xx", "AlarmName: checkout-5xx-typo"
    )
    run = run_scenario(spec, {**spec.reference, "deployment-group.yaml": template})
    assert run.outcome["deployment"]["status"] == "NotCreated"
    assert "alarm 'checkout-5xx-typo' does not exist" in run.log


def test_template_with_two_deployment_groups_is_refused():
    spec = lab("ec2-in-place-hooks")
    text = spec.reference["deployment-group.yaml"]
    body = text.split("  OrdersWebProd:\n", 1)[1]
    doubled = text + "\n  OrdersWebCopy:\n" + body
    run = run_scenario(spec, {**spec.reference, "deployment-group.yaml": doubled})
    assert run.outcome["deployment"]["status"] == "NotCreated"
    assert "several deployment groups (OrdersWebProd, OrdersWebCopy)" in run.log


# --- template settings ----------------------------------------------------------------------------

GROUP = """
Resources:
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties: {AlarmName: web-5xx}
  Group:
    Type: AWS::CodeDeploy::DeploymentGroup
    Properties:
      DeploymentConfigName: CodeDeployDefault.OneAtATime
      AlarmConfiguration: {Enabled: true, Alarms: [{Name: !Ref Alarm}, {Name: other}]}
      AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_STOP_ON_ALARM]}
"""


def test_group_settings_from_a_deployment_group_resource():
    settings_ = group_settings(GROUP, "t.yaml")
    assert settings_.config == "CodeDeployDefault.OneAtATime"
    assert settings_.alarms == ["web-5xx", "other"]
    assert settings_.auto_rollback == ["DEPLOYMENT_STOP_ON_ALARM"]


def test_disabled_rollback_and_alarms_clear_the_worlds_values():
    text = GROUP.replace("{Enabled: true, Alarms", "{Enabled: false, Alarms").replace(
        "{Enabled: true, Events", "{Enabled: false, Events"
    )
    settings_ = group_settings(text, "t.yaml")
    assert settings_.alarms == [] and settings_.auto_rollback == []


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      DeploymentPreference:
        Type: Linear10PercentEvery1Minute
        Hooks: {PreTraffic: !Ref Pre, PostTraffic: post-fn}
  Pre:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: pre-fn}
"""


def test_sam_deployment_preference_maps_type_and_hooks():
    settings_ = group_settings(SAM, "template.yaml")
    assert settings_.config == "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    assert settings_.hooks == {"BeforeAllowTraffic": "pre-fn", "AfterAllowTraffic": "post-fn"}
    assert settings_.alarms is None  # not given: the world's alarms stay


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources: {}", "no AWS::CodeDeploy::DeploymentGroup"),
        ("Description: none", "has no Resources section"),
        (SAM.replace("PreTraffic:", "BeforeTraffic:"), "'BeforeTraffic' is not a SAM hook"),
        (SAM.replace("!Ref Pre,", "!Ref Missing,"), "!Ref a function of this template"),
    ],
)
def test_template_settings_errors_say_what_to_fix(text, message):
    with pytest.raises(TemplateSettingsError, match=message):
        group_settings(text, "template.yaml")


def test_template_hooks_are_merged_into_the_appspec():
    appspec = "version: 0.0\nResources: []\nHooks:\n  - BeforeAllowTraffic: old\n"
    merged = _with_hooks(appspec, {"AfterAllowTraffic": "post"})
    assert merged["Hooks"] == [{"BeforeAllowTraffic": "old"}, {"AfterAllowTraffic": "post"}]
    assert _with_hooks(appspec, {}) == appspec


# --- pipeline -------------------------------------------------------------------------------------


@cache
def paused_run():
    spec = lab("complete-pipeline")
    return run_scenario(spec, spec.reference)


def test_learner_approval_pauses_with_a_json_state():
    run = paused_run()
    assert run.awaiting_approval is True
    assert run.outcome["pipeline"]["status"] == "InProgress"
    assert run.outcome["pipeline"]["waiting"]["action"] == "ApproveProduction"
    # The image tag is the short id of the commit the source action produced.
    tag = run.outcome["world"]["images_pushed"][0]["tag"]
    commit = run.outcome["pipeline"]["variables"]["SourceVariables"]["CommitId"]
    assert tag == commit[:7]
    assert f"Staging runs image {tag}." in run.outcome["pipeline"]["waiting"]["custom_data"]
    assert json.loads(json.dumps(run.paused_state)) == run.paused_state
    assert run.pictures["pipeline"].lstrip().startswith(("<?xml", "<svg"))


def test_resume_approved_runs_the_production_canary():
    spec = lab("complete-pipeline")
    state = json.loads(json.dumps(paused_run().paused_state))
    streamed: list[str] = []
    run = run_scenario(spec, spec.reference, approval="approved", resume=state,
                       on_log=streamed.append)  # fmt: skip
    assert run.awaiting_approval is False
    assert run.outcome["pipeline"]["status"] == "Succeeded"
    traffic = [p["percent_new"] for p in run.outcome["deployment"]["traffic"]]
    assert traffic[-2:] == [10, 100]
    # The log keeps what ran before the pause; only new lines are streamed.
    assert "Stage Build: Succeeded" in run.log
    assert not any("Build/TestBuildPush: started" in line for line in streamed)
    assert "Production/BlueGreenCanary: started" in streamed
    assert run.outcome["world"]["images_pushed"]  # the saved world came back


def test_resume_rejected_fails_the_execution_before_production():
    spec = lab("complete-pipeline")
    run = run_scenario(spec, spec.reference, approval="rejected", resume=paused_run().paused_state)
    stages = {s["name"]: s["status"] for s in run.outcome["pipeline"]["stages"]}
    assert run.outcome["pipeline"]["status"] == "Failed"
    assert stages["Approval"] == "Failed" and stages["Production"] is None
    assert run.outcome["pipeline"]["approvals"][0]["summary"] == "Rejected by learner"


def test_approval_given_up_front_runs_straight_through():
    spec = lab("complete-pipeline")
    run = run_scenario(spec, spec.reference, approval="approved")
    assert run.awaiting_approval is False
    assert run.outcome["pipeline"]["status"] == "Succeeded"
    assert run.outcome["build"]["status"] == "SUCCEEDED"
    assert {"phase": "PRE_BUILD", "command": "npm test"} in run.outcome["build"]["commands"]


def test_fixed_approval_never_pauses():
    spec = lab("cross-account-pipeline")
    assert spec.scenario["approve"] == "yes"
    run = run_scenario(spec, spec.reference)
    assert run.awaiting_approval is False
    assert run.outcome["pipeline"]["approvals"][0]["status"] == "Succeeded"


def test_resume_without_a_decision_is_reported():
    spec = lab("complete-pipeline")
    run = run_scenario(spec, spec.reference, resume=paused_run().paused_state)
    assert run.outcome["pipeline"]["status"] == "NotStarted"
    assert "resuming needs approval" in run.log


def test_an_invalid_pipeline_does_not_start():
    spec = lab("cross-account-pipeline")
    run = run_scenario(spec, {"pipeline.json": '{"pipeline": {"name": "x", "stages": []}}'})
    assert run.outcome["pipeline"]["status"] == "NotStarted"
    assert "not valid" in run.log


# --- through the lab services (what the page and the worker do) ----------------------------------


@pytest.fixture
def complete_pipeline_lab(db):
    from core.content import LoadReport
    from labs.loading import lab_upsert

    return lab_upsert(lab("complete-pipeline"), LoadReport())


def test_learner_fixes_the_buildspec_approves_and_reaches_full_marks(
    complete_pipeline_lab, learner, monkeypatch
):
    from labs import services
    from labs.models import Submission

    monkeypatch.setattr(services, "grading_enqueue", lambda _pk: None)
    spec = lab("complete-pipeline")
    fixed = spec.files["buildspec.yml"].replace("  prebuild:\n", "  pre_build:\n")
    sub = services.submission_create(learner, complete_pipeline_lab, {"buildspec.yml": fixed})
    paused = services.submission_grade(sub.pk)
    assert paused.status == Submission.Status.AWAITING_APPROVAL
    assert "waiting for approval" in paused.log
    services.submission_decide_approval(paused, approve=True)
    graded = services.submission_grade(sub.pk)
    assert graded.status == Submission.Status.GRADED
    assert graded.percent == 100.0
    assert "Production/BlueGreenCanary: Succeeded" in graded.log
    assert graded.log.count("Build/TestBuildPush: started") == 1  # resumed, not re-run


def test_any_shape_of_deployment_settings_gives_settings_or_a_clear_error():
    from hypothesis import given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                     st.fixed_dictionaries({"Ref": st.sampled_from(["Alarm", "Fn", "Nope"])}))  # fmt: skip
    value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)  # fmt: skip
    keys = st.sampled_from(["Type", "Alarms", "Hooks", "DeploymentConfigName",
                            "AlarmConfiguration", "AutoRollbackConfiguration"])  # fmt: skip

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(st.dictionaries(keys, value, max_size=4), st.booleans())
    def check(props, sam):
        resources = {
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "a"}},
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"FunctionName": "f"}},
        }
        if sam:
            body = {
                "Type": "AWS::Serverless::Function",
                "Properties": {"DeploymentPreference": props},
            }
        else:
            body = {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": props}
        resources["Target"] = body
        try:
            found = group_settings(json.dumps({"Resources": resources}), "t.json")
        except TemplateSettingsError as exc:
            assert str(exc)
            return
        assert found.config is None or isinstance(found.config, str)
        assert all(isinstance(a, str) for a in found.alarms or [])
        assert all(isinstance(v, str) for v in found.hooks.values())

    check()
