"""CodePipeline runs: order, variables, approvals, cross-account, failures and retries."""

from __future__ import annotations

import json

import pytest

from simulator.codepipeline import PipelineInputError, resume_pipeline, retry_stage, run_pipeline
from tests.simulator.pipeline.conftest import action, opts, pipeline

S3_DEPLOY = ("Deploy", "S3")


def s3_deploy(name: str = "Publish", key: str = "site", **kw):
    return action(
        name,
        *S3_DEPLOY,
        {"BucketName": "website", "Extract": "false", "ObjectKey": key},
        inputs=("src",),
        **kw,
    )


def test_variables_are_resolved_in_configuration(world, src):
    key = "#{SourceVariables.BranchName}/#{codepipeline.PipelineExecutionId}.zip"
    execution = run_pipeline(pipeline(("Deploy", [s3_deploy(key=key)])), src, world, opts())
    assert execution.status == "Succeeded"
    expected = f"main/{execution.execution_id}.zip"
    assert expected in world.state["s3"]["website"]["objects"]
    commit = execution.to_dict()["variables"]["SourceVariables"]["CommitId"]
    assert len(commit) == 40


def test_unresolvable_variable_fails_the_action_clearly(world, src):
    execution = run_pipeline(
        pipeline(("Deploy", [s3_deploy(key="#{SourceVariables.Tag}")])), src, world, opts()
    )
    assert execution.status == "Failed"
    summary = execution.action("Deploy", "Publish")["summary"]
    assert "Unable to resolve variable" in summary and "no variable 'Tag'" in summary
    # A namespace no action declares is refused before the run (the checker's rule).
    with pytest.raises(PipelineInputError, match="BuildVariables"):
        run_pipeline(
            pipeline(("Deploy", [s3_deploy(key="#{BuildVariables.Tag}")])), src, world, opts()
        )


def test_pipeline_level_variables_and_overrides(world, src):
    body = pipeline(
        ("Deploy", [s3_deploy(key="#{variables.Stage}/site.zip")]),
        variables=[{"name": "Stage", "defaultValue": "beta"}],
        pipelineType="V2",
    )
    run = run_pipeline(body, src, world, opts())
    assert "beta/site.zip" in world.state["s3"]["website"]["objects"]
    run = run_pipeline(body, src, world, opts(variables={"Stage": "prod"}))
    assert run.status == "Succeeded"
    assert "prod/site.zip" in world.state["s3"]["website"]["objects"]
    with pytest.raises(PipelineInputError, match="not declared"):
        run_pipeline(body, src, world, opts(variables={"Nope": "x"}))


def test_failed_action_stops_stage_and_pipeline_but_parallel_peer_finishes(world, src):
    body = pipeline(
        (
            "Checks",
            [
                action("Flaky", "Invoke", "Lambda", {"FunctionName": "flaky"}, run_order=1),
                action(
                    "Smoke",
                    "Invoke",
                    "Lambda",
                    {"FunctionName": "smoke"},
                    run_order=1,
                    namespace="Smoke",
                ),
                action("Later", "Invoke", "Lambda", {"FunctionName": "smoke"}, run_order=2),
            ],
        ),
        ("Deploy", [s3_deploy()]),
    )
    execution = run_pipeline(body, src, world, opts())
    data = execution.to_dict()
    assert data["status"] == "Failed"
    checks = {a["name"]: a["status"] for a in data["stages"][1]["actions"]}
    assert checks == {"Flaky": "Failed", "Smoke": "Succeeded", "Later": None}
    assert data["stages"][1]["status"] == "Failed"
    assert data["stages"][2]["status"] is None
    assert data["variables"]["Smoke"] == {"Result": "ok"}
    assert world.state["s3"]["website"]["objects"] == {}


def test_retry_failed_stage_after_fixing_the_cause(world, src):
    body = pipeline(
        (
            "Checks",
            [
                action("Flaky", "Invoke", "Lambda", {"FunctionName": "flaky"}),
                action("Smoke", "Invoke", "Lambda", {"FunctionName": "smoke"}),
            ],
        ),
        ("Deploy", [s3_deploy()]),
    )
    failed = run_pipeline(body, src, world, opts())
    assert failed.status == "Failed"
    with pytest.raises(PipelineInputError, match="only after it failed"):
        retry_stage(failed.to_state(), world, "Deploy")
    world.state["lambda"]["flaky"]["hooks"]["PipelineInvoke"] = "Succeeded"
    smoke_runs = len(world.changes_of("lambda.invoke"))
    retried = retry_stage(json.loads(json.dumps(failed.to_state())), world, "Checks")
    assert retried.status == "Succeeded"
    assert retried.execution_id == failed.execution_id
    # FAILED_ACTIONS: only Flaky ran again.
    assert len(world.changes_of("lambda.invoke")) == smoke_runs + 1
    assert "site" in world.state["s3"]["website"]["objects"]


def _approval_pipeline():
    approval = action(
        "Approve",
        "Approval",
        "Manual",
        {
            "NotificationArn": "arn:aws:sns:us-east-1:111122223333:approvals",
            "CustomData": "check #{SourceVariables.BranchName}",
        },
    )
    return pipeline(("Approval", [approval]), ("Deploy", [s3_deploy()]))


def test_approval_pauses_and_resumes_from_saved_state(world, src):
    paused = run_pipeline(_approval_pipeline(), src, world, opts())
    data = paused.to_dict()
    assert data["status"] == "InProgress" and data["paused"] is True
    assert data["waiting"]["action"] == "Approve"
    assert data["waiting"]["custom_data"] == "check main"
    assert world.state["sns"]["approvals"]["messages"][0]["custom_data"] == "check main"
    assert data["stages"][2]["status"] is None
    saved = json.dumps(paused.to_state())  # JSON-serialisable
    saved_world = json.dumps(world.to_dict())
    from simulator.world import World

    restored = World.from_dict(json.loads(saved_world))
    done = resume_pipeline(json.loads(saved), restored, approve=True)
    assert done.status == "Succeeded"
    assert done.action("Approval", "Approve")["summary"].startswith("Approved")
    assert "site" in restored.state["s3"]["website"]["objects"]
    with pytest.raises(PipelineInputError, match="not waiting"):
        resume_pipeline(done.to_state(), restored, approve=True)


def test_approval_rejected_stops_pipeline(world, src):
    paused = run_pipeline(_approval_pipeline(), src, world, opts())
    rejected = resume_pipeline(paused.to_state(), world, approve=False)
    assert rejected.status == "Failed"
    assert rejected.action("Approval", "Approve")["status"] == "Failed"
    assert world.state["s3"]["website"]["objects"] == {}


def test_approval_decided_up_front(world, src):
    assert run_pipeline(_approval_pipeline(), src, world, opts(approve=True)).status == "Succeeded"
    assert run_pipeline(_approval_pipeline(), src, world, opts(approve=False)).status == "Failed"


def test_cross_account_action_needs_trust(world, src):
    trusted = s3_deploy(roleArn="arn:aws:iam::444455556666:role/deployer")
    assert run_pipeline(pipeline(("Deploy", [trusted])), src, world, opts()).status == "Succeeded"
    assert world.changes_of("sts.assume_role")
    for role in (
        "arn:aws:iam::444455556666:role/untrusting",
        "arn:aws:iam::444455556666:role/missing",
    ):
        refused = run_pipeline(pipeline(("Deploy", [s3_deploy(roleArn=role)])), src, world, opts())
        assert refused.status == "Failed"
        assert "AccessDenied" in refused.action("Deploy", "Publish")["summary"]


def test_cross_region_action_uses_its_region_store(world, src):
    body = pipeline(("Deploy", [s3_deploy(region="us-west-2")]))
    del body["pipeline"]["artifactStore"]
    body["pipeline"]["artifactStores"] = {
        "us-east-1": {"type": "S3", "location": "artifacts"},
        "us-west-2": {"type": "S3", "location": "artifacts-west"},
    }
    execution = run_pipeline(body, src, world, opts())
    assert execution.status == "Succeeded"
    assert world.state["s3"]["artifacts-west"]["objects"]


def test_cloudformation_stack_created_then_updated_with_outputs(world, src):
    cfn = action(
        "Stack",
        "Deploy",
        "CloudFormation",
        {
            "ActionMode": "CREATE_UPDATE",
            "StackName": "web",
            "RoleArn": "arn:aws:iam::111122223333:role/cfn",
            "TemplatePath": "src::template.yml",
            "ParameterOverrides": '{"Env": "prod"}',
        },
        inputs=("src",),
        namespace="StackOut",
    )
    first = run_pipeline(pipeline(("Deploy", [cfn])), src, world, opts())
    assert first.status == "Succeeded"
    stack = world.state["stacks"]["web"]
    assert stack["status"] == "CREATE_COMPLETE"
    assert stack["parameters"] == {"Env": "prod", "Size": "small"}
    assert first.to_dict()["variables"]["StackOut"] == {"EnvName": "prod", "Fixed": "hello"}
    second = run_pipeline(pipeline(("Deploy", [cfn])), src, world, opts())
    assert second.status == "Succeeded"
    assert world.state["stacks"]["web"]["status"] == "UPDATE_COMPLETE"
    cfn["configuration"]["ParameterOverrides"] = "{}"
    missing = run_pipeline(pipeline(("Deploy", [cfn])), src, world, opts())
    assert "Parameters: [Env] must have values" in missing.action("Deploy", "Stack")["summary"]


def test_bad_input_is_refused_with_a_clear_message(world, src, tmp_path):
    body = pipeline(("Deploy", [s3_deploy()]))
    with pytest.raises(PipelineInputError, match="no source directory for source action Src"):
        run_pipeline(body, {}, world, opts())
    with pytest.raises(PipelineInputError, match="no source action or artifact"):
        run_pipeline(body, {**src, "Other": tmp_path}, world, opts())
    with pytest.raises(PipelineInputError, match="not a directory"):
        run_pipeline(body, {"Src": tmp_path / "nope"}, world, opts())
    with pytest.raises(PipelineInputError, match="not valid"):
        run_pipeline('{"pipeline": {"name": "x", "stages": []}}', src, world, opts())


def test_log_lines_are_streamed(world, src):
    lines: list[str] = []
    run_pipeline(pipeline(("Deploy", [s3_deploy()])), src, world, opts(on_log=lines.append))
    assert lines[0].startswith("Pipeline lab-pipeline: execution")
    assert "Stage Deploy: Succeeded" in lines


def test_standard_ecs_deploy_reads_imagedefinitions(world, src):
    (src["Src"] / "imagedefinitions.json").write_text(
        '[{"name": "web", "imageUri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:7"}]'
    )
    ecs = action(
        "Ecs", "Deploy", "ECS", {"ClusterName": "prod", "ServiceName": "web"}, inputs=("src",)
    )
    execution = run_pipeline(pipeline(("Deploy", [ecs])), src, world, opts())
    assert execution.status == "Succeeded"
    change = world.changes_of("ecs.update_service")[0]
    assert change["images"] == {"web": "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:7"}
    (src["Src"] / "imagedefinitions.json").write_text("{not json")
    broken = run_pipeline(pipeline(("Deploy", [ecs])), src, world, opts())
    assert "must be a JSON array" in broken.action("Deploy", "Ecs")["summary"]


def test_unsupported_provider_fails_with_the_supported_list(world, src):
    beanstalk = action(
        "Eb",
        "Deploy",
        "ElasticBeanstalk",
        {"ApplicationName": "a", "EnvironmentName": "e"},
        inputs=("src",),
    )
    execution = run_pipeline(pipeline(("Deploy", [beanstalk])), src, world, opts())
    summary = execution.action("Deploy", "Eb")["summary"]
    assert "not simulated" in summary and "Deploy/CodeDeploy" in summary
