"""A lab's CloudFormation/SAM template read as CloudFormation would apply it to a deployment group.

SAM templates go through `aws-sam-translator` (the transform SAM itself uses), so SAM's own
rules and errors apply (e.g. a DeploymentPreference without AutoPublishAlias). The resulting
`AWS::CodeDeploy::DeploymentGroup` gives the settings that override the world's group; settings
that change behaviour on AWS but are not simulated come back as notes, never silently.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from simulator._loading import load_document
from simulator.scenarios._notes import Note, NoteLevel

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
NAME_PROPERTY = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::CodeDeploy::DeploymentConfig": "DeploymentConfigName",
    "AWS::CodeDeploy::Application": "ApplicationName",
}
# Deployment group properties this simulator applies or that do not change a run's behaviour.
KNOWN_GROUP_PROPERTIES = {
    "ApplicationName",
    "DeploymentGroupName",
    "ServiceRoleArn",
    "DeploymentConfigName",
    "AlarmConfiguration",
    "AutoRollbackConfiguration",
    "DeploymentStyle",
    "Ec2TagFilters",
    "ECSServices",
    "LoadBalancerInfo",
    "BlueGreenDeploymentConfiguration",
    "Tags",
    "TriggerConfigurations",
    "OnPremisesInstanceTagFilters",
    "Ec2TagSet",
    "AutoScalingGroups",
}
_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


class TemplateSettingsError(ValueError):
    """The template cannot be applied; the message says what is wrong and how to fix it."""


@dataclass
class GroupSettings:
    """What the template sets on the deployment group (None: keep the world's value)."""

    config: str | None = None
    custom_configs: dict[str, Any] = field(default_factory=dict)  # name -> ConfigSpec
    alarms: list[str] | None = None
    auto_rollback: list[str] | None = None
    hooks: dict[str, str] = field(default_factory=dict)  # lifecycle event -> function name
    source: str = ""
    notes: list[Note] = field(default_factory=list)
    no_group: str = ""  # why the template creates no deployment group at all (then nothing runs)

    def describe(self) -> str:
        parts = [f"deployment configuration {self.config}"] if self.config else []
        if self.alarms is not None:
            parts.append(f"alarms: {', '.join(self.alarms) or 'none'}")
        if self.auto_rollback is not None:
            parts.append(f"automatic rollback on: {', '.join(self.auto_rollback) or 'nothing'}")
        for event, function in self.hooks.items():
            parts.append(f"{event} hook {function}")
        return f"{self.source}: " + ("; ".join(parts) or "no deployment settings")


class _Resolver:
    """Evaluates the intrinsic functions a deployment group's settings use, to plain strings."""

    def __init__(self, template: dict[str, Any], account: str, region: str) -> None:
        self.resources = {
            k: v for k, v in (template.get("Resources") or {}).items() if isinstance(v, dict)
        }
        params = template.get("Parameters")
        params = params if isinstance(params, dict) else {}
        self.values: dict[str, str] = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "lab-stack",
        }
        for name, spec in params.items():
            if isinstance(spec, dict) and isinstance(spec.get("Default"), str | int | float):
                self.values[name] = str(spec["Default"])

    def name_of(self, logical: str) -> str | None:
        resource = self.resources.get(logical)
        if resource is None:
            return self.values.get(logical)
        key = NAME_PROPERTY.get(str(resource.get("Type")))
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        named = self.value(props.get(key)) if key else None
        # Without a name property CloudFormation generates one; the logical id stands for it.
        return named or logical

    def value(self, node: Any) -> str | None:
        if isinstance(node, str | int | float) and not isinstance(node, bool):
            return str(node)
        if not isinstance(node, dict) or len(node) != 1:
            return None
        ((fn, arg),) = node.items()
        if fn == "Ref" and isinstance(arg, str):
            return self.name_of(arg)
        if fn == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            if not isinstance(text, str) or not isinstance(local, dict):
                return None
            out = text
            for var in _SUB_VAR.findall(text):
                got = self.value(local[var]) if var in local else self.name_of(var.split(".")[0])
                if got is None:
                    return None
                out = out.replace("${" + var + "}", got)
            return out
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = [self.value(p) for p in arg[1]] if isinstance(arg[1], list) else [None]
            if None in parts or not isinstance(arg[0], str):
                return None
            return arg[0].join(p for p in parts if p is not None)
        return None


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    return props if isinstance(props, dict) else {}


def _is_sam(template: dict[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return SAM_TRANSFORM in names


def _sam_notes(template: dict[str, Any], filename: str) -> tuple[list[Note], str]:
    """Notes about SAM settings that change a deployment on AWS; and why no group exists."""
    notes, no_group = [], ""
    for logical, res in (template.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") != "AWS::Serverless::Function":
            continue
        pref = _props(res).get("DeploymentPreference")
        if not isinstance(pref, dict):
            continue
        where = f"Resources.{logical}.Properties.DeploymentPreference"
        if pref.get("Enabled") in (False, "false", "False"):
            no_group = (
                f"{where}.Enabled is false: SAM creates no CodeDeploy deployment group, so "
                "the alias would move to the new version at once, with no traffic shifting, "
                "hooks or alarms"
            )
        for key in ("TriggerConfigurations", "PassthroughCondition", "Role"):
            if key in pref:
                notes.append(
                    Note(
                        NoteLevel.NOT_SIMULATED,
                        f"{key} is not simulated in this lab",
                        filename,
                        f"{where}.{key}",
                    )
                )
    return notes, no_group


def _package(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` does before the transform: local CodeUri folders become S3 URIs."""
    packaged = copy.deepcopy(template)
    for res in (packaged.get("Resources") or {}).values():
        props = _props(res) if isinstance(res, dict) else {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://sam-packaged-artifacts/{props[key].strip('/') or 'code'}"
    return packaged


def sam_transform(template: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """The CloudFormation template SAM makes of `template`; TemplateSettingsError with SAM's
    own messages when it refuses it."""
    import logging

    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # The translator warns about feature toggles it has no config for; that is not the learner's.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    # A local boto3 session only names the Region (no credentials, no network call).
    session = boto3.session.Session(region_name=region)
    try:
        transformed: dict[str, Any] = Translator({}, Parser(), boto_session=session).translate(
            _package(template), {"AWS::AccountId": account, "AWS::Region": region}
        )
        return transformed
    except InvalidDocumentException as exc:
        causes = "; ".join(getattr(c, "message", str(c)) for c in exc.causes)
        raise TemplateSettingsError(f"SAM cannot transform the template: {causes}") from exc


def _alarm_names(cfg: dict[str, Any], resolve: _Resolver, where: str) -> list[str]:
    items = cfg.get("Alarms") or []
    if not isinstance(items, list):
        raise TemplateSettingsError(f"{where}.Alarms must be a list")
    names = []
    for item in items:
        raw = item.get("Name") if isinstance(item, dict) and "Name" in item else item
        name = resolve.value(raw)
        if name is None:
            raise TemplateSettingsError(
                f"{where}.Alarms: each alarm needs a Name, as text or a !Ref to an "
                "AWS::CloudWatch::Alarm of this template"
            )
        names.append(name)
    return names


def _from_group(
    logical: str, props: dict[str, Any], resolve: _Resolver, filename: str, settings: GroupSettings
) -> None:
    where = f"Resources.{logical}.Properties"
    if "DeploymentConfigName" in props:
        config = resolve.value(props["DeploymentConfigName"])
        if config is None:
            settings.notes.append(
                Note(
                    NoteLevel.NOT_SIMULATED,
                    "the deployment configuration is written in a form this lab cannot evaluate; "
                    "the deployment group's own configuration was used",
                    filename,
                    f"{where}.DeploymentConfigName",
                )
            )
        else:
            settings.config = config
    alarm_cfg = props.get("AlarmConfiguration")
    if isinstance(alarm_cfg, dict):
        enabled = alarm_cfg.get("Enabled", True) not in (False, "false", "False")
        names = _alarm_names(alarm_cfg, resolve, f"{where}.AlarmConfiguration")
        settings.alarms = names if enabled else []
        if alarm_cfg.get("IgnorePollAlarmFailure") in (True, "true", "True"):
            settings.notes.append(
                Note(
                    NoteLevel.NOT_SIMULATED,
                    "IgnorePollAlarmFailure is not simulated in this lab",
                    filename,
                    f"{where}.AlarmConfiguration",
                )
            )
    rollback = props.get("AutoRollbackConfiguration")
    if isinstance(rollback, dict):
        enabled = rollback.get("Enabled", False) in (True, "true", "True")
        events = rollback.get("Events") or []
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise TemplateSettingsError(
                f"{where}.AutoRollbackConfiguration.Events must be a list of event names, "
                "for example DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM"
            )
        settings.auto_rollback = list(events) if enabled else []
    ready = (props.get("BlueGreenDeploymentConfiguration") or {}).get("DeploymentReadyOption")
    if isinstance(ready, dict) and ready.get("ActionOnTimeout") == "STOP_DEPLOYMENT":
        settings.notes.append(
            Note(
                NoteLevel.NOT_SIMULATED,
                "waiting for a manual reroute (STOP_DEPLOYMENT) is not simulated in this lab",
                filename,
                f"{where}.BlueGreenDeploymentConfiguration",
            )
        )
    for key in sorted(set(props) - KNOWN_GROUP_PROPERTIES):
        settings.notes.append(
            Note(
                NoteLevel.NOT_SIMULATED,
                f"{key} is not simulated in this lab",
                filename,
                f"{where}.{key}",
            )
        )


def _hooks(resources: dict[str, Any], resolve: _Resolver) -> dict[str, str]:
    """SAM writes PreTraffic/PostTraffic hooks into the alias's CodeDeployLambdaAliasUpdate."""
    hooks = {}
    for res in resources.values():
        policy = (
            (res.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
            if isinstance(res, dict)
            else None
        )
        if not isinstance(policy, dict):
            continue
        for key, event in (
            ("BeforeAllowTrafficHook", "BeforeAllowTraffic"),
            ("AfterAllowTrafficHook", "AfterAllowTraffic"),
        ):
            if key in policy:
                name = resolve.value(policy[key])
                if name:
                    hooks[event] = name
    return hooks


def group_settings(
    text: str, filename: str, *, account: str = "111122223333", region: str = "eu-west-1"
) -> GroupSettings:
    """Deployment settings from the template's one deployment group (after SAM's transform)."""
    loaded = load_document(text, filename=filename)
    template = loaded.data
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateSettingsError(f"{filename} has no Resources section")
    settings = GroupSettings()
    if _is_sam(template):
        notes, no_group = _sam_notes(template, filename)
        settings.notes.extend(notes)
        if no_group:
            settings.no_group = no_group
            settings.source = filename
            return settings
        template = sam_transform(template, account, region)
    resolve = _Resolver(template, account, region)
    resources = resolve.resources
    groups = [
        k for k, v in resources.items() if v.get("Type") == "AWS::CodeDeploy::DeploymentGroup"
    ]
    if not groups:
        raise TemplateSettingsError(
            f"{filename}: no AWS::CodeDeploy::DeploymentGroup (and no SAM function with a "
            "DeploymentPreference); the deployment needs one"
        )
    if len(groups) > 1:
        raise TemplateSettingsError(
            f"{filename}: several deployment groups ({', '.join(groups)}); keep one"
        )
    # One reader of custom deployment configurations (the deploy engine's): names, !Ref and
    # !GetAtt resolved, CloudFormation's numbers-as-text accepted as CloudFormation does.
    from simulator.codedeploy import ConfigError, configs_from_template

    try:
        settings.custom_configs.update(configs_from_template(template))
    except ConfigError as exc:
        raise TemplateSettingsError(f"{filename}: {exc}") from exc
    logical = groups[0]
    settings.source = f"{logical} (AWS::CodeDeploy::DeploymentGroup)"
    _from_group(logical, _props(resources[logical]), resolve, filename, settings)
    settings.hooks = _hooks(resources, resolve)
    return settings


def template_value(
    template: dict[str, Any], value: Any, *, account: str, region: str
) -> str | None:
    """A template value with its intrinsic functions evaluated for one account and Region.

    None when it uses a function the lab's evaluator does not model.
    """
    return _Resolver(template, account, region).value(value)
