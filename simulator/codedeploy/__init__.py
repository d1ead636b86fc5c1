"""CodeDeploy on a virtual clock: EC2 in-place and blue/green, Lambda and ECS traffic shifting."""

from simulator.codedeploy._config_forms import (
    ConfigSpec,
    configs_from_template,
    from_cli,
    group_config_name,
)
from simulator.codedeploy._configs import (
    PREDEFINED,
    ConfigError,
    HostsConfig,
    TrafficConfig,
    resolve_config,
)
from simulator.codedeploy._deploy import deploy
from simulator.codedeploy._group import DeploymentGroup, GroupError, find_group
from simulator.codedeploy._options import DeployInputError, DeployOptions
from simulator.codedeploy._result import DeploymentResult, LifecycleEvent, TrafficPoint
from simulator.codedeploy._runner import (
    HookRunner,
    SandboxHookRunner,
    ScriptOutcome,
    ScriptStatus,
    TargetShell,
)
from simulator.codedeploy._server import in_place_order

__all__ = [
    "PREDEFINED",
    "ConfigError",
    "ConfigSpec",
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
    "ScriptStatus",
    "TargetShell",
    "TrafficConfig",
    "TrafficPoint",
    "configs_from_template",
    "deploy",
    "find_group",
    "from_cli",
    "group_config_name",
    "in_place_order",
    "resolve_config",
]
