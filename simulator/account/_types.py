"""Typed facts about the simulated AWS accounts: API calls and snapshots of what they hold.

Produced outside the sandbox (by the account service in front of the backend); read by the
typed run result and the lab checks. Nothing here is ever built from what the sandbox wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar


@dataclass(frozen=True)
class ApiCall:
    """One request that reached the account service, and how the service answered it."""

    seq: int
    service: str  # signing name: "ssm", "s3", "ecr", "secretsmanager", "cloudformation", ...
    operation: str  # AWS operation name: "GetParameter", "PutImage", "CreateStackInstances"
    account: str
    region: str
    params: Mapping[str, Any]  # request parameters; secret values replaced with "****"
    status: int  # HTTP status the service answered
    error_code: str | None  # "ParameterNotFound", "AccessDenied", ... or None on success
    origin: str  # "build:PRE_BUILD", "hook:AfterInstall@i-0abc", "pipeline:Deploy/Create", "host"
    at_ms: int = 0  # milliseconds since the run started (virtual clock where there is one)

    @property
    def ok(self) -> bool:
        return self.error_code is None and self.status < 400


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int
    sha256: str
    account: str
    region: str
    text: str | None = None  # decoded UTF-8 when small (<= 64 KiB) and text, else None
    version_id: str | None = None


@dataclass(frozen=True)
class ParameterVersion:
    version: int
    value: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # String | StringList | SecureString
    value: str  # the current (latest) value
    version: int
    account: str
    region: str
    history: tuple[ParameterVersion, ...] = ()


@dataclass(frozen=True)
class SecretVersion:
    version_id: str
    stages: tuple[str, ...]  # AWSCURRENT, AWSPENDING, AWSPREVIOUS, custom labels
    value: str | None


@dataclass(frozen=True)
class Secret:
    name: str
    arn: str
    account: str
    region: str
    versions: tuple[SecretVersion, ...] = ()

    @property
    def current(self) -> str | None:
        for version in self.versions:
            if "AWSCURRENT" in version.stages:
                return version.value
        return None


@dataclass(frozen=True)
class Image:
    repository: str
    account: str
    region: str
    digest: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stack:
    name: str
    account: str
    region: str
    status: str  # CREATE_COMPLETE, ROLLBACK_COMPLETE, ...
    parameters: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)
    resources: Mapping[str, str] = field(default_factory=dict)  # logical id -> physical id
    status_reason: str | None = None


_E = TypeVar("_E", bound=StrEnum)


class StackInstanceStatus(StrEnum):
    """A stack instance's Status: in step with its stack set or not (as the API spells it)."""

    CURRENT = "CURRENT"
    OUTDATED = "OUTDATED"
    INOPERABLE = "INOPERABLE"


class StackInstanceDetailedStatus(StrEnum):
    """StackInstanceStatus.DetailedStatus: what the last operation did to the instance."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    INOPERABLE = "INOPERABLE"
    SKIPPED_SUSPENDED_ACCOUNT = "SKIPPED_SUSPENDED_ACCOUNT"
    FAILED_IMPORT = "FAILED_IMPORT"


def _member(enum: type[_E], value: str, where: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(enum)
        raise ValueError(f"{where}: {value!r} is not one of {allowed}") from None


@dataclass(frozen=True)
class StackInstance:
    stack_set: str
    account: str
    region: str
    status: StackInstanceStatus
    detailed_status: StackInstanceDetailedStatus
    status_reason: str | None = None

    def __post_init__(self) -> None:
        # The account service sends the statuses as strings (JSON).
        where = f"stack instance {self.stack_set} {self.account}/{self.region}"
        object.__setattr__(
            self, "status", _member(StackInstanceStatus, self.status, f"{where}: Status")
        )
        object.__setattr__(
            self,
            "detailed_status",
            _member(StackInstanceDetailedStatus, self.detailed_status, f"{where}: DetailedStatus"),
        )


@dataclass(frozen=True)
class FunctionVersion:
    version: str  # "$LATEST", "1", "2", ...
    code_sha256: str
    description: str = ""


@dataclass(frozen=True)
class Alias:
    name: str
    version: str
    weights: Mapping[str, float] = field(default_factory=dict)  # extra version -> weight


@dataclass(frozen=True)
class Function:
    name: str
    account: str
    region: str
    code_sha256: str
    environment: Mapping[str, str] = field(default_factory=dict)
    versions: tuple[FunctionVersion, ...] = ()
    aliases: Mapping[str, Alias] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A DynamoDB table and its items (plain JSON values: numbers as int/float, sets as lists)."""

    name: str
    account: str
    region: str
    key: tuple[str, ...]  # partition key, then sort key if any
    items: tuple[Mapping[str, Any], ...] = ()
    indexes: tuple[str, ...] = ()  # global secondary index names

    def item(self, **key: Any) -> Mapping[str, Any] | None:
        """The item whose key attributes equal the given values, if any."""
        return next((i for i in self.items if all(i.get(k) == v for k, v in key.items())), None)


@dataclass(frozen=True)
class Queue:
    """An SQS queue: message counts as SQS reports them, and the bodies it holds."""

    name: str
    account: str
    region: str
    visible: int = 0  # ApproximateNumberOfMessages
    in_flight: int = 0  # ApproximateNumberOfMessagesNotVisible
    delayed: int = 0
    bodies: tuple[str, ...] = ()  # every message still in the queue, oldest first
    attributes: Mapping[str, str] = field(default_factory=dict)
    dead_letter_target: str = ""  # queue name the redrive policy points at
    max_receive_count: int = 0


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True)
class Change:
    """One difference between two snapshots, for the learner's "what changed" view."""

    kind: ChangeKind
    resource_type: str  # "s3-object", "parameter", "secret", "image", "stack", ...
    name: str  # "bucket/key", parameter name, "repo:tag", "account/region/stack"
    detail: str = ""  # short, human-readable; never a secret value


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything the simulated accounts hold at one moment (all accounts and Regions)."""

    s3_objects: tuple[S3Object, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    secrets: tuple[Secret, ...] = ()
    images: tuple[Image, ...] = ()
    stacks: tuple[Stack, ...] = ()
    stack_instances: tuple[StackInstance, ...] = ()
    functions: tuple[Function, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # service -> JSON-able state we add
    tables: tuple[Table, ...] = ()
    queues: tuple[Queue, ...] = ()

    def __post_init__(self) -> None:
        # The account's export carries DynamoDB and SQS as "x-dynamodb" / "x-sqs" sections
        # (the generic extension slot of the export): typed here, once, and taken out of extra.
        extra = dict(self.extra)
        if "x-dynamodb" not in extra and "x-sqs" not in extra:
            return
        tables = self.tables or tuple(
            Table(
                name=t["name"],
                account=t["account"],
                region=t["region"],
                key=tuple(t["key"]),
                items=tuple(t["items"]),
                indexes=tuple(t.get("indexes", ())),
            )
            for t in extra.pop("x-dynamodb", None) or ()
        )
        queues = self.queues or tuple(
            Queue(
                name=str(q["name"]),
                account=str(q["account"]),
                region=str(q["region"]),
                visible=int(q.get("visible", 0)),
                in_flight=int(q.get("in_flight", 0)),
                delayed=int(q.get("delayed", 0)),
                bodies=tuple(q.get("bodies", ())),
                attributes=dict(q.get("attributes", {})),
                dead_letter_target=str(q.get("dead_letter_target", "")),
                max_receive_count=int(q.get("max_receive_count", 0)),
            )
            for q in extra.pop("x-sqs", None) or ()
        )
        extra.pop("x-dynamodb", None)
        extra.pop("x-sqs", None)
        object.__setattr__(self, "extra", extra)
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "queues", queues)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def queue(self, name: str) -> Queue | None:
        return next((q for q in self.queues if q.name == name), None)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def secret(self, name: str) -> Secret | None:
        return next((s for s in self.secrets if s.name == name), None)

    def images_in(self, repository: str) -> tuple[Image, ...]:
        return tuple(i for i in self.images if i.repository == repository)

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)

    def object(self, bucket: str, key: str) -> S3Object | None:
        return next((o for o in self.s3_objects if o.bucket == bucket and o.key == key), None)
