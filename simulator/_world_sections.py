"""Typed, read-only views of a live world's sections: what engines and graders read."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ParameterVersion:
    """One version of an SSM parameter."""

    version: int
    value: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Parameter:
    """An SSM parameter and its versions, oldest first."""

    name: str
    type: str
    versions: tuple[ParameterVersion, ...]

    @property
    def secure(self) -> bool:
        """A SecureString: its values must never show in a learner's output."""
        return self.type == "SecureString"


@dataclass(frozen=True, slots=True)
class SecretVersion:
    """One version of a secret with its staging labels."""

    id: str
    value: str
    stages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Secret:
    """A Secrets Manager secret and its versions."""

    name: str
    versions: tuple[SecretVersion, ...]


@dataclass(frozen=True, slots=True)
class Image:
    """An image in an ECR repository."""

    digest: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Repository:
    """An ECR repository and the account that owns it."""

    name: str
    account: str
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An S3 object's record (its bytes stay in the account: `World.s3_get` reads them)."""

    key: str
    size: int
    etag: str
    version_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Bucket:
    """An S3 bucket and its objects by key."""

    name: str
    region: str
    versioning: bool
    objects: Mapping[str, StoredObject] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alias:
    """A Lambda alias: its version and extra versions with a share of the traffic."""

    version: int
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Function:
    """A Lambda function: published versions, aliases and scripted hook outcomes."""

    name: str
    runtime: str
    versions: tuple[int, ...]
    aliases: Mapping[str, Alias]
    code_sha256: str
    hooks: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Alarm:
    """A CloudWatch alarm: its scripted behaviour and its state now."""

    name: str
    behaviour: str
    state: str
    minutes: float | None = None
    threshold: float | None = None

    @property
    def in_alarm(self) -> bool:
        """In ALARM now, or scripted to be in ALARM from the start."""
        return self.state == "ALARM" or self.behaviour == "alarm"


@dataclass(frozen=True, slots=True)
class Role:
    """An IAM role and the principals its trust policy names."""

    arn: str
    name: str
    account: str
    trust: tuple[str, ...] = ()

    def trusts(self, principal: str) -> bool:
        """Whether the trust policy names the principal (an account id, its root, a service)."""
        return principal in self.trust or f"arn:aws:iam::{principal}:root" in self.trust


@dataclass(frozen=True, slots=True)
class Topic:
    """An SNS topic and the messages published to it in this run."""

    name: str
    messages: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Stack:
    """A CloudFormation stack as the engines and the account last saw it."""

    name: str
    status: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    resources: tuple[str, ...] = ()
    change_set: Mapping[str, Any] | None = None


class SectionError(ValueError):
    """A section the world keeps as given (ec2, codedeploy) is not in a shape its reader needs."""


INSTANCE_HEALTH = ("healthy", "unhealthy", "stopped")


@dataclass(frozen=True, slots=True)
class Ec2Instance:
    """An EC2 instance: deployment groups name it or match its tags."""

    id: str
    tags: Mapping[str, str] = field(default_factory=dict)
    health: str = "healthy"  # healthy | unhealthy | stopped (attempted, and fails)
    files: tuple[str, ...] = ()  # on its disk before CodeDeploy's first install

    @property
    def healthy(self) -> bool:
        return self.health == "healthy"

    @property
    def stopped(self) -> bool:
        return self.health == "stopped"


@dataclass(frozen=True, slots=True)
class CodeDeployApplication:
    """A CodeDeploy application and its deployment groups' settings as the world declares them.

    A group's settings are the world's own mapping, not a copy: a blue/green deployment
    retargets its group to the replacement fleet (the deploy engine reads them into a
    DeploymentGroup and checks their values).
    """

    name: str
    compute_platform: str = "Server"  # Server | Lambda | ECS (checked by the deploy engine)
    deployment_groups: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileOwner:
    """The owner and group names CodeDeploy set on an installed path (outlive a sandbox)."""

    owner: str | None = None
    group: str | None = None


def _free(value: Any, where: str) -> dict[str, Any]:
    """A mapping of a section kept as given: empty when left out, else it must be a mapping."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SectionError(f"{where} must be a mapping")
    return value


def _free_names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SectionError(f"{where} must be a list of names")
    return tuple(value)


def ec2_instances(state: Mapping[str, Any]) -> dict[str, Ec2Instance]:
    """The EC2 instances under ec2.instances (SectionError names a malformed one)."""
    found = {}
    listed = _free(_free(state.get("ec2"), "ec2").get("instances"), "ec2.instances")
    for name, body in listed.items():
        where = f"ec2.instances.{name}"
        spec = _free(body, where)
        health = str(spec.get("health", "healthy")).lower()
        if health not in INSTANCE_HEALTH:
            raise SectionError(f"{where}.health must be healthy, unhealthy or stopped")
        tags = _free(spec.get("tags"), f"{where}.tags")
        found[str(name)] = Ec2Instance(
            str(name),
            {str(k): str(v) for k, v in tags.items()},
            health,
            _free_names(spec.get("files"), f"{where}.files"),
        )
    return found


def codedeploy_applications(state: Mapping[str, Any]) -> dict[str, CodeDeployApplication]:
    """The CodeDeploy applications under codedeploy.applications, with their groups."""
    at = "codedeploy.applications"
    listed = _free(_free(state.get("codedeploy"), "codedeploy").get("applications"), at)
    found = {}
    for name, body in listed.items():
        spec = _free(body, f"{at}.{name}")
        groups_at = f"{at}.{name}.deployment_groups"
        groups = _free(spec.get("deployment_groups"), groups_at)
        found[str(name)] = CodeDeployApplication(
            str(name),
            str(spec.get("compute_platform", "Server")),
            {str(g): _free(settings, f"{groups_at}.{g}") for g, settings in groups.items()},
        )
    return found


def deployment_configs(state: Mapping[str, Any]) -> dict[str, Any]:
    """Custom CodeDeploy deployment configurations by name, as declared (a copy)."""
    codedeploy = _free(state.get("codedeploy"), "codedeploy")
    return copy.deepcopy(
        _free(codedeploy.get("deployment_configs"), "codedeploy.deployment_configs")
    )


def deployment_ids(state: Mapping[str, Any]) -> frozenset[str]:
    """Ids of the deployments the world has seen: run by the engine or requested through the API."""
    return frozenset(
        str(d.get("id") or d.get("deployment_id"))
        for d in state.get("deployments") or ()
        if isinstance(d, dict) and (d.get("id") or d.get("deployment_id"))
    )


def disk_owners(state: Mapping[str, Any], instance: str) -> dict[str, FileOwner]:
    """The owner names CodeDeploy set on an instance's installed paths, by path."""
    saved = (state.get("codedeploy_disks") or {}).get(instance) or {}
    return {
        str(path): FileOwner(names.get("owner"), names.get("group"))
        for path, names in saved.items()
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parameters(state: Mapping[str, Any]) -> dict[str, Parameter]:
    """The parameters of the main account."""
    return {
        name: Parameter(
            name,
            str(p.get("type", "String")),
            tuple(
                ParameterVersion(int(v["version"]), str(v["value"]), tuple(v.get("labels") or ()))
                for v in p.get("versions") or ()
            ),
        )
        for name, p in (state.get("parameters") or {}).items()
    }


def secrets(state: Mapping[str, Any]) -> dict[str, Secret]:
    """The secrets of the main account."""
    return {
        name: Secret(
            name,
            tuple(
                SecretVersion(
                    str(v.get("id", "")), str(v.get("value")), tuple(v.get("stages") or ())
                )
                for v in s.get("versions") or ()
            ),
        )
        for name, s in (state.get("secrets") or {}).items()
    }


def repositories(state: Mapping[str, Any], home: str) -> dict[str, Repository]:
    """The ECR repositories the world knows (in any of its accounts)."""
    return {
        name: Repository(
            name,
            str(r.get("account", home)),
            tuple(
                Image(str(i["digest"]), tuple(i.get("tags") or ())) for i in r.get("images") or ()
            ),
        )
        for name, r in (state.get("ecr") or {}).items()
    }


def buckets(state: Mapping[str, Any], region: str) -> dict[str, Bucket]:
    """The S3 buckets with their object records."""
    return {
        name: Bucket(
            name,
            str(b.get("region", region)),
            bool(b.get("versioning", False)),
            {
                key: StoredObject(
                    key,
                    int(o.get("size", 0)),
                    str(o.get("etag", "")),
                    o.get("version_id"),
                    dict(o.get("metadata") or {}),
                )
                for key, o in (b.get("objects") or {}).items()
            },
        )
        for name, b in (state.get("s3") or {}).items()
    }


def functions(state: Mapping[str, Any]) -> dict[str, Function]:
    """The Lambda functions with their versions and aliases."""
    return {
        name: Function(
            name,
            str(f.get("runtime", "")),
            tuple(int(v["version"]) for v in f.get("versions") or ()),
            {
                alias: Alias(
                    int(a["version"]),
                    {str(k): float(w) for k, w in (a.get("weights") or {}).items()},
                )
                for alias, a in (f.get("aliases") or {}).items()
            },
            str(f.get("code_sha256", "")),
            dict(f.get("hooks") or {}),
        )
        for name, f in (state.get("lambda") or {}).items()
    }


def alarms(state: Mapping[str, Any]) -> dict[str, Alarm]:
    """The CloudWatch alarms with their behaviour and state."""
    return {
        name: Alarm(
            name,
            str(a.get("behaviour", "ok")),
            str(a.get("state", "OK")),
            _number(a.get("minutes")),
            _number(a.get("threshold")),
        )
        for name, a in (state.get("alarms") or {}).items()
    }


def roles(state: Mapping[str, Any]) -> dict[str, Role]:
    """The IAM roles by ARN."""
    return {
        arn: Role(arn, str(r["name"]), str(r["account"]), tuple(r.get("trust") or ()))
        for arn, r in (state.get("roles") or {}).items()
    }


def topics(state: Mapping[str, Any]) -> dict[str, Topic]:
    """The SNS topics and what was published to them."""
    return {
        name: Topic(name, tuple(dict(m) for m in t.get("messages") or ()))
        for name, t in (state.get("sns") or {}).items()
    }


def stacks(state: Mapping[str, Any]) -> dict[str, Stack]:
    """The stacks deployed by pipelines or through the CloudFormation API."""
    return {
        name: Stack(
            name,
            str(s.get("status", "")),
            {str(k): str(v) for k, v in (s.get("parameters") or {}).items()},
            dict(s.get("outputs") or {}),
            tuple(str(r) for r in s.get("resources") or ()),
            s.get("change_set"),
        )
        for name, s in (state.get("stacks") or {}).items()
    }
