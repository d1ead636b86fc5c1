"""The typed DeploymentRun carries the engine's error code and, in a pipeline, its group's settings."""

from __future__ import annotations

from types import SimpleNamespace

from simulator.codedeploy import DeploymentResult
from simulator.codepipeline.examples import SIX_STAGE
from simulator.scenarios._run import _deployment_run, _pipeline_builds_and_deployments
from simulator.world import load_world


def _failed(error_code: str, group: str = "prod", application: str = "app") -> DeploymentResult:
    return DeploymentResult(
        deployment_id="d-ABC",
        status="Failed",
        config="CodeDeployDefault.ECSCanary10Percent5Minutes",
        platform="ECS",
        application=application,
        group=group,
        message="The deployment failed because too many instances failed",
        error_code=error_code,
    )


def test_error_code_reaches_the_typed_run() -> None:
    for code in ("HEALTH_CONSTRAINTS_INVALID", "HEALTH_CONSTRAINTS"):
        run = _deployment_run(_failed(code).to_detail(), (), ())
        assert (run.status, run.error_code) == ("Failed", code)
        assert run.message.startswith("The deployment failed")


def test_a_pipeline_deployment_has_its_groups_alarms_and_rollback_settings() -> None:
    world = load_world(SIX_STAGE / "world.yml")
    execution = SimpleNamespace(
        state={
            "stages": [
                {
                    "name": "Deploy_Production",
                    "actions": [
                        {
                            "name": "Deploy",
                            "detail": {"deployment": _failed("HEALTH_CONSTRAINTS").to_detail()},
                        }
                    ],
                }
            ]
        }
    )
    builds, (run,) = _pipeline_builds_and_deployments(execution, [], world, len(world.changes))
    assert builds == ()
    assert run.origin == "Deploy_Production/Deploy" and run.group == "prod"
    assert run.alarms == ("ProdErrors",)
    assert run.auto_rollback == ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM")
    assert run.error_code == "HEALTH_CONSTRAINTS" and run.platform == "ECS"
