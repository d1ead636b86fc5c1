"""Custom deployment configurations as learners write them: world file, API JSON, CLI, template.

Every form is turned into the world file's own form (`minimum_healthy_hosts` or
`traffic_routing`, see `_group.py`), so one validator applies the AWS limits to all of them.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.codedeploy._configs import ConfigError

CFN_TYPE = "AWS::CodeDeploy::DeploymentConfig"
COMPUTE_PLATFORMS = ("Server", "Lambda", "ECS")


@dataclass(frozen=True)
class ConfigSpec:
    """One custom configuration in the world's form, with where it came from."""

    spec: dict[str, Any]
    platform: str | None = None  # computePlatform / ComputePlatform when the form states it
    form: str = "world"  # world | api | cloudformation | cli
    numeric_text: bool = False  # CloudFormation accepts "2" for an Integer property


def _routing(kind: Any, detail: Mapping[str, Any], canary: str, linear: str) -> dict[str, Any]:
    """traffic_routing from the API (timeBasedCanary...) or CloudFormation (TimeBasedCanary...)."""
    if kind == "AllAtOnce" or kind not in ("TimeBasedCanary", "TimeBasedLinear"):
        return {"type": kind}
    block_key = canary if kind == "TimeBasedCanary" else linear
    block = detail.get(block_key)
    if not isinstance(block, Mapping):
        raise ConfigError(f"{kind} needs its {block_key} block (percentage and interval)")
    word = "canary" if kind == "TimeBasedCanary" else "linear"
    # API keys are canaryPercentage/linearInterval; CloudFormation's start with a capital.
    lowered = {str(k).lower(): v for k, v in block.items()}
    pct, itv = lowered.get(f"{word}percentage"), lowered.get(f"{word}interval")
    return {"type": kind, "percentage": pct, "interval": itv}


def normalize(name: str, spec: Any) -> ConfigSpec:
    """Any supported form of a custom configuration, in the world's form."""
    if isinstance(spec, ConfigSpec):  # already read (e.g. by configs_from_template)
        return spec
    if isinstance(spec, str):
        found_name, found = from_cli(spec)
        if found_name and found_name != name:
            raise ConfigError(
                f"deployment config {name}: the command creates {found_name!r}; "
                "use the same name in both places"
            )
        return found
    if not isinstance(spec, Mapping):
        raise ConfigError(f"deployment config {name}: expected a mapping or an aws CLI command")
    if "minimum_healthy_hosts" in spec or "traffic_routing" in spec:
        return ConfigSpec(dict(spec), _platform(name, spec.get("compute_platform")))
    if "deploymentConfigInfo" in spec and isinstance(spec["deploymentConfigInfo"], Mapping):
        spec = spec["deploymentConfigInfo"]  # the output of get-deployment-config
    if spec.get("Type") == CFN_TYPE or "Properties" in spec:
        props = spec.get("Properties")
        if not isinstance(props, Mapping):
            raise ConfigError(f"deployment config {name}: Properties must be a mapping")
        return _from_cfn(name, props)
    if any(k in spec for k in ("MinimumHealthyHosts", "TrafficRoutingConfig", "ComputePlatform")):
        return _from_cfn(name, spec)
    if any(k in spec for k in ("minimumHealthyHosts", "trafficRoutingConfig", "computePlatform")):
        return _from_api(name, spec)
    raise ConfigError(
        f"deployment config {name}: give minimum_healthy_hosts (EC2/on-premises) or "
        "traffic_routing (Lambda/ECS), or the same in the API, CLI or CloudFormation form"
    )


def _platform(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if value not in COMPUTE_PLATFORMS:
        raise ConfigError(
            f"deployment config {name}: compute platform {value!r} must be one of "
            f"{', '.join(COMPUTE_PLATFORMS)}"
        )
    return str(value)


def _from_api(name: str, body: Mapping[str, Any]) -> ConfigSpec:
    out: dict[str, Any] = {}
    hosts = body.get("minimumHealthyHosts")
    if hosts is not None:
        if not isinstance(hosts, Mapping):
            raise ConfigError(f"deployment config {name}: minimumHealthyHosts must be an object")
        out["minimum_healthy_hosts"] = {"type": hosts.get("type"), "value": hosts.get("value")}
    routing = body.get("trafficRoutingConfig")
    if routing is not None:
        if not isinstance(routing, Mapping):
            raise ConfigError(f"deployment config {name}: trafficRoutingConfig must be an object")
        out["traffic_routing"] = _routing(
            routing.get("type"), routing, "timeBasedCanary", "timeBasedLinear"
        )
    platform = _platform(name, body.get("computePlatform"))
    if platform in ("Lambda", "ECS") and "minimum_healthy_hosts" in out and not routing:
        raise ConfigError(
            f"deployment config {name}: a {platform} configuration needs trafficRoutingConfig"
        )
    return ConfigSpec(out, platform, "api")


def _from_cfn(name: str, props: Mapping[str, Any]) -> ConfigSpec:
    for key, value in props.items():
        _no_intrinsics(name, key, value)
    out: dict[str, Any] = {}
    hosts = props.get("MinimumHealthyHosts")
    if hosts is not None:
        if not isinstance(hosts, Mapping):
            raise ConfigError(f"{CFN_TYPE} {name}: MinimumHealthyHosts must be {{Type, Value}}")
        out["minimum_healthy_hosts"] = {"type": hosts.get("Type"), "value": hosts.get("Value")}
    routing = props.get("TrafficRoutingConfig")
    if routing is not None:
        if not isinstance(routing, Mapping):
            raise ConfigError(f"{CFN_TYPE} {name}: TrafficRoutingConfig must be a mapping")
        out["traffic_routing"] = _routing(
            routing.get("Type"), routing, "TimeBasedCanary", "TimeBasedLinear"
        )
    platform = _platform(name, props.get("ComputePlatform", "Server"))
    return ConfigSpec(out, platform, "cloudformation", numeric_text=True)


def _no_intrinsics(name: str, key: str, value: Any) -> None:
    """A function left in a value means the template was not resolved first."""
    if isinstance(value, Mapping):
        for inner_key, inner in value.items():
            if str(inner_key) == "Ref" or str(inner_key).startswith("Fn::"):
                raise ConfigError(
                    f"{CFN_TYPE} {name}: {key} uses {inner_key}; read the whole template with "
                    "configs_from_template so parameters and references are resolved"
                )
            _no_intrinsics(name, f"{key}.{inner_key}", inner)


# -- CLI ---------------------------------------------------------------------------------------


def _shorthand(text: str, where: str) -> dict[str, Any]:
    """The AWS CLI shorthand syntax for structures: a=1,b={c=2,d=3}."""
    pos = 0

    def parse_struct(end: str | None) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(text):
            eq = text.find("=", pos)
            if eq < 0:
                raise ConfigError(f"{where}: expected key=value in {text!r}")
            key = text[pos:eq].strip()
            pos = eq + 1
            if pos < len(text) and text[pos] == "{":
                pos += 1
                value: Any = parse_struct("}")
            else:
                stop = len(text)
                for mark in (",", end or ""):
                    if mark:
                        found = text.find(mark, pos)
                        if 0 <= found < stop:
                            stop = found
                raw = text[pos:stop].strip()
                value = int(raw) if raw.lstrip("-").isdigit() else raw
                pos = stop
            out[key] = value
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if end and pos < len(text) and text[pos] == end:
                pos += 1
                return out
        if end:
            raise ConfigError(f"{where}: a {{ is not closed in {text!r}")
        return out

    return parse_struct(None)


def _cli_value(raw: str, where: str) -> dict[str, Any]:
    raw = raw.strip()
    if raw.startswith("{"):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a JSON object")
        return value
    return _shorthand(raw, where)


def from_cli(command: str) -> tuple[str, ConfigSpec]:
    """(name, spec) of `aws deploy create-deployment-config ...` (JSON or shorthand values)."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"the CLI command cannot be split into words: {exc}") from exc
    if "create-deployment-config" not in words:
        raise ConfigError(
            "a deployment configuration given as text must be an "
            "`aws deploy create-deployment-config` command"
        )
    options: dict[str, str] = {}
    index = words.index("create-deployment-config") + 1
    known = (
        "--deployment-config-name",
        "--minimum-healthy-hosts",
        "--traffic-routing-config",
        "--compute-platform",
        "--cli-input-json",
        "--zonal-config",
    )
    while index < len(words):
        word = words[index]
        key, _, inline = word.partition("=")
        if key not in known:
            raise ConfigError(
                f"create-deployment-config: unknown option {word!r}; known: {', '.join(known)}"
            )
        if inline:
            options[key] = inline
            index += 1
            continue
        if index + 1 >= len(words):
            raise ConfigError(f"create-deployment-config: {key} needs a value")
        options[key] = words[index + 1]
        index += 2
    api: dict[str, Any] = {}
    if "--cli-input-json" in options:
        api.update(_cli_value(options["--cli-input-json"], "--cli-input-json"))
    name = options.get("--deployment-config-name") or str(api.get("deploymentConfigName") or "")
    if not name:
        raise ConfigError("create-deployment-config: --deployment-config-name is required")
    if "--minimum-healthy-hosts" in options:
        api["minimumHealthyHosts"] = _cli_value(
            options["--minimum-healthy-hosts"], "--minimum-healthy-hosts"
        )
    if "--traffic-routing-config" in options:
        api["trafficRoutingConfig"] = _cli_value(
            options["--traffic-routing-config"], "--traffic-routing-config"
        )
    if "--compute-platform" in options:
        api["computePlatform"] = options["--compute-platform"]
    spec = _from_api(name, api)
    return name, ConfigSpec(spec.spec, spec.platform, "cli")


# -- CloudFormation templates ------------------------------------------------------------------


class _Template:
    """Just enough of CloudFormation to read deployment configurations and their references."""

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        resources = template.get("Resources")
        self.resources: dict[str, Any] = dict(resources) if isinstance(resources, Mapping) else {}
        declared = template.get("Parameters")
        self.parameters: dict[str, Any] = {}
        if isinstance(declared, Mapping):
            for key, body in declared.items():
                if isinstance(body, Mapping) and "Default" in body:
                    self.parameters[key] = body["Default"]
        self.parameters.update(parameters)

    def config_name(self, logical: str) -> str:
        props = self.resources[logical].get("Properties") or {}
        named = props.get("DeploymentConfigName") if isinstance(props, Mapping) else None
        # Without a name CloudFormation generates one; the logical id stands for it here.
        return str(self.resolve(named, logical)) if named is not None else logical

    def resolve(self, node: Any, where: str) -> Any:
        if isinstance(node, list):
            return [self.resolve(item, where) for item in node]
        if not isinstance(node, Mapping):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(str(arg), where)
            if key == "Fn::GetAtt":
                return self._get_att(arg, where)
            if str(key).startswith("Fn::"):
                raise ConfigError(f"{where}: {key} is not evaluated here; use a literal or !Ref")
        return {k: self.resolve(v, f"{where}.{k}") for k, v in node.items()}

    def _ref(self, name: str, where: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources.get(name)
        if isinstance(resource, Mapping) and resource.get("Type") == CFN_TYPE:
            return self.config_name(name)  # Ref of a DeploymentConfig is its name
        raise ConfigError(
            f"{where}: !Ref {name} names no parameter with a value and no "
            f"{CFN_TYPE} in the template"
        )

    def _get_att(self, arg: Any, where: str) -> Any:
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if not isinstance(parts, list) or len(parts) != 2:
            raise ConfigError(f"{where}: Fn::GetAtt takes [LogicalId, Attribute]")
        logical, attribute = str(parts[0]), str(parts[1])
        resource = self.resources.get(logical)
        if not isinstance(resource, Mapping):
            raise ConfigError(f"{where}: !GetAtt {logical}.{attribute}: no resource {logical}")
        if resource.get("Type") == CFN_TYPE:
            # A DeploymentConfig returns only its name (with !Ref); it has no attributes.
            raise ConfigError(
                f"{where}: {CFN_TYPE} {logical} has no attribute {attribute}; "
                f"!Ref {logical} returns its name"
            )
        props = resource.get("Properties")
        if isinstance(props, Mapping) and attribute in props:
            return self.resolve(props[attribute], where)
        raise ConfigError(f"{where}: !GetAtt {logical}.{attribute} cannot be evaluated here")


def configs_from_template(
    template: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
) -> dict[str, ConfigSpec]:
    """{name: spec} of every AWS::CodeDeploy::DeploymentConfig, references resolved."""
    reader = _Template(template, parameters or {})
    out: dict[str, ConfigSpec] = {}
    for logical, resource in reader.resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != CFN_TYPE:
            continue
        props = reader.resolve(resource.get("Properties") or {}, f"Resources.{logical}")
        name = reader.config_name(logical)
        out[name] = _from_cfn(name, props)
    return out


def group_config_name(
    template: Mapping[str, Any], value: Any, parameters: Mapping[str, Any] | None = None
) -> str:
    """A deployment group's DeploymentConfigName (a literal, !Ref or !GetAtt) as a name."""
    resolved = _Template(template, parameters or {}).resolve(value, "DeploymentConfigName")
    if not isinstance(resolved, str) or not resolved:
        raise ConfigError(f"DeploymentConfigName must resolve to a name, got {resolved!r}")
    return resolved
