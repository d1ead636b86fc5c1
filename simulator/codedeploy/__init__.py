"""CodeDeploy on a virtual clock: EC2 in-place and blue/green, Lambda and ECS traffic shifting."""

from simulator.codedeploy._configs import PREDEFINED, ConfigError, HostsConfig, TrafficConfig
from simulator.codedeploy._deploy import deploy
from simulator.codedeploy._group import DeploymentGroup, GroupError, find_group
from simulator.codedeploy._options import DeployInputError, DeployOptions
from simulator.codedeploy._result import DeploymentResult, LifecycleEvent, TrafficPoint
from simulator.codedeploy._runner import (
    HookRunner,
    SandboxHookRunner,
    ScriptOutcome,
    TargetShell,
)
from simulator.codedeploy._server import in_place_order

__all__ = [
    "PREDEFINED",
    "ConfigError",
    "DeployInputError",
    "DeployOptions",
    "DeploymentGroup",
    "DeploymentResult",
    "GroupError",
    "HookRunner",
    "HostsConfig",
    "LifecycleEvent",
    "SandboxHookRunner",
    "ScriptOutcome",
    "TargetShell",
    "TrafficConfig",
    "TrafficPoint",
    "deploy",
    "find_group",
    "in_place_order",
]
