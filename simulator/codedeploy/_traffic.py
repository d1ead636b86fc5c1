"""Lambda and ECS blue/green deployments: hook functions, traffic shifted on a virtual clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator._appspec_model import (
    ECS_EVENTS,
    LAMBDA_EVENTS,
    RESOURCE_TYPES,
    AppSpec,
    EcsTarget,
    LambdaTarget,
)
from simulator.codedeploy._alarms import AlarmWatch
from simulator.codedeploy._configs import TrafficConfig
from simulator.codedeploy._group import DeploymentGroup
from simulator.codedeploy._options import DeployInputError, DeployOptions
from simulator.codedeploy._result import DeploymentResult, LifecycleEvent, TrafficPoint

if TYPE_CHECKING:
    from simulator.world import World

HOOK_SECONDS = 10.0  # virtual time a hook function takes unless the world says otherwise
CALLBACK_LIMIT = 3600.0  # no PutLifecycleEventHookExecutionStatus within 1 hour = failed
ECS_RESERVED_SECONDS = {"Install": 60.0, "AllowTestTraffic": 5.0}


def _has_resource(appspec: AppSpec, platform: str) -> None:
    if appspec.resource(platform) is None:
        raise DeployInputError(
            f"the AppSpec has no resource of type {RESOURCE_TYPES[platform]}; add one under"
            " Resources"
        )


def _lambda_target(appspec: AppSpec) -> LambdaTarget:
    _has_resource(appspec, "lambda")
    target = appspec.lambda_target()
    if target is None:
        raise DeployInputError(
            "the Lambda resource needs name, alias, currentversion and "
            "targetversion (published version numbers) under properties"
        )
    return target


def _ecs_target(appspec: AppSpec) -> EcsTarget:
    _has_resource(appspec, "ecs")
    target = appspec.ecs_target()
    if target is None:
        raise DeployInputError(
            "the ECS resource needs TaskDefinition and LoadBalancerInfo "
            "(ContainerName, ContainerPort)"
        )
    return target


@dataclass
class _Run:
    deployment_id: str
    group: DeploymentGroup
    world: World
    watch: AlarmWatch
    target: str
    events: list[LifecycleEvent] = field(default_factory=list)
    traffic: list[TrafficPoint] = field(default_factory=list)
    steps: list[tuple[float, str]] = field(default_factory=list)
    stopped_by: tuple[float, str] | None = None

    def record(self, action: str, **details: Any) -> None:
        self.world.record(action, deployment_id=self.deployment_id, **details)

    def hook(self, event: LifecycleEvent, function: str | None, t: float) -> bool:
        """Invoke a hook function; the world scripts what it reports back."""
        event.start = t
        if not function:
            event.status, event.end = "Succeeded", t
            return True
        body = self.world.functions.get(function)
        if body is None:
            event.status, event.end, event.error_code = "Failed", t + 1, "UnknownError"
            event.message = (
                f"hook function {function} does not exist (declare it under lambda.functions)"
            )
            return False
        spec = body.hooks
        script = spec.get(event.event, spec)
        if not isinstance(script, dict):
            script = {"outcome": script}
        outcome = str(script.get("outcome", "Succeeded"))
        seconds = float(script.get("seconds", HOOK_SECONDS))
        self.record("lambda.invoke", function=function, hook=event.event, outcome=outcome)
        event.output.append(f"invoked {function}: reported {outcome}")
        if isinstance(script.get("error_rate"), int | float):
            self.watch.error_rate((t + seconds) / 60, float(script["error_rate"]))
        if outcome == "NoCallback":
            event.status, event.end, event.error_code = "Failed", t + CALLBACK_LIMIT, "UnknownError"
            event.message = (
                f"{function} did not call PutLifecycleEventHookExecutionStatus within 1 hour"
            )
            return False
        event.end = t + seconds
        if outcome != "Succeeded":
            event.status, event.error_code = "Failed", "ScriptFailed"
            event.message = f"{function} reported Failed for {event.event}"
            return False
        event.status = "Succeeded"
        return True

    def shift(self, event: LifecycleEvent, config: TrafficConfig, t: float, apply: Any) -> bool:
        """Move traffic step by step; False if an alarm stopped it (event ends then)."""
        event.start = t
        previous_minute = t / 60
        for minute, percent in config.steps():
            at = t + minute * 60
            fired = self.watch.fired_by(at / 60)
            if fired is not None:
                self.stopped_by = fired
                event.end = max(fired[0] * 60, previous_minute * 60)
                event.status = "Failed"
                event.message = f"alarm {fired[1]} went into ALARM: deployment stopped"
                return False
            apply(percent)
            self.traffic.append(TrafficPoint(at / 60, percent))
            if percent > 0:
                self.watch.traffic_started(at / 60)
            previous_minute = at / 60
        event.end = t + config.steps()[-1][0] * 60
        event.status = "Succeeded"
        return True

    def skip_rest(self, order: tuple[str, ...]) -> None:
        """Every event that did not run (after a failure or a stop) is Skipped."""
        names = [e.event for e in self.events]
        for name in order:
            if name not in names:
                self.events.append(LifecycleEvent(self.target, name, "Skipped"))


def _outcome(run: _Run, ok: bool, t: float) -> tuple[str, str]:
    if run.stopped_by is None:
        fired = run.watch.fired_by(t / 60)
        if fired is not None:
            run.stopped_by = fired
            return "Stopped", f"alarm {fired[1]} went into ALARM at minute {fired[0]:g}"
    if run.stopped_by is not None:
        return (
            "Stopped",
            f"alarm {run.stopped_by[1]} went into ALARM at minute {run.stopped_by[0]:g}",
        )
    if not ok:
        failed = next(e for e in run.events if e.status == "Failed")
        return "Failed", f"{failed.event} failed: {failed.message}"
    return "Succeeded", ""


def deploy_lambda(
    appspec: AppSpec, world: World, group: DeploymentGroup, options: DeployOptions
) -> DeploymentResult:
    """Shift a Lambda alias from currentversion to targetversion (fact sheet 3.3, 4.3, 5.3)."""
    spec = _lambda_target(appspec)
    name, alias = spec.name, spec.alias
    current, target = spec.current_version, spec.target_version
    fn = world.functions.get(name)
    if fn is None:
        raise DeployInputError(
            f"Lambda function {name} is not in the world; add it under "
            "lambda.functions with its versions and alias"
        )
    versions = set(fn.versions)
    for label, number in (("currentversion", current), ("targetversion", target)):
        if number not in versions:
            raise DeployInputError(
                f"{label} {number} is not a published version of {name} "
                f"(versions: {sorted(versions)})"
            )
    deployment_id = options.new_id(world)
    run = _Run(deployment_id, group, world, AlarmWatch(world, group.alarms), f"{name}:{alias}")
    run.record("codedeploy.create_deployment", application=group.application, group=group.name)

    def apply(percent: float) -> None:
        if percent >= 100:
            world.lambda_update_alias(name, alias, target)
        else:
            world.lambda_update_alias(name, alias, current, {str(target): round(percent / 100, 4)})

    run.traffic.append(TrafficPoint(0.0, 0.0))
    t, ok = 0.0, True
    for event_name in LAMBDA_EVENTS:
        event = LifecycleEvent(run.target, event_name)
        run.events.append(event)
        if event_name == "AllowTraffic":
            ok = run.shift(event, group.config, t, apply)
        else:
            ok = run.hook(event, appspec.function(event_name), t)
        t = event.end or t
        if not ok:
            break
    run.skip_rest(LAMBDA_EVENTS)
    status, message = _outcome(run, ok, t)
    if status != "Succeeded":
        run.watch.commit(deployment_id, t / 60)
    return DeploymentResult(
        deployment_id,
        status,
        group.config.name,
        "Lambda",
        group.application,
        group.name,
        run.events,
        run.traffic,
        message,
        steps=run.steps,
        duration_s=t,
    )


def rollback_traffic(
    failed: DeploymentResult,
    appspec: AppSpec,
    world: World,
    group: DeploymentGroup,
    options: DeployOptions,
) -> DeploymentResult:
    """Lambda/ECS rollback: a new deployment that sends all traffic back to the original."""
    deployment_id = options.new_id(world)
    t = failed.duration_s
    target = failed.events[0].target if failed.events else group.name
    event = LifecycleEvent(target, "AllowTraffic", "Succeeded", t, t + 5.0)
    if group.platform == "Lambda":
        spec = _lambda_target(appspec)
        world.lambda_update_alias(spec.name, spec.alias, spec.current_version)
        event.output.append("alias points at the current version again (100%)")
    else:
        world.ecs_route(_ecs_service(group), "production", "original")
        event.output.append("production listener routes to the original task set again")
        world.record(
            "ecs.delete_task_set",
            service=target,
            task_set="replacement",
            deployment_id=deployment_id,
        )
    world.record(
        "codedeploy.deployment",
        deployment_id=deployment_id,
        status="Succeeded",
        rollback_of=failed.deployment_id,
    )
    return DeploymentResult(
        deployment_id,
        "Succeeded",
        failed.config,
        group.platform,
        group.application,
        group.name,
        [event],
        [TrafficPoint((t + 5.0) / 60, 0.0)],
        f"rollback of {failed.deployment_id}",
        duration_s=t + 5.0,
    )


def _ecs_service(group: DeploymentGroup) -> str:
    """`cluster/service`: the key of the service's traffic record in the world."""
    return f"{group.raw.get('cluster', 'default')}/{group.raw.get('service', group.application)}"


def deploy_ecs(
    appspec: AppSpec, world: World, group: DeploymentGroup, options: DeployOptions
) -> DeploymentResult:
    """ECS blue/green: replacement task set, test listener, then production shifting (4.4)."""
    task_def = _ecs_target(appspec).task_definition
    deployment_id = options.new_id(world)
    cluster = group.raw.get("cluster", "default")
    service = group.raw.get("service", group.application)
    run = _Run(deployment_id, group, world, AlarmWatch(world, group.alarms), f"{cluster}/{service}")
    run.record("codedeploy.create_deployment", application=group.application, group=group.name)
    ecs = _ecs_service(group)
    world.ecs_open_deployment(ecs)

    def apply(percent: float) -> None:
        world.ecs_set_weights(ecs, percent)
        run.record(
            "ecs.modify_listener",
            service=run.target,
            listener="production",
            replacement_percent=percent,
        )

    run.traffic.append(TrafficPoint(0.0, 0.0))
    t, ok = 0.0, True
    for event_name in ECS_EVENTS:
        event = LifecycleEvent(run.target, event_name)
        run.events.append(event)
        if event_name == "AllowTraffic":
            ok = run.shift(event, group.config, t, apply)
        elif (
            event_name in ("AllowTestTraffic", "AfterAllowTestTraffic") and not group.test_listener
        ):
            event.status, event.start, event.end = "Skipped", t, t
            event.message = "no test listener in the deployment group"
        elif event_name in ECS_RESERVED_SECONDS:
            event.start, event.end, event.status = (
                t,
                t + ECS_RESERVED_SECONDS[event_name],
                "Succeeded",
            )
            if event_name == "Install":
                world.ecs_add_task_set(ecs, f"ecs-svc/{deployment_id}", str(task_def))
                run.record("ecs.create_task_set", service=run.target, task_definition=str(task_def))
                event.output.append(f"replacement task set started with {task_def}")
            else:
                world.ecs_route(ecs, "test", "replacement")
                run.record(
                    "ecs.modify_listener",
                    service=run.target,
                    listener="test",
                    replacement_percent=100,
                )
                event.output.append("test listener routes to the replacement task set")
        else:
            ok = run.hook(event, appspec.function(event_name), t)
        t = event.end if event.end is not None else t
        if not ok:
            break
    run.skip_rest(ECS_EVENTS)
    status, message = _outcome(run, ok, t)
    if status == "Succeeded":
        world.ecs_route(ecs, "production", "replacement")
        wait = group.termination_wait_minutes
        run.steps.append((t / 60, f"waiting {wait:g} min before deleting the original task set"))
        t += wait * 60
        run.steps.append((t / 60, "original task set deleted"))
        run.record("ecs.delete_task_set", service=run.target, task_set="original")
    else:
        run.watch.commit(deployment_id, t / 60)
    return DeploymentResult(
        deployment_id,
        status,
        group.config.name,
        "ECS",
        group.application,
        group.name,
        run.events,
        run.traffic,
        message,
        steps=run.steps,
        duration_s=t,
    )
