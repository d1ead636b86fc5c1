"""Read a lab's CloudFormation/SAM template into deployment-group settings for the simulator.

A deploy or pipeline lab may let the learner edit the template that defines the deployment group
(`AWS::CodeDeploy::DeploymentGroup`) or a SAM function's `DeploymentPreference`. The simulated
world already has the group; this module turns what the template says into overrides of it, the
way CloudFormation would update the group before the deployment runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator._loading import load_document

SAM_PREFIX = "CodeDeployDefault.Lambda"
# SAM hook names -> CodeDeploy Lambda lifecycle events (fact sheet 5.3).
SAM_HOOKS = {"PreTraffic": "BeforeAllowTraffic", "PostTraffic": "AfterAllowTraffic"}


class TemplateSettingsError(ValueError):
    """The template cannot be turned into deployment settings; the message says how to fix it."""


@dataclass
class GroupSettings:
    """What the template sets on the deployment group (None/empty: keep the world's value)."""

    config: str | None = None
    alarms: list[str] | None = None
    auto_rollback: list[str] | None = None
    hooks: dict[str, str] = field(default_factory=dict)  # lifecycle event -> function name
    source: str = ""  # which resource the settings came from, for the log

    def describe(self) -> str:
        parts = [f"deployment configuration {self.config}"] if self.config else []
        if self.alarms is not None:
            parts.append(f"alarms [{', '.join(self.alarms) or 'none'}]")
        if self.auto_rollback is not None:
            parts.append(f"automatic rollback on [{', '.join(self.auto_rollback) or 'nothing'}]")
        for event, function in self.hooks.items():
            parts.append(f"{event} hook {function}")
        return f"{self.source}: " + ("; ".join(parts) or "no deployment settings")


def _resources(data: Any) -> dict[str, dict[str, Any]]:
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        raise TemplateSettingsError("the template has no Resources section")
    return {k: v for k, v in resources.items() if isinstance(v, dict)}


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _name_of(value: Any, resources: dict[str, dict[str, Any]], name_key: str) -> str | None:
    """A plain string, or the name of the resource a {Ref: X} points at (its name property)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        target = resources.get(value["Ref"])
        if target is None:
            return None
        named = _props(target).get(name_key)
        return named if isinstance(named, str) else value["Ref"]
    return None


def _alarm_names(items: Any, resources: dict[str, dict[str, Any]], where: str) -> list[str]:
    if items is not None and not isinstance(items, list):
        raise TemplateSettingsError(f"{where}: alarms must be a list")
    names = []
    for item in items or []:
        raw = item.get("Name") if isinstance(item, dict) and "Name" in item else item
        name = _name_of(raw, resources, "AlarmName")
        if name is None:
            raise TemplateSettingsError(
                f"{where}: an alarm must be a name or a !Ref to an AWS::CloudWatch::Alarm "
                "of this template"
            )
        names.append(name)
    return names


def _from_group(logical: str, props: dict[str, Any], resources) -> GroupSettings:
    settings = GroupSettings(source=f"{logical} (AWS::CodeDeploy::DeploymentGroup)")
    config = props.get("DeploymentConfigName")
    if isinstance(config, str):
        settings.config = config
    alarm_cfg = props.get("AlarmConfiguration")
    if isinstance(alarm_cfg, dict):
        enabled = alarm_cfg.get("Enabled", True) not in (False, "false", "False")
        names = _alarm_names(alarm_cfg.get("Alarms"), resources, f"{logical}.AlarmConfiguration")
        settings.alarms = names if enabled else []
    rollback = props.get("AutoRollbackConfiguration")
    if isinstance(rollback, dict):
        enabled = rollback.get("Enabled", False) in (True, "true", "True")
        events = rollback.get("Events") or []
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise TemplateSettingsError(
                f"{logical}.AutoRollbackConfiguration.Events must be a list of event names, "
                "e.g. [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]"
            )
        settings.auto_rollback = list(events) if enabled else []
    return settings


def _from_sam(logical: str, props: dict[str, Any], resources) -> GroupSettings:
    pref = props.get("DeploymentPreference")
    settings = GroupSettings(source=f"{logical} (AWS::Serverless::Function DeploymentPreference)")
    if not isinstance(pref, dict):
        return settings
    kind = pref.get("Type")
    if isinstance(kind, str):
        settings.config = kind if kind.startswith("CodeDeployDefault.") else SAM_PREFIX + kind
    if "Alarms" in pref:
        settings.alarms = _alarm_names(pref.get("Alarms"), resources, f"{logical}.Alarms")
    hooks = pref.get("Hooks")
    for sam_name, value in hooks.items() if isinstance(hooks, dict) else []:
        event = SAM_HOOKS.get(str(sam_name))
        if event is None:
            raise TemplateSettingsError(
                f"{logical}.DeploymentPreference.Hooks: {sam_name!r} is not a SAM hook; "
                "use PreTraffic or PostTraffic"
            )
        function = _name_of(value, resources, "FunctionName")
        if function is None:
            raise TemplateSettingsError(
                f"{logical}.DeploymentPreference.Hooks.{sam_name}: !Ref a function of this "
                "template (or give its name)"
            )
        settings.hooks[event] = function
    return settings


def group_settings(text: str, filename: str) -> GroupSettings:
    """Deployment settings from the template's one deployment group or SAM deployment preference."""
    loaded = load_document(text, filename=filename)
    resources = _resources(loaded.data)
    found = [
        (logical, res)
        for logical, res in resources.items()
        if res.get("Type") == "AWS::CodeDeploy::DeploymentGroup"
        or (
            res.get("Type") == "AWS::Serverless::Function"
            and isinstance(_props(res).get("DeploymentPreference"), dict)
        )
    ]
    if not found:
        raise TemplateSettingsError(
            f"{filename}: no AWS::CodeDeploy::DeploymentGroup and no SAM function with a "
            "DeploymentPreference; the deployment needs one of them"
        )
    if len(found) > 1:
        names = ", ".join(logical for logical, _ in found)
        raise TemplateSettingsError(f"{filename}: several deployment groups ({names}); keep one")
    logical, res = found[0]
    if res["Type"] == "AWS::CodeDeploy::DeploymentGroup":
        return _from_group(logical, _props(res), resources)
    return _from_sam(logical, _props(res), resources)
