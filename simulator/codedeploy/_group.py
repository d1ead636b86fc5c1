"""Read a CodeDeploy application and deployment group (and their instances) from the world.

World keys read here, through the world's views (`world.codedeploy_applications`,
`world.ec2_instances`, `world.deployment_configs`; the values are checked here):

    ec2:
      instances:
        i-web-1: {tags: {env: prod}, health: healthy, files: [/var/www/html/old.txt]}
        i-web-3: {health: stopped}   # healthy | unhealthy | stopped (counts as a failure)
    codedeploy:
      deployment_configs:            # custom configurations (optional)
        Min2: {minimum_healthy_hosts: {type: HOST_COUNT, value: 2}}
        Canary25: {traffic_routing: {type: TimeBasedCanary, percentage: 25, interval: 45}}
      applications:
        web:
          compute_platform: Server              # Server | Lambda | ECS
          deployment_groups:
            prod:
              deployment_config: CodeDeployDefault.OneAtATime
              deployment_type: IN_PLACE         # IN_PLACE | BLUE_GREEN
              load_balancer: true               # with traffic control (Server)
              instances: [i-web-1, i-web-2]     # or ec2_tags: {env: prod}
              replacement_instances: [i-new-1]  # blue/green (default: copies of the originals)
              auto_rollback: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]
              alarms: [HighErrors]
              ignore_application_stop_failures: false
              termination_wait_minutes: 60      # blue/green (EC2 and ECS)
              terminate_original: TERMINATE     # TERMINATE | KEEP_ALIVE
              test_listener: true               # ECS blue/green
              last_successful_revision: previous-rev   # directory, relative to the world file
              deregistration_delay_seconds: 30  # virtual BlockTraffic time (default 30)
              health_check_seconds: 30          # virtual AllowTraffic time (default 30)
    lambda:
      functions:
        postHook:                        # a hook function: what it reports back
          versions: [1]
          hooks: {AfterAllowTraffic: Failed}   # or {outcome: NoCallback, seconds: 20}
    alarms:
      HighErrors: {behaviour: after_traffic, minutes: 3}  # ok | alarm | after_traffic | error_rate

Hook scripts feed `error_rate` alarms by printing a line `error_rate=<percent>`.
ECS groups also read `cluster` and `service` (names used in the world's state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator._world_sections import CodeDeployApplication, Ec2Instance, SectionError
from simulator.codedeploy._configs import (
    DEFAULT_ECS_CONFIG,
    DEFAULT_LAMBDA_CONFIG,
    DEFAULT_SERVER_CONFIG,
    ConfigError,
    resolve_config,
)

if TYPE_CHECKING:
    from simulator.world import World

PLATFORMS = ("Server", "Lambda", "ECS")
ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")


class GroupError(ValueError):
    """The deployment group (or something it names) is missing or malformed in the world."""


@dataclass
class Instance:
    """One EC2/on-premises instance of a deployment group."""

    id: str
    healthy: bool = True
    preexisting_files: list[str] = field(default_factory=list)
    stopped: bool = False  # a stopped instance is attempted and fails (instance health page)


@dataclass
class DeploymentGroup:
    """Everything the engine needs about one deployment group."""

    application: str
    name: str
    id: str
    platform: str
    config: Any
    blue_green: bool = False
    load_balancer: bool = False
    instances: list[Instance] = field(default_factory=list)
    replacement_instances: list[Instance] = field(default_factory=list)
    auto_rollback: tuple[str, ...] = ()
    alarms: tuple[str, ...] = ()
    ignore_stop_failures: bool = False
    termination_wait_minutes: float = 60.0
    terminate_original: bool = True
    test_listener: bool = True
    last_successful_revision: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise GroupError(f"world: {where} must be a mapping")
    return value


def _names(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GroupError(f"world: {where} must be a list of names")
    return list(value)


def find_group(world: World, group_name: str, application: str | None = None) -> DeploymentGroup:
    """The deployment group called group_name (in `application`, or the only app that has it)."""
    try:
        apps = world.codedeploy_applications
    except SectionError as exc:
        raise GroupError(f"world: {exc}") from None
    matches = [
        app
        for app in apps.values()
        if (application is None or app.name == application) and group_name in app.deployment_groups
    ]
    if not matches:
        known = [f"{a.name}/{g}" for a in apps.values() for g in a.deployment_groups]
        raise GroupError(
            f"deployment group {group_name!r} is not in the world"
            + (f" (application {application!r})" if application else "")
            + f"; known groups: {', '.join(known) or 'none'} — add it under "
            "codedeploy.applications.<app>.deployment_groups"
        )
    if len(matches) > 1:
        raise GroupError(
            f"deployment group {group_name!r} exists in several applications "
            f"({', '.join(a.name for a in matches)}); name the application"
        )
    return _build(world, matches[0], group_name)


def _build(world: World, app: CodeDeployApplication, group_name: str) -> DeploymentGroup:
    app_name, raw = app.name, app.deployment_groups[group_name]
    where = f"codedeploy.applications.{app_name}.deployment_groups.{group_name}"
    platform = app.compute_platform
    if platform not in PLATFORMS:
        raise GroupError(
            f"world: application {app_name}: compute_platform {platform!r} must be "
            f"one of {', '.join(PLATFORMS)}"
        )
    default = {
        "Server": DEFAULT_SERVER_CONFIG,
        "Lambda": DEFAULT_LAMBDA_CONFIG,
        "ECS": DEFAULT_ECS_CONFIG,
    }[platform]
    config_name = raw.get("deployment_config", default)
    try:
        config = resolve_config(str(config_name), platform, world.deployment_configs)
    except SectionError as exc:
        raise GroupError(f"world: {exc}") from None
    except ConfigError as exc:
        raise GroupError(f"world: {where}: {exc}") from exc
    dtype = raw.get("deployment_type", "BLUE_GREEN" if platform != "Server" else "IN_PLACE")
    if dtype not in ("IN_PLACE", "BLUE_GREEN"):
        raise GroupError(f"world: {where}.deployment_type {dtype!r} must be IN_PLACE or BLUE_GREEN")
    if platform != "Server" and dtype != "BLUE_GREEN":
        raise GroupError(f"world: {where}: {platform} deployments are always BLUE_GREEN")
    rollback = tuple(_names(raw.get("auto_rollback"), f"{where}.auto_rollback"))
    for event in rollback:
        if event not in ROLLBACK_EVENTS:
            raise GroupError(
                f"world: {where}.auto_rollback: {event!r} must be one of "
                f"{', '.join(ROLLBACK_EVENTS)}"
            )
    group = DeploymentGroup(
        application=app_name,
        name=group_name,
        id=str(raw.get("id") or _group_id(app_name, group_name)),
        platform=platform,
        config=config,
        blue_green=dtype == "BLUE_GREEN",
        load_balancer=bool(raw.get("load_balancer", dtype == "BLUE_GREEN")),
        auto_rollback=rollback,
        alarms=tuple(_names(raw.get("alarms"), f"{where}.alarms")),
        ignore_stop_failures=bool(raw.get("ignore_application_stop_failures", False)),
        termination_wait_minutes=float(raw.get("termination_wait_minutes", 60)),
        terminate_original=raw.get("terminate_original", "TERMINATE") != "KEEP_ALIVE",
        test_listener=bool(raw.get("test_listener", True)),
        last_successful_revision=raw.get("last_successful_revision"),
        raw=raw,
    )
    if platform == "Server":
        try:
            known = world.ec2_instances
        except SectionError as exc:
            raise GroupError(f"world: {exc}") from None
        group.instances = _instances(known, raw, where)
        if group.blue_green:
            names = _names(raw.get("replacement_instances"), f"{where}.replacement_instances")
            if names:
                group.replacement_instances = _lookup(known, names)
            else:
                group.replacement_instances = [Instance(f"{i.id}-green") for i in group.instances]
    return group


def _group_id(app: str, group: str) -> str:
    """A stable, UUID-shaped id so hook scripts see the same DEPLOYMENT_GROUP_ID every run."""
    import hashlib

    digest = hashlib.sha1(f"{app}/{group}".encode(), usedforsecurity=False).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _lookup(known: Mapping[str, Ec2Instance], names: list[str]) -> list[Instance]:
    # An instance named only in the group is a plain healthy instance.
    found = [known.get(name) or Ec2Instance(name) for name in names]
    return [Instance(i.id, i.healthy, list(i.files), stopped=i.stopped) for i in found]


def _instances(known: Mapping[str, Ec2Instance], raw: dict[str, Any], where: str) -> list[Instance]:
    names = _names(raw.get("instances"), f"{where}.instances")
    tags = _mapping(raw.get("ec2_tags"), f"{where}.ec2_tags")
    if tags:
        for name, instance in known.items():
            matched = all(instance.tags.get(k) == str(v) for k, v in tags.items())
            if matched and name not in names:
                names.append(name)
    if not names:
        raise GroupError(
            f"world: {where} has no instances; list them under `instances:` or match them "
            "with `ec2_tags:`"
        )
    return _lookup(known, names)
