"""A CloudFormation template's AWS::CodePipeline::Pipeline (and CodeBuild/CodeDeploy) converted."""

from __future__ import annotations

import copy
import re
from typing import Any

from simulator._findings import Path, format_path
from simulator._loading import Loaded
from simulator._pipeline_model import NO_VALUE, is_intrinsic
from simulator.forms._model import BuildProject, Conversion, PipelineForm

PIPELINE = "AWS::CodePipeline::Pipeline"
# What `Ref` returns for each resource type (the name property, else the logical id stands in).
REF_NAME = {
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
    "AWS::CodeDeploy::DeploymentConfig": "DeploymentConfigName",
    "AWS::IAM::Role": "RoleName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::CodeCommit::Repository": "RepositoryName",
}
# Resource types whose Ref is an ARN (service, resource part).
REF_ARN = {
    "AWS::SNS::Topic": ("sns", "{name}", "TopicName"),
    "AWS::CodeStarConnections::Connection": ("codestar-connections", "connection/{name}",
                                             "ConnectionName"),
    "AWS::ElasticLoadBalancingV2::Listener": ("elasticloadbalancing", "listener/app/{name}", ""),
}  # fmt: skip
GETATT_ARN = {
    "AWS::IAM::Role": ("iam", "role/{name}"),
    "AWS::S3::Bucket": ("s3", "{name}"),
    "AWS::KMS::Key": ("kms", "key/{name}"),
    "AWS::CodeBuild::Project": ("codebuild", "project/{name}"),
    "AWS::Lambda::Function": ("lambda", "function:{name}"),
    "AWS::ECS::Cluster": ("ecs", "cluster/{name}"),
    "AWS::ECR::Repository": ("ecr", "repository/{name}"),
    "AWS::SNS::Topic": ("sns", "{name}"),
    "AWS::CodeCommit::Repository": ("codecommit", "{name}"),
}
_SKIP_KEYS = ("RestartExecutionOnUpdate", "DisableInboundStageTransitions", "Tags", "Name")
_SUB = re.compile(r"\$\{([A-Za-z0-9:._-]+)\}")


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:]


class CloudFormationReader:
    """Converts the template's pipeline; run=True replaces references by world values."""

    def __init__(self, loaded: Loaded, *, account: str, region: str, run: bool) -> None:
        self.loaded = loaded
        self.template: dict[str, Any] = loaded.data if isinstance(loaded.data, dict) else {}
        resources = self.template.get("Resources")
        self.resources: dict[str, dict[str, Any]] = {
            k: v for k, v in (resources if isinstance(resources, dict) else {}).items()
            if isinstance(v, dict)
        }  # fmt: skip
        self.account, self.region, self.run = account, region, run
        params = self.template.get("Parameters")
        self.params: dict[str, Any] = {}
        for name, spec in (params if isinstance(params, dict) else {}).items():
            if isinstance(spec, dict) and "Default" in spec:
                self.params[str(name)] = spec["Default"]
        self.pseudo = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "pipeline-stack",
            "AWS::NoValue": None,
        }

    def _props(self, logical: str) -> dict[str, Any]:
        props = self.resources.get(logical, {}).get("Properties")
        return props if isinstance(props, dict) else {}

    def _type(self, logical: str) -> str:
        return str(self.resources.get(logical, {}).get("Type", ""))

    def name_of(self, logical: str) -> Any:
        key = REF_NAME.get(self._type(logical), "")
        named = self.value(self._props(logical).get(key)) if key else None
        return named if isinstance(named, str) else logical

    def _arn(self, logical: str) -> str:
        service, shape = GETATT_ARN.get(self._type(logical), ("", "{name}"))
        name = self.name_of(logical)
        if not service:
            service = self._type(logical).split("::")[1].lower() if "::" in self._type(
                logical
            ) else "unknown"  # fmt: skip
        region = "" if service in ("iam", "s3") else self.region
        account = "" if service == "s3" else self.account
        return f"arn:aws:{service}:{region}:{account}:{shape.format(name=name)}"

    def ref(self, target: str) -> Any:
        if target in self.pseudo:
            return self.pseudo[target]
        if target in self.params:
            return self.value(self.params[target])
        if target in self.resources:
            kind = self._type(target)
            if kind in REF_ARN:
                service, shape, key = REF_ARN[kind]
                named = self.value(self._props(target).get(key)) if key else None
                name = named if isinstance(named, str) else target
                return f"arn:aws:{service}:{self.region}:{self.account}:{shape.format(name=name)}"
            return self.name_of(target)
        return None

    def getatt(self, target: str, attribute: str) -> Any:
        if target not in self.resources:
            return None
        if attribute == "Arn":
            return self._arn(target)
        if attribute in ("Name", "RepositoryUri"):
            name = self.name_of(target)
            if attribute == "RepositoryUri":
                return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{name}"
            return name
        return None

    def value(self, node: Any) -> Any:
        """The node with every intrinsic function evaluated (None where one cannot be)."""
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1:
            return {k: self.value(v) for k, v in node.items()}
        ((fn, arg),) = node.items()
        if fn == "Ref" and isinstance(arg, str):
            return self.ref(arg)
        if fn == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else arg
            if isinstance(parts, list) and len(parts) == 2:
                return self.getatt(str(parts[0]), str(parts[1]))
            return None
        if fn == "Fn::Sub":
            return self._sub(arg)
        if fn in ("Fn::If", "Fn::Join", "Fn::Select", "Fn::Equals", "Fn::FindInMap"):
            return self._other(fn, arg, node)
        if fn.startswith("Fn::") or fn == "Condition":
            return self._template_value(node)
        return {fn: self.value(arg)}

    def _sub(self, arg: Any) -> Any:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if (
            isinstance(arg, list) and len(arg) == 2
        ) else (None, {})  # fmt: skip
        if not isinstance(text, str) or not isinstance(local, dict):
            return None
        missing = False

        def one(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1)
            if name in local:
                got = self.value(local[name])
            elif "." in name:
                got = self.getatt(*name.split(".", 1))
            else:
                got = self.ref(name)
            if got is None:
                missing = True
                return match.group(0)
            return str(got)

        out = _SUB.sub(one, text.replace("${!", "\x00"))
        return None if missing else out.replace("\x00", "${")

    def _other(self, fn: str, arg: Any, node: Any) -> Any:
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = self.value(arg[1])
            if not isinstance(parts, list) or any(p is None for p in parts):
                return None
            return str(arg[0]).join(str(p) for p in parts)
        if fn == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            items = self.value(arg[1])
            index = self.value(arg[0])
            try:
                return items[int(index)]
            except (TypeError, ValueError, IndexError):
                return None
        if fn == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            return self.value(arg[0]) == self.value(arg[1])
        if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            conditions = self.template.get("Conditions") or {}
            test = self.value(conditions.get(arg[0])) if isinstance(conditions, dict) else None
            branch = arg[1] if test is not False else arg[2]
            return self.value(branch)
        return self._template_value(node)

    def _template_value(self, node: Any) -> Any:
        from simulator.scenarios import template_value

        return template_value(self.template, node, account=self.account, region=self.region)

    # -- conversion --------------------------------------------------------------------------
    def conversions(self, filename: str) -> list[Conversion]:
        projects = self._projects()
        applications, configs = self._codedeploy()
        out = []
        for logical, res in self.resources.items():
            if res.get("Type") != PIPELINE:
                continue
            conv = Conversion(PipelineForm.CLOUDFORMATION, filename, label=logical)
            conv.projects, conv.applications, conv.deployment_configs = (
                projects,
                applications,
                configs,
            )
            props = self._props(logical)
            base: Path = ("Resources", logical, "Properties")
            body = self._convert(props, base, ("pipeline",), conv, inside_config=False)
            if not isinstance(body, dict):
                body = {}
            name = self.value(props.get("Name")) if "Name" in props else logical
            body = {"name": name if name is not None else logical, **body}
            conv.source_paths[("pipeline", "name")] = (*base, "Name")
            conv.locate = self._spot
            conv.document = {"pipeline": body}
            out.append(conv)
        return out

    def _spot(self, path: Path) -> tuple[tuple[int, int], tuple[int, int]]:
        return self.loaded.position(path), self.loaded.position(path, key=True)

    def _convert(
        self, node: Any, source: Path, target: Path, conv: Conversion, inside_config: bool
    ) -> Any:
        conv.source_paths[target] = source
        if is_intrinsic(node):
            ((fn, arg),) = node.items()
            if fn == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                conditions = self.template.get("Conditions")
                test = self.value(conditions.get(arg[0])) if isinstance(conditions, dict) else None
                index = 1 if test is not False else 2
                return self._convert(arg[index], (*source, fn, index), target, conv, inside_config)
            evaluated = self.value(node)
            if evaluated is None:
                if self.run:
                    conv.unknown.append(format_path(source))
                    return None
                return copy.deepcopy(node)
            return evaluated
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, item in node.items():
                if target == ("pipeline",) and key in _SKIP_KEYS:
                    continue
                if inside_config:
                    new_key, deeper = key, True
                else:
                    new_key, deeper = _camel(str(key)), key == "Configuration"
                converted = self._convert(item, (*source, key), (*target, new_key), conv, deeper)
                if key == "Configuration" and not inside_config and isinstance(converted, dict):
                    converted = {k: self._config_text(v) for k, v in converted.items()}
                if converted is None and (self.run or item == NO_VALUE):
                    continue
                out[new_key] = converted
            return out
        if isinstance(node, list):
            items: list[Any] = []
            for index, item in enumerate(node):
                if item == NO_VALUE:
                    continue
                converted = self._convert(
                    item, (*source, index), (*target, len(items)), conv, inside_config
                )
                if converted is None and self.run:
                    continue
                items.append(converted)
            return items
        return node

    @staticmethod
    def _config_text(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return value

    def _projects(self) -> dict[str, BuildProject]:
        out = {}
        for logical, res in self.resources.items():
            if res.get("Type") != "AWS::CodeBuild::Project":
                continue
            props = self._props(logical)
            name = self.name_of(logical)
            project = BuildProject(name=str(name), declared_at=f"Resources.{logical}")
            source: dict[str, Any] = _mapping(props.get("Source"))
            spec = self.value(source.get("BuildSpec"))
            project.buildspec = spec if isinstance(spec, str) and spec.strip() else None
            env: dict[str, Any] = _mapping(props.get("Environment"))
            project.image = self.value(env.get("Image"))
            project.privileged = self.value(env.get("PrivilegedMode")) in (True, "true")
            for var in env.get("EnvironmentVariables") or []:
                if not isinstance(var, dict):
                    continue
                key, value = self.value(var.get("Name")), self.value(var.get("Value"))
                if isinstance(key, str) and value is not None:
                    project.variables.append(
                        {
                            "name": key,
                            "value": str(self._config_text(value)),
                            "type": str(var.get("Type", "PLAINTEXT")),
                        }
                    )
            timeout = self.value(props.get("TimeoutInMinutes"))
            if isinstance(timeout, int) or (isinstance(timeout, str) and timeout.isdigit()):
                project.timeout_minutes = int(timeout)
            out[project.name] = project
        return out

    def _codedeploy(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        applications: dict[str, dict[str, Any]] = {}
        configs: dict[str, dict[str, Any]] = {}
        for logical, res in self.resources.items():
            kind, props = res.get("Type"), self._props(logical)
            if kind == "AWS::CodeDeploy::Application":
                entry = applications.setdefault(str(self.name_of(logical)), {
                    "deployment_groups": {}})  # fmt: skip
                entry["compute_platform"] = self.value(props.get("ComputePlatform")) or "Server"
                entry["declared_at"] = f"Resources.{logical}"
            elif kind == "AWS::CodeDeploy::DeploymentConfig":
                spec = _custom_config(props, self)
                if spec is not None:
                    configs[str(self.name_of(logical))] = spec
        for logical, res in self.resources.items():
            if res.get("Type") != "AWS::CodeDeploy::DeploymentGroup":
                continue
            props = self._props(logical)
            app = self.value(props.get("ApplicationName"))
            if not isinstance(app, str):
                continue
            entry = applications.setdefault(app, {"deployment_groups": {}})
            entry["deployment_groups"][str(self.name_of(logical))] = self._group(logical, props)
        return applications, configs

    def _group(self, logical: str, props: dict[str, Any]) -> dict[str, Any]:
        group: dict[str, Any] = {"declared_at": f"Resources.{logical}"}
        config = self.value(props.get("DeploymentConfigName"))
        if isinstance(config, str):
            group["deployment_config"] = config
        style = self.value(props.get("DeploymentStyle"))
        if isinstance(style, dict):
            if isinstance(style.get("DeploymentType"), str):
                group["deployment_type"] = style["DeploymentType"]
            if isinstance(style.get("DeploymentOption"), str):
                group["load_balancer"] = style["DeploymentOption"] == "WITH_TRAFFIC_CONTROL"
        tags = {}
        for tag in self.value(props.get("Ec2TagFilters")) or []:
            if isinstance(tag, dict) and isinstance(tag.get("Key"), str):
                tags[tag["Key"]] = str(tag.get("Value", ""))
        if tags:
            group["ec2_tags"] = tags
        for service in (self.value(props.get("ECSServices")) or [])[:1]:
            if isinstance(service, dict):
                group["cluster"] = str(service.get("ClusterName", ""))
                group["service"] = str(service.get("ServiceName", ""))
        alarms = self.value(props.get("AlarmConfiguration"))
        if isinstance(alarms, dict):
            names = [a.get("Name") for a in alarms.get("Alarms") or [] if isinstance(a, dict)]
            enabled = alarms.get("Enabled", bool(names)) in (True, "true")
            group["alarms"] = [str(n) for n in names if n] if enabled else []
        rollback = self.value(props.get("AutoRollbackConfiguration"))
        if isinstance(rollback, dict):
            enabled = rollback.get("Enabled", False) in (True, "true")
            group["auto_rollback"] = list(rollback.get("Events") or []) if enabled else []
        blue_green = self.value(props.get("BlueGreenDeploymentConfiguration"))
        if isinstance(blue_green, dict):
            term = blue_green.get("TerminateBlueInstancesOnDeploymentSuccess")
            if isinstance(term, dict):
                group["terminate_original"] = str(term.get("Action", "TERMINATE"))
                wait = term.get("TerminationWaitTimeInMinutes")
                if isinstance(wait, int | float):
                    group["termination_wait_minutes"] = wait
        info = self.value(props.get("LoadBalancerInfo"))
        if isinstance(info, dict):
            pairs = info.get("TargetGroupPairInfoList") or []
            if pairs and isinstance(pairs[0], dict):
                group["test_listener"] = bool(pairs[0].get("TestTrafficRoute"))
        return group


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _custom_config(props: dict[str, Any], reader: CloudFormationReader) -> dict[str, Any] | None:
    hosts = reader.value(props.get("MinimumHealthyHosts"))
    if isinstance(hosts, dict):
        return {"minimum_healthy_hosts": {"type": hosts.get("Type"), "value": hosts.get("Value")}}
    routing = reader.value(props.get("TrafficRoutingConfig"))
    if isinstance(routing, dict):
        kind = routing.get("Type")
        prefix = "Canary" if kind == "TimeBasedCanary" else "Linear"
        detail: dict[str, Any] = _mapping(routing.get(str(kind)))
        return {
            "traffic_routing": {
                "type": kind,
                "percentage": detail.get(f"{prefix}Percentage"),
                "interval": detail.get(f"{prefix}Interval"),
            }
        }
    return None
