"""Deployment configurations: EC2 minimum healthy hosts and Lambda/ECS traffic routing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

DEFAULT_SERVER_CONFIG = "CodeDeployDefault.OneAtATime"
DEFAULT_LAMBDA_CONFIG = "CodeDeployDefault.LambdaAllAtOnce"
DEFAULT_ECS_CONFIG = "CodeDeployDefault.ECSAllAtOnce"


class ConfigError(ValueError):
    """A deployment configuration that does not exist or cannot be used on this platform."""


@dataclass(frozen=True)
class HostsConfig:
    """An EC2/on-premises configuration: how many instances must stay healthy."""

    name: str
    kind: str  # "HOST_COUNT" | "FLEET_PERCENT" | "ONE_AT_A_TIME"
    value: int

    def minimum(self, fleet: int) -> int:
        """The minimum healthy count for a fleet (FLEET_PERCENT rounds up, fact sheet 5.2)."""
        if self.kind == "ONE_AT_A_TIME":
            return max(fleet - 1, 0)
        if self.kind == "FLEET_PERCENT":
            return math.ceil(fleet * self.value / 100)
        return self.value


@dataclass(frozen=True)
class TrafficConfig:
    """A Lambda/ECS configuration: how traffic moves to the new version over time."""

    name: str
    kind: str  # "AllAtOnce" | "TimeBasedCanary" | "TimeBasedLinear"
    percentage: float = 100.0
    interval: float = 0.0  # minutes

    def steps(self) -> list[tuple[float, float]]:
        """(minute, percent on the new version) at each shift, starting at minute 0."""
        if self.kind == "AllAtOnce":
            return [(0.0, 100.0)]
        if self.kind == "TimeBasedCanary":
            return [(0.0, self.percentage), (self.interval, 100.0)]
        steps: list[tuple[float, float]] = []
        percent, minute = self.percentage, 0.0
        while percent < 100.0:
            steps.append((minute, percent))
            percent += self.percentage
            minute += self.interval
        steps.append((minute, 100.0))
        return steps


_HOSTS = {
    "CodeDeployDefault.OneAtATime": HostsConfig(
        "CodeDeployDefault.OneAtATime", "ONE_AT_A_TIME", 99
    ),
    "CodeDeployDefault.HalfAtATime": HostsConfig(
        "CodeDeployDefault.HalfAtATime", "FLEET_PERCENT", 50
    ),
    "CodeDeployDefault.AllAtOnce": HostsConfig("CodeDeployDefault.AllAtOnce", "HOST_COUNT", 0),
}


def _traffic_table() -> dict[str, TrafficConfig]:
    table: dict[str, TrafficConfig] = {}
    for minutes in (5, 10, 15, 30):
        name = f"CodeDeployDefault.LambdaCanary10Percent{minutes}Minutes"
        table[name] = TrafficConfig(name, "TimeBasedCanary", 10, minutes)
    for minutes, suffix in ((1, "1Minute"), (2, "2Minutes"), (3, "3Minutes"), (10, "10Minutes")):
        name = f"CodeDeployDefault.LambdaLinear10PercentEvery{suffix}"
        table[name] = TrafficConfig(name, "TimeBasedLinear", 10, minutes)
    table["CodeDeployDefault.LambdaAllAtOnce"] = TrafficConfig(
        "CodeDeployDefault.LambdaAllAtOnce", "AllAtOnce"
    )
    for minutes in (1, 3):
        name = f"CodeDeployDefault.ECSLinear10PercentEvery{minutes}Minutes"
        table[name] = TrafficConfig(name, "TimeBasedLinear", 10, minutes)
    for minutes in (5, 15):
        name = f"CodeDeployDefault.ECSCanary10Percent{minutes}Minutes"
        table[name] = TrafficConfig(name, "TimeBasedCanary", 10, minutes)
    table["CodeDeployDefault.ECSAllAtOnce"] = TrafficConfig(
        "CodeDeployDefault.ECSAllAtOnce", "AllAtOnce"
    )
    return table


_TRAFFIC = _traffic_table()
PREDEFINED: tuple[str, ...] = (*_HOSTS, *_TRAFFIC)


def _number(value: Any, where: str, *, low: float, high: float, text_ok: bool = False) -> float:
    # CloudFormation turns a numeric string into the Integer the property wants; the API
    # and the world file want a number.
    if text_ok and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, dict) and len(value) == 1:
        (fn,) = value
        if fn == "Ref" or str(fn).startswith("Fn::"):
            raise ConfigError(
                f"{where}: {fn} was not resolved; read the template with "
                "configs_from_template (parameters and references are evaluated there)"
            )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: expected a number, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{where}: {value} is outside {low:g}..{high:g}")
    return float(value)


def _custom_hosts(name: str, spec: dict[str, Any], *, text_ok: bool = False) -> HostsConfig:
    mhh = spec["minimum_healthy_hosts"]
    if not isinstance(mhh, dict):
        raise ConfigError(
            f"deployment config {name}: minimum_healthy_hosts must be {{type, value}}"
        )
    kind = mhh.get("type")
    if kind not in ("HOST_COUNT", "FLEET_PERCENT"):
        raise ConfigError(
            f"deployment config {name}: minimum_healthy_hosts.type {kind!r} must be "
            "HOST_COUNT or FLEET_PERCENT"
        )
    # Instance health page: FLEET_PERCENT is 0 or a whole percentage below 100.
    high = 99 if kind == "FLEET_PERCENT" else 10_000
    value = _number(
        mhh.get("value"), f"deployment config {name}: value", low=0, high=high, text_ok=text_ok
    )
    if value != int(value):
        raise ConfigError(f"deployment config {name}: value must be a whole number")
    return HostsConfig(name, kind, int(value))


def _custom_traffic(name: str, spec: dict[str, Any], *, text_ok: bool = False) -> TrafficConfig:
    routing = spec["traffic_routing"]
    if not isinstance(routing, dict):
        raise ConfigError(f"deployment config {name}: traffic_routing must be a mapping")
    kind = routing.get("type")
    if kind == "AllAtOnce":
        return TrafficConfig(name, "AllAtOnce")
    if kind not in ("TimeBasedCanary", "TimeBasedLinear"):
        raise ConfigError(
            f"deployment config {name}: traffic_routing.type {kind!r} must be AllAtOnce, "
            "TimeBasedCanary or TimeBasedLinear"
        )
    # Fact sheet 5.5: at most 99 % in one increment, at most 2880 minutes between shifts.
    percent = _number(
        routing.get("percentage"), f"{name}: percentage", low=1, high=99, text_ok=text_ok
    )
    interval = _number(
        routing.get("interval"), f"{name}: interval", low=1, high=2880, text_ok=text_ok
    )
    return TrafficConfig(name, kind, percent, interval)


def resolve_config(name: str, platform: str, custom: dict[str, Any] | None = None) -> Any:
    """The HostsConfig (Server) or TrafficConfig (Lambda/ECS) called `name`.

    A custom configuration may be written in the world's form, as the API's JSON, as an
    `aws deploy create-deployment-config` command or as a CloudFormation resource.
    """
    from simulator.codedeploy._config_forms import normalize

    custom = custom or {}
    if name in custom:
        found = normalize(name, custom[name])
        spec = found.spec
        if found.platform is not None and found.platform != platform:
            raise ConfigError(
                f"deployment config {name} is for the {found.platform} compute platform; "
                f"this deployment group is {platform}"
            )
        if "minimum_healthy_hosts" in spec and platform == "Server":
            return _custom_hosts(name, spec, text_ok=found.numeric_text)
        if "traffic_routing" in spec and platform in ("Lambda", "ECS"):
            return _custom_traffic(name, spec, text_ok=found.numeric_text)
        raise ConfigError(
            f"deployment config {name} does not fit the {platform} compute platform: Server "
            "configs need minimum_healthy_hosts, Lambda/ECS configs need traffic_routing"
        )
    if platform == "Server" and name in _HOSTS:
        return _HOSTS[name]
    if platform == "Lambda" and name in _TRAFFIC and ".Lambda" in name:
        return _TRAFFIC[name]
    if platform == "ECS" and name in _TRAFFIC and ".ECS" in name:
        return _TRAFFIC[name]
    known = [n for n in PREDEFINED if _fits(n, platform)] + sorted(custom)
    raise ConfigError(
        f"deployment config {name!r} does not exist for the {platform} platform; "
        f"use one of: {', '.join(known)}"
    )


def _fits(name: str, platform: str) -> bool:
    if platform == "Lambda":
        return ".Lambda" in name
    if platform == "ECS":
        return ".ECS" in name
    return name in _HOSTS
