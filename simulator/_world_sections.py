"""Typed, read-only views of a live world's sections: what engines and graders read."""

from __future__ import annotations

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
