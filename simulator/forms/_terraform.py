"""Terraform HCL (aws_codepipeline and the CodeBuild/CodeDeploy resources) to the pipeline model."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator._findings import Path
from simulator._rules import did_you_mean
from simulator.forms._hcl import (
    Attribute,
    Block,
    Body,
    Evaluator,
    Expr,
    HclSyntaxError,
    Position,
    Step,
    Unknown,
    duplicate_keys,
    element_positions,
    has_unknown,
    key_positions,
    parse,
)
from simulator.forms._model import (
    BuildProject,
    Conversion,
    PipelineForm,
    form_finding,
)

# Resource types this reader converts: a reference to one that is not declared is an error,
# as `terraform validate` says. Other types (IAM roles, buckets, keys, clusters...) stand for
# resources managed elsewhere: their names come from their labels (see docs/pipeline-forms.md).
CONVERTED = (
    "aws_codepipeline",
    "aws_codebuild_project",
    "aws_codedeploy_app",
    "aws_codedeploy_deployment_group",
    "aws_codedeploy_deployment_config",
)
NAME_ATTRIBUTE = {
    "aws_codepipeline": "name",
    "aws_codebuild_project": "name",
    "aws_codedeploy_app": "name",
    "aws_codedeploy_deployment_group": "deployment_group_name",
    "aws_codedeploy_deployment_config": "deployment_config_name",
    "aws_s3_bucket": "bucket",
    "aws_iam_role": "name",
    "aws_sns_topic": "name",
    "aws_ecs_cluster": "name",
    "aws_ecs_service": "name",
    "aws_ecr_repository": "name",
    "aws_lb_target_group": "name",
    "aws_lb": "name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_codestarconnections_connection": "name",
    "aws_lambda_function": "function_name",
    "aws_codecommit_repository": "repository_name",
}
# (service, resource part of the ARN) by type; the region and account are the world's.
ARN_SHAPES = {
    "aws_iam_role": ("iam", "role/{name}"),
    "aws_s3_bucket": ("s3", "{name}"),
    "aws_sns_topic": ("sns", "{name}"),
    "aws_kms_key": ("kms", "key/{key}"),
    "aws_codestarconnections_connection": ("codestar-connections", "connection/{key}"),
    "aws_ecs_cluster": ("ecs", "cluster/{name}"),
    "aws_ecs_service": ("ecs", "service/{name}"),
    "aws_lb_listener": ("elasticloadbalancing", "listener/app/{name}/{key}"),
    "aws_lb_target_group": ("elasticloadbalancing", "targetgroup/{name}/{key}"),
    "aws_cloudwatch_metric_alarm": ("cloudwatch", "alarm:{name}"),
    "aws_ecr_repository": ("ecr", "repository/{name}"),
    "aws_lambda_function": ("lambda", "function:{name}"),
    "aws_codebuild_project": ("codebuild", "project/{name}"),
    "aws_codepipeline": ("codepipeline", "{name}"),
    "aws_codecommit_repository": ("codecommit", "{name}"),
    "aws_codedeploy_app": ("codedeploy", "application:{name}"),
}
GLOBAL_SERVICES = ("iam", "s3")

# Arguments (attrs) and blocks (name -> schema) Terraform's AWS provider accepts, with the
# required ones marked "*"; None as a schema means "not checked inside".
Schema = dict[str, Any]
_FILTER: Schema = {"attrs": ["includes", "excludes"], "blocks": {}}
PIPELINE_SCHEMA: Schema = {
    "attrs": ["name*", "role_arn*", "pipeline_type", "execution_mode", "tags", "tags_all"],
    "blocks": {
        "artifact_store*": {
            "attrs": ["location*", "type*", "region"],
            "blocks": {"encryption_key": {"attrs": ["id*", "type*"], "blocks": {}}},
        },
        "stage*": {
            "attrs": ["name*"],
            "blocks": {
                "action*": {
                    "attrs": [
                        "name*", "category*", "owner*", "provider*", "version*",
                        "configuration", "input_artifacts", "output_artifacts", "role_arn",
                        "run_order", "region", "namespace", "timeout_in_minutes", "commands",
                        "output_variables",
                    ],
                    "blocks": {},
                },
                "before_entry": None,
                "on_success": None,
                "on_failure": None,
            },
        },
        "variable": {"attrs": ["name*", "default_value", "description"], "blocks": {}},
        "trigger": {
            "attrs": ["provider_type*"],
            "blocks": {
                "git_configuration*": {
                    "attrs": ["source_action_name*"],
                    "blocks": {
                        "push": {
                            "attrs": [],
                            "blocks": {"branches": _FILTER, "file_paths": _FILTER, "tags": _FILTER},
                        },
                        "pull_request": {
                            "attrs": ["events"],
                            "blocks": {"branches": _FILTER, "file_paths": _FILTER},
                        },
                    },
                }
            },
        },
    },
}  # fmt: skip
PROJECT_SCHEMA: Schema = {
    "attrs": [
        "name*", "description", "build_timeout", "queued_timeout", "service_role*",
        "concurrent_build_limit", "encryption_key", "project_visibility", "badge_enabled",
        "source_version", "tags", "tags_all", "resource_access_role", "auto_retry_limit",
    ],
    "blocks": {
        "artifacts*": None,
        "environment*": {
            "attrs": [
                "compute_type*", "image*", "type*", "image_pull_credentials_type",
                "privileged_mode", "certificate", "fleet",
            ],
            "blocks": {
                "environment_variable": {"attrs": ["name*", "value*", "type"], "blocks": {}},
                "registry_credential": None,
                "docker_server": None,
            },
        },
        "source*": {
            "attrs": [
                "type*", "buildspec", "location", "git_clone_depth", "insecure_ssl",
                "report_build_status",
            ],
            "blocks": {"git_submodules_config": None, "auth": None, "build_status_config": None},
        },
        "cache": None, "logs_config": None, "vpc_config": None, "secondary_sources": None,
        "secondary_artifacts": None, "secondary_source_version": None,
        "file_system_locations": None, "build_batch_config": None,
    },
}  # fmt: skip
APP_SCHEMA: Schema = {"attrs": ["name*", "compute_platform", "tags", "tags_all"], "blocks": {}}
GROUP_SCHEMA: Schema = {
    "attrs": [
        "app_name*", "deployment_group_name*", "service_role_arn*", "deployment_config_name",
        "autoscaling_groups", "outdated_instances_strategy", "termination_hook_enabled", "tags",
        "tags_all",
    ],
    "blocks": {
        "alarm_configuration": {
            "attrs": ["alarms", "enabled", "ignore_poll_alarm_failure"], "blocks": {},
        },
        "auto_rollback_configuration": {"attrs": ["enabled", "events"], "blocks": {}},
        "blue_green_deployment_config": None,
        "deployment_style": {"attrs": ["deployment_option", "deployment_type"], "blocks": {}},
        "ec2_tag_filter": {"attrs": ["key", "type", "value"], "blocks": {}},
        "ec2_tag_set": None,
        "ecs_service": {"attrs": ["cluster_name*", "service_name*"], "blocks": {}},
        "load_balancer_info": None,
        "on_premises_instance_tag_filter": None,
        "trigger_configuration": None,
    },
}  # fmt: skip
CONFIG_SCHEMA: Schema = {
    "attrs": ["deployment_config_name*", "compute_platform"],
    "blocks": {
        "minimum_healthy_hosts": {"attrs": ["type", "value"], "blocks": {}},
        "traffic_routing_config": None,
        "zonal_config": None,
    },
}
SCHEMAS = {
    "aws_codepipeline": PIPELINE_SCHEMA,
    "aws_codebuild_project": PROJECT_SCHEMA,
    "aws_codedeploy_app": APP_SCHEMA,
    "aws_codedeploy_deployment_group": GROUP_SCHEMA,
    "aws_codedeploy_deployment_config": CONFIG_SCHEMA,
}
META_ARGUMENTS = ("count", "for_each", "depends_on", "provider")
# Blocks that become lists in get-pipeline JSON (the rest become one object).
_LIST_BLOCKS = {"stage": "stages", "action": "actions", "variable": "variables",
                "trigger": "triggers", "push": "push", "pull_request": "pullRequest",
                "condition": "conditions", "rule": "rules"}  # fmt: skip
_TYPE_FIELDS = ("category", "owner", "provider", "version")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _key_of(value: str) -> str:
    digest = hashlib.sha1(value.encode(), usedforsecurity=False).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


@dataclass
class _Module:
    """The declarations of one Terraform module (all its .tf files)."""

    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    local_files: dict[str, str] = field(default_factory=dict)


class TerraformReader:
    """Reads a module's .tf files into Conversions; run=True fills unknowns with world values."""

    def __init__(
        self,
        files: Mapping[str, str],
        *,
        account: str = "123456789012",
        region: str = "us-east-1",
        run: bool = False,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.files = dict(files)
        self.account, self.region, self.run = account, region, run
        self.overrides = dict(variables or {})
        self.findings: list[Any] = []
        self.module = _Module()
        self.bodies: dict[str, Body] = {}
        self._evaluating: set[str] = set()
        self._reported: set[tuple[str, Position]] = set()
        self._file = ""
        self.evaluator = Evaluator(self._resolve, self._read_file)
        for name, text in self.files.items():
            if not name.endswith(".tf"):
                continue
            try:
                self.bodies[name] = parse(text, name)
            except HclSyntaxError as exc:
                self.findings.append(
                    form_finding(
                        "TF001",
                        f"syntax error: {exc.message}",
                        "check the braces, quotes and `=` signs on this line and the one before",
                        name,
                        (exc.line, exc.column),
                    )
                )
        for name, body in self.bodies.items():
            self._declare(name, body)

    # -- declarations ------------------------------------------------------------------------
    def _declare(self, file: str, body: Body) -> None:
        for block in body.blocks:
            if block.type == "variable" and block.labels:
                self.module.variables[block.labels[0]] = block
            elif block.type == "locals":
                for attr in block.body.attributes.values():
                    self.module.locals[attr.name] = attr
                    self._files_of[attr.name] = file
            elif block.type in ("resource", "data") and len(block.labels) == 2:
                table = self.module.resources if block.type == "resource" else self.module.data
                key = (block.labels[0], block.labels[1])
                if key in table:
                    self.findings.append(
                        form_finding(
                            "TF006",
                            f"{block.type} {'.'.join(key)} is declared twice (first in "
                            f"{table[key].file} line {table[key].position[0]})",
                            "give each resource its own name (the second label)",
                            file,
                            block.position,
                        )
                    )
                    continue
                table[key] = block

    @property
    def _files_of(self) -> dict[str, str]:
        return self.module.local_files

    def _read_file(self, name: str) -> str | None:
        clean = name.removeprefix("${path.module}/").removeprefix("./")
        return self.files.get(clean)

    # -- references --------------------------------------------------------------------------
    def _error(self, code: str, message: str, hint: str, at: Position) -> None:
        if (message, at) in self._reported:
            return
        self._reported.add((message, at))
        self.findings.append(form_finding(code, message, hint, self._file, at))

    def _resolve(self, steps: list[Step], at: Position) -> Any:
        head = str(steps[0])
        if head == "var" and len(steps) >= 2:
            return self._index(self._variable(str(steps[1]), at), steps[2:], steps, at)
        if head == "local" and len(steps) >= 2:
            return self._index(self._local(str(steps[1]), at), steps[2:], steps, at)
        if head == "path" and len(steps) >= 2:
            return "."
        if head == "data" and len(steps) >= 3:
            return self._data(str(steps[1]), str(steps[2]), steps[3:], at)
        if head == "each" or head == "count" or head == "self":
            return Unknown(".".join(map(str, steps)), f"{head}.* is not evaluated here")
        if len(steps) >= 2 and "_" in head:
            return self._resource(head, str(steps[1]), steps[2:], at)
        self._error(
            "TF002",
            f"{'.'.join(map(str, steps))} refers to nothing declared",
            "references are var.NAME, local.NAME, TYPE.NAME.ATTRIBUTE or data.TYPE.NAME.ATTRIBUTE",
            at,
        )
        return Unknown(".".join(map(str, steps)), "an unknown reference")

    def _index(self, value: Any, rest: list[Step], steps: list[Step], at: Position) -> Any:
        for step in rest:
            if isinstance(value, Unknown):
                return value
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                self._error(
                    "TF002",
                    f"{'.'.join(map(str, steps))}: the value has no {step!r}",
                    "check the attribute or index name",
                    at,
                )
                return Unknown(".".join(map(str, steps)), "a missing attribute")
        return value

    def _variable(self, name: str, at: Position) -> Any:
        if name in self.overrides:
            return self.overrides[name]
        block = self.module.variables.get(name)
        if block is None:
            self._error(
                "TF002",
                f"var.{name} is not declared",
                join(
                    _suggest(name, list(self.module.variables), "var."),
                    f'declare it: variable "{name}" {{ default = ... }}',
                ),
                at,
            )
            return Unknown(f"var.{name}", "an undeclared variable")
        default = block.body.attributes.get("default")
        if default is None:
            saved, self._file = self._file, block.file
            self._error(
                "TF007",
                f'variable "{name}" has no default value, so the simulator has no value for it',
                "add default = ... (there is no terraform.tfvars or -var here)",
                block.position,
            )
            self._file = saved
            return Unknown(f"var.{name}", "a variable without a value")
        return self._in_file(block.file, default.expr)

    def _local(self, name: str, at: Position) -> Any:
        attr = self.module.locals.get(name)
        if attr is None:
            self._error(
                "TF002",
                f"local.{name} is not declared",
                join(
                    _suggest(name, list(self.module.locals), "local."),
                    "declare it in a locals { } block",
                ),
                at,
            )
            return Unknown(f"local.{name}", "an undeclared local value")
        if name in self._evaluating:
            self._error("TF002", f"local.{name} refers to itself", "break the cycle", at)
            return Unknown(f"local.{name}", "a cycle")
        self._evaluating.add(name)
        try:
            return self._in_file(self._files_of.get(name, self._file), attr.expr)
        finally:
            self._evaluating.discard(name)

    def _in_file(self, file: str, expr: Expr) -> Any:
        saved, self._file = self._file, file
        try:
            return self.evaluator.value(expr)
        finally:
            self._file = saved

    def _data(self, kind: str, name: str, rest: list[Step], at: Position) -> Any:
        text = f"data.{kind}.{name}"
        attr = str(rest[0]) if rest else ""
        if not self.run:
            return Unknown(f"{text}.{attr}".rstrip("."), "a data source (read at plan time)")
        if kind == "aws_region" and attr in ("name", "id", "region"):
            return self.region
        if kind == "aws_caller_identity" and attr in ("account_id", "id"):
            return self.account
        if kind == "aws_partition" and attr in ("partition", "id"):
            return "aws"
        return f"{name.replace('_', '-')}"

    def _resource(self, kind: str, name: str, rest: list[Step], at: Position) -> Any:
        block = self.module.resources.get((kind, name))
        address = f"{kind}.{name}"
        if block is None and kind in CONVERTED:
            same = [n for (k, n) in self.module.resources if k == kind]
            self._error(
                "TF002",
                f"{address} is not declared (terraform: Reference to undeclared resource)",
                join(
                    _suggest(name, same, f"{kind}."),
                    f'declare resource "{kind}" "{name}" or refer to one that exists',
                ),
                at,
            )
            return Unknown(".".join([address, *map(str, rest)]), "an undeclared resource")
        if not rest:
            return Unknown(address, "a whole resource object")
        attr = str(rest[0])
        if block is not None and attr in block.body.attributes:
            if address in self._evaluating:
                return Unknown(f"{address}.{attr}", "a cycle")
            self._evaluating.add(address)
            try:
                value = self._in_file(block.file, block.body.attributes[attr].expr)
            finally:
                self._evaluating.discard(address)
            return self._index(value, rest[1:], [address, *rest], at)
        if not self.run:
            return Unknown(f"{address}.{attr}", "known after apply")
        return self._computed(kind, name, block, attr)

    def _name_of(self, kind: str, label: str, block: Block | None) -> str:
        key = NAME_ATTRIBUTE.get(kind)
        if block is not None and key and key in block.body.attributes:
            value = self._in_file(block.file, block.body.attributes[key].expr)
            if isinstance(value, str):
                return value
        return label.replace("_", "-")

    def _computed(self, kind: str, label: str, block: Block | None, attr: str) -> Any:
        name = self._name_of(kind, label, block)
        if attr in ("arn",) and kind in ARN_SHAPES:
            service, shape = ARN_SHAPES[kind]
            region = "" if service in GLOBAL_SERVICES else self.region
            account = "" if service == "s3" else self.account
            part = shape.format(name=name, key=_key_of(f"{kind}.{label}"))
            return f"arn:aws:{service}:{region}:{account}:{part}"
        if attr == "repository_url":
            return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{name}"
        if kind == "aws_kms_key" and attr in ("id", "key_id"):
            return _key_of(f"{kind}.{label}")
        return name

    # -- conversion --------------------------------------------------------------------------
    def conversions(self) -> list[Conversion]:
        """One Conversion per aws_codepipeline resource (its projects and groups attached)."""
        projects, applications, configs, extra = self._around()
        pipelines = [
            (key, block)
            for key, block in self.module.resources.items()
            if key[0] == "aws_codepipeline"
        ]
        out = []
        for (_kind, label), block in pipelines:
            conv = Conversion(PipelineForm.TERRAFORM, block.file, label=f"aws_codepipeline.{label}")
            conv.projects, conv.applications, conv.deployment_configs = (
                projects,
                applications,
                configs,
            )
            self._file = block.file
            before = len(self.findings)
            conv.document = {"pipeline": self._pipeline(block, conv)}
            conv.findings = [*self.findings[before:]]
            out.append(conv)
        shared = [f for f in self.findings if not any(f in c.findings for c in out)]
        for conv in out:
            conv.findings = [*shared, *conv.findings, *extra]
        if not out:
            first = next(iter(self.bodies), next(iter(self.files), "main.tf"))
            conv = Conversion(PipelineForm.TERRAFORM, first)
            conv.findings = [*self.findings, *extra]
            if not any(f.code == "TF001" for f in self.findings):
                conv.findings.append(
                    form_finding(
                        "TF009",
                        'no resource "aws_codepipeline" in this configuration',
                        'declare the pipeline: resource "aws_codepipeline" "NAME" { ... }',
                        first,
                        (1, 1),
                    )
                )
            out.append(conv)
        return out

    def _schema(
        self, body: Body, schema: Schema | None, where: str, at: Position, top: bool = False
    ) -> None:
        if schema is None:
            return
        attrs = {a.rstrip("*"): a.endswith("*") for a in schema["attrs"]}
        blocks = {b.rstrip("*"): (b.endswith("*"), s) for b, s in schema["blocks"].items()}
        blocks["dynamic"] = (False, None)  # generated blocks: not checked inside
        if top:  # Terraform's meta-arguments, valid in every resource
            attrs.update(dict.fromkeys(META_ARGUMENTS, False))
            blocks["lifecycle"] = (False, None)
        for dup in body.duplicates:
            self._error(
                "TF008",
                f"{where}: the argument {dup.name} is set twice",
                "keep one of the two lines",
                dup.position,
            )
        for attr in body.attributes.values():
            if attr.name in attrs:
                continue
            hint = did_you_mean(attr.name, [*attrs, *blocks])
            if attr.name in blocks:
                hint = f"{attr.name} is a block: write {attr.name} {{ ... }} without `=`"
            self._error(
                "TF003",
                f"{where}: an argument named {attr.name!r} is not expected here",
                join(hint, f"arguments here: {', '.join(sorted(attrs))}"),
                attr.position,
            )
        for block in body.blocks:
            if block.type not in blocks:
                hint = did_you_mean(block.type, [*blocks, *attrs])
                if block.type in attrs:
                    hint = f"{block.type} is an argument: write {block.type} = ..."
                self._error(
                    "TF003",
                    f"{where}: a block of type {block.type!r} is not expected here",
                    join(hint, f"blocks here: {', '.join(sorted(blocks)) or 'none'}"),
                    block.position,
                )
                continue
            self._schema(block.body, blocks[block.type][1], f"{where}.{block.type}", block.position)
        for name, required in attrs.items():
            if required and name not in body.attributes:
                self._error(
                    "TF004",
                    f"{where}: the argument {name!r} is required",
                    f"add {name} = ...",
                    at,
                )
        for name, (required, _s) in blocks.items():
            if required and not body.blocks_of(name):
                self._error(
                    "TF004", f"{where}: at least one {name} block is required",
                    f"add a {name} {{ ... }} block", at,
                )  # fmt: skip

    def _value(self, attr: Attribute, conv: Conversion | None = None) -> Any:
        value = self.evaluator.value(attr.expr)
        if conv is not None and has_unknown(value):
            conv.unknown.append(f"{attr.name} = {value}")
        return _checkable(value)

    def _pipeline(self, block: Block, conv: Conversion) -> dict[str, Any]:
        address = f"aws_codepipeline.{block.labels[1]}"
        self._schema(block.body, PIPELINE_SCHEMA, address, block.position, top=True)
        root: Path = ("pipeline",)
        conv.place(root, block.position, block.position, address)
        return self._object(block.body, root, address, conv, top=True)

    def _object(
        self, body: Body, path: Path, shown: str, conv: Conversion, top: bool = False
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr in body.attributes.values():
            if attr.name in ("tags", "tags_all"):
                continue
            self._attribute(attr, out, path, shown, conv)
        if top and body.blocks_of("artifact_store"):
            stores = body.blocks_of("artifact_store")
            regional = [s for s in stores if "region" in s.body.attributes]
            if regional:
                mapping: dict[str, Any] = {}
                for index, store in enumerate(stores):
                    region = self._value(store.body.attributes["region"]) if (
                        "region" in store.body.attributes
                    ) else self.region  # fmt: skip
                    spath = (*path, "artifactStores", str(region))
                    conv.place(spath, store.position, store.position,
                               f"{shown}.artifact_store[{index}]")  # fmt: skip
                    item = self._object(store.body, spath, f"{shown}.artifact_store[{index}]", conv)
                    item.pop("region", None)
                    mapping[str(region)] = item
                out["artifactStores"] = mapping
            else:
                spath = (*path, "artifactStore")
                conv.place(spath, stores[0].position, stores[0].position,
                           f"{shown}.artifact_store")  # fmt: skip
                out["artifactStore"] = self._object(
                    stores[0].body, spath, f"{shown}.artifact_store", conv
                )
        counts: dict[str, int] = {}
        for child in body.blocks:
            if top and child.type == "artifact_store":
                continue
            key = _LIST_BLOCKS.get(child.type)
            index = counts.get(child.type, 0)
            counts[child.type] = index + 1
            if key is None:
                cpath: Path = (*path, _camel(child.type))
                cshown = f"{shown}.{child.type}"
                conv.place(cpath, child.position, child.position, cshown)
                out[_camel(child.type)] = self._object(child.body, cpath, cshown, conv)
                continue
            cpath = (*path, key, index)
            cshown = f"{shown}.{child.type}[{index}]"
            conv.place((*path, key), child.position, child.position, f"{shown}.{child.type}")
            conv.place(cpath, child.position, child.position, cshown)
            item = (
                self._action(child.body, cpath, cshown, conv)
                if child.type == "action"
                else self._object(child.body, cpath, cshown, conv)
            )
            out.setdefault(key, []).append(item)
        return out

    def _attribute(
        self, attr: Attribute, out: dict[str, Any], path: Path, shown: str, conv: Conversion
    ) -> None:
        key = _camel(attr.name)
        apath = (*path, key)
        conv.place(apath, attr.expr.position, attr.position, f"{shown}.{attr.name}")
        out[key] = self._value(attr, conv)

    def _action(self, body: Body, path: Path, shown: str, conv: Conversion) -> dict[str, Any]:
        out: dict[str, Any] = {}
        type_id: dict[str, Any] = {}
        for attr in body.attributes.values():
            apath = (*path, _camel(attr.name))
            ashown = f"{shown}.{attr.name}"
            if attr.name in _TYPE_FIELDS:
                tpath = (*path, "actionTypeId", attr.name)
                conv.place(tpath, attr.expr.position, attr.position, ashown)
                conv.place((*path, "actionTypeId"), attr.position, attr.position, shown)
                value = self._value(attr, conv)
                type_id[attr.name] = _text(value)
            elif attr.name in ("input_artifacts", "output_artifacts"):
                conv.place(apath, attr.expr.position, attr.position, ashown)
                value = self._value(attr, conv)
                spots = element_positions(attr.expr)
                items = []
                for i, name in enumerate(value if isinstance(value, list) else []):
                    ipath = (*apath, i, "name")
                    spot = spots[i] if i < len(spots) else attr.expr.position
                    conv.place((*apath, i), spot, spot, f"{ashown}[{i}]")
                    conv.place(ipath, spot, spot, f"{ashown}[{i}]")
                    items.append({"name": name})
                out[_camel(attr.name)] = items if isinstance(value, list) else value
            elif attr.name == "configuration":
                out["configuration"] = self._configuration(attr, apath, ashown, conv)
            else:
                conv.place(apath, attr.expr.position, attr.position, ashown)
                value = self._value(attr, conv)
                if attr.name in ("run_order", "timeout_in_minutes") and isinstance(value, str):
                    value = int(value) if value.isdigit() else value
                out[_camel(attr.name)] = value
        if type_id:
            out["actionTypeId"] = type_id
        return out

    def _configuration(self, attr: Attribute, path: Path, shown: str, conv: Conversion) -> Any:
        conv.place(path, attr.expr.position, attr.position, shown)
        value = self._value(attr, conv)
        if not isinstance(value, dict):
            return value
        spots = key_positions(attr.expr, self.evaluator)
        for key, at in duplicate_keys(attr.expr, self.evaluator):
            self._error("TF008", f"{shown}: the key {key} is set twice", "keep one of the two", at)
        out: dict[str, Any] = {}
        for key, item in value.items():
            key_at, value_at = spots.get(key, (attr.position, attr.expr.position))
            conv.place((*path, key), value_at, key_at, f"{shown}.{key}")
            out[key] = _text(item) if isinstance(item, bool | int | float) else item
        return out

    # -- the resources around the pipeline --------------------------------------------------
    def _around(self) -> tuple[dict[str, BuildProject], dict[str, dict[str, Any]],
                               dict[str, dict[str, Any]], list[Any]]:  # fmt: skip
        before = len(self.findings)
        projects: dict[str, BuildProject] = {}
        applications: dict[str, dict[str, Any]] = {}
        configs: dict[str, dict[str, Any]] = {}
        for (kind, label), block in self.module.resources.items():
            if kind not in SCHEMAS or kind == "aws_codepipeline":
                continue
            self._file = block.file
            self._schema(block.body, SCHEMAS[kind], f"{kind}.{label}", block.position, top=True)
            if kind == "aws_codebuild_project":
                project = self._project(block)
                projects[project.name] = project
            elif kind == "aws_codedeploy_app":
                name = self._name_of(kind, label, block)
                platform = self._attr(block, "compute_platform", "Server")
                applications.setdefault(name, {"deployment_groups": {}})
                applications[name]["compute_platform"] = platform
                applications[name]["declared_at"] = f"{block.file}:{block.position[0]}"
            elif kind == "aws_codedeploy_deployment_config":
                spec = self._config(block)
                if spec is not None:
                    configs[self._name_of(kind, label, block)] = spec
        for (kind, label), block in self.module.resources.items():
            if kind != "aws_codedeploy_deployment_group":
                continue
            self._file = block.file
            app = self._attr(block, "app_name", None)
            name = self._name_of(kind, label, block)
            if not isinstance(app, str):
                continue
            entry = applications.setdefault(app, {"deployment_groups": {}})
            entry["deployment_groups"][name] = self._group(block)
        extra = self.findings[before:]
        del self.findings[before:]
        return projects, applications, configs, extra

    def _attr(self, block: Block, name: str, default: Any) -> Any:
        attr = block.body.attributes.get(name)
        if attr is None:
            return default
        value = self._in_file(block.file, attr.expr)
        return default if isinstance(value, Unknown) else value

    def _project(self, block: Block) -> BuildProject:
        name = self._name_of("aws_codebuild_project", block.labels[1], block)
        project = BuildProject(name=name, declared_at=f"{block.file}:{block.position[0]}")
        for source in block.body.blocks_of("source")[:1]:
            spec = self._attr(source, "buildspec", None)
            project.buildspec = spec if isinstance(spec, str) and spec.strip() else None
        for env in block.body.blocks_of("environment")[:1]:
            project.image = self._attr(env, "image", None)
            project.privileged = self._attr(env, "privileged_mode", False) in (True, "true")
            for var in env.body.blocks_of("environment_variable"):
                key, value = self._attr(var, "name", None), self._attr(var, "value", None)
                if isinstance(key, str) and value is not None:
                    kind = self._attr(var, "type", "PLAINTEXT")
                    project.variables.append(
                        {"name": key, "value": _text(value), "type": str(kind)}
                    )
        timeout = self._attr(block, "build_timeout", None)
        if isinstance(timeout, int | str) and str(timeout).isdigit():
            project.timeout_minutes = int(timeout)
        return project

    def _config(self, block: Block) -> dict[str, Any] | None:
        for hosts in block.body.blocks_of("minimum_healthy_hosts")[:1]:
            value = self._attr(hosts, "value", None)
            return {
                "minimum_healthy_hosts": {
                    "type": self._attr(hosts, "type", "HOST_COUNT"),
                    "value": int(value) if isinstance(value, str) and value.isdigit() else value,
                }
            }
        for routing in block.body.blocks_of("traffic_routing_config")[:1]:
            kind = self._attr(routing, "type", "AllAtOnce")
            spec: dict[str, Any] = {"type": kind}
            inner = "time_based_canary" if kind == "TimeBasedCanary" else "time_based_linear"
            for detail in routing.body.blocks_of(inner)[:1]:
                spec["percentage"] = self._attr(detail, "percentage", None)
                spec["interval"] = self._attr(detail, "interval", None)
            return {"traffic_routing": spec}
        return None

    def _group(self, block: Block) -> dict[str, Any]:
        group: dict[str, Any] = {"declared_at": f"{block.file}:{block.position[0]}"}
        config = self._attr(block, "deployment_config_name", None)
        if isinstance(config, str):
            group["deployment_config"] = config
        for style in block.body.blocks_of("deployment_style")[:1]:
            kind = self._attr(style, "deployment_type", None)
            if isinstance(kind, str):
                group["deployment_type"] = kind
            option = self._attr(style, "deployment_option", None)
            if isinstance(option, str):
                group["load_balancer"] = option == "WITH_TRAFFIC_CONTROL"
        tags: dict[str, str] = {}
        filters = list(block.body.blocks_of("ec2_tag_filter"))
        for tag_set in block.body.blocks_of("ec2_tag_set"):
            filters.extend(tag_set.body.blocks_of("ec2_tag_filter"))
        for tag in filters:
            key, value = self._attr(tag, "key", None), self._attr(tag, "value", None)
            if isinstance(key, str) and value is not None:
                tags[key] = _text(value)
        if tags:
            group["ec2_tags"] = tags
        for service in block.body.blocks_of("ecs_service")[:1]:
            group["cluster"] = _text(self._attr(service, "cluster_name", ""))
            group["service"] = _text(self._attr(service, "service_name", ""))
        for alarms in block.body.blocks_of("alarm_configuration")[:1]:
            names = self._attr(alarms, "alarms", [])
            enabled = self._attr(alarms, "enabled", bool(names))
            group["alarms"] = (
                [_text(n) for n in names] if enabled and isinstance(names, list) else []
            )
        for rollback in block.body.blocks_of("auto_rollback_configuration")[:1]:
            enabled = self._attr(rollback, "enabled", False)
            events = self._attr(rollback, "events", [])
            group["auto_rollback"] = list(events) if enabled and isinstance(events, list) else []
        for bg in block.body.blocks_of("blue_green_deployment_config")[:1]:
            for term in bg.body.blocks_of("terminate_blue_instances_on_deployment_success")[:1]:
                action = self._attr(term, "action", "TERMINATE")
                group["terminate_original"] = str(action)
                wait = self._attr(term, "termination_wait_time_in_minutes", None)
                if isinstance(wait, int | float):
                    group["termination_wait_minutes"] = wait
        for info in block.body.blocks_of("load_balancer_info")[:1]:
            for pair in info.body.blocks_of("target_group_pair_info")[:1]:
                group["test_listener"] = bool(pair.body.blocks_of("test_traffic_route"))
        return group


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _checkable(value: Any) -> Any:
    """Unknown parts become CloudFormation-style references, which the rules skip."""
    if isinstance(value, Unknown):
        return {"Ref": value.text}
    if isinstance(value, dict):
        return {k: _checkable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_checkable(v) for v in value]
    return value


def _suggest(name: str, choices: list[str], prefix: str) -> str:
    """A did-you-mean hint; with one candidate only, that one."""
    hint = did_you_mean(name, choices)
    if hint:
        return hint.replace("'", "'" + prefix, 1)
    if len(choices) == 1:
        return f"the only one declared is {prefix}{choices[0]}"
    return ""


def join(*parts: str) -> str:
    """Hints joined with '; ', empty ones left out."""
    return "; ".join(p for p in parts if p)


def dumps(document: Mapping[str, Any]) -> str:
    """The converted get-pipeline JSON, for people and for the pipeline runner."""
    return json.dumps(document, indent=2)
