"""`deploy()`: run one CodeDeploy deployment against the world, with automatic rollback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator._appspec_model import AppSpec, appspec_of, read_appspec
from simulator._check import check
from simulator._loading import load_document
from simulator.codedeploy._ec2 import deploy_server, rollback_server
from simulator.codedeploy._group import DeploymentGroup, GroupError, find_group
from simulator.codedeploy._options import DeployInputError, DeployOptions
from simulator.codedeploy._result import DeploymentResult, TrafficPoint
from simulator.codedeploy._runner import HookRunner, SandboxHookRunner
from simulator.codedeploy._traffic import deploy_ecs, deploy_lambda, rollback_traffic

if TYPE_CHECKING:
    from simulator.world import World

_PLATFORM_OF = {"Server": "ec2", "Lambda": "lambda", "ECS": "ecs"}


def _parse(appspec: str | bytes | dict[str, Any], platform: str) -> AppSpec:
    """The typed AppSpec; DeployInputError lists the checker's errors if it is unusable."""
    if isinstance(appspec, dict):
        return appspec_of(appspec, _PLATFORM_OF[platform])
    report = check(appspec, "appspec", filename="appspec.yml", platform=_PLATFORM_OF[platform])
    errors = [f for f in report.findings if str(f.severity) == "error"]
    if errors:
        listed = "; ".join(f"line {f.line}: {f.message}" for f in errors[:5])
        raise DeployInputError(f"the AppSpec file is not valid: {listed}")
    loaded = load_document(appspec, filename="appspec.yml")
    if not isinstance(loaded.data, dict):
        raise DeployInputError("the AppSpec file is empty or not a mapping")
    return read_appspec(loaded, _PLATFORM_OF[platform])


def deploy(
    appspec: str | bytes | dict[str, Any],
    revision_dir: str | Path | None,
    world: World,
    deployment_group: str | DeploymentGroup,
    options: DeployOptions | None = None,
) -> DeploymentResult:
    """Deploy a revision to a deployment group of the world, on a virtual clock.

    Raises DeployInputError (or GroupError) when the deployment cannot even be created:
    unknown group, invalid AppSpec, missing revision directory.
    """
    options = options or DeployOptions()
    group = (
        deployment_group
        if isinstance(deployment_group, DeploymentGroup)
        else find_group(world, deployment_group, options.application)
    )
    data = _parse(appspec, group.platform)
    runner: HookRunner = options.runner or SandboxHookRunner(
        max_script_seconds=options.max_script_seconds
    )
    if group.platform == "Server":
        if revision_dir is None or not Path(revision_dir).is_dir():
            raise DeployInputError(
                f"revision directory {revision_dir} does not exist; pass the "
                "folder that holds appspec.yml and the scripts"
            )
        result = deploy_server(data, Path(revision_dir), world, group, options, runner)
    elif group.platform == "Lambda":
        result = deploy_lambda(data, world, group, options)
    else:
        result = deploy_ecs(data, world, group, options)
    _register(world, result, None)
    _maybe_roll_back(result, data, world, group, options, runner)
    if result.rollback is not None:
        _register(world, result.rollback, result.deployment_id)
    return result


def _register(world: World, result: DeploymentResult, rollback_of: str | None) -> None:
    """Keep the deployment in the world's history (graders and later ids read it)."""
    world.record_deployment(
        result.deployment_id, result.application, result.group, result.status, rollback_of
    )


def _maybe_roll_back(
    result: DeploymentResult,
    data: AppSpec,
    world: Any,
    group: DeploymentGroup,
    options: DeployOptions,
    runner: HookRunner,
) -> None:
    if result.status not in ("Failed", "Stopped") or options.auto_rollback is False:
        return
    wanted = "DEPLOYMENT_FAILURE" if result.status == "Failed" else "DEPLOYMENT_STOP_ON_ALARM"
    if options.auto_rollback is None and wanted not in group.auto_rollback:
        return
    if group.platform == "Server":
        rollback = rollback_server(result, world, group, options, runner)
    else:
        rollback = rollback_traffic(result, data, world, group, options)
    if rollback is None:
        return
    result.rollback = rollback
    result.rolled_back = True
    result.message = (result.message + "; " if result.message else "") + (
        f"rolled back by deployment {rollback.deployment_id} ({rollback.status})"
    )
    end = rollback.duration_s
    if not result.traffic or result.traffic[-1].percent_new != 0.0:
        result.traffic.append(TrafficPoint(end / 60, 0.0))


__all__ = ["GroupError", "deploy"]
