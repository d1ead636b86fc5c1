"""The world file as declarative models: shapes, defaults and errors with file, line and column."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simulator._loading import Loaded, load_document
from simulator._rules import did_you_mean

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
ACCOUNT_RE = re.compile(r"^\d{12}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_PARAM_TYPES = ("String", "StringList", "SecureString")
_ALARM_BEHAVIOURS = ("ok", "alarm", "after_traffic", "error_rate")
_KEY_TYPES = ("S", "N", "B")
_PLAIN_SERVICE = re.compile(r"[a-z0-9-]+")
_PLAIN_OPERATION = re.compile(r"[A-Za-z_]+")

Loc = tuple[Any, ...]


class WorldError(ValueError):
    """A world fixture that cannot be used: the message says where, what and how to fix it."""


def _problem(problem: str, fix: str, *at: Any) -> PydanticCustomError:
    """A validation error with our wording; `at` continues the path below the failing value."""
    return PydanticCustomError("world", "{problem}", {"problem": problem, "fix": fix, "at": at})


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def _mapping(value: Any) -> dict[Any, Any]:
    """Mapping sections: empty when left blank, refused when given a list or a scalar."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _problem(
            f"expected a mapping, got {_kind(value)}", "write `key: value` pairs under it"
        )
    return value


def _listing(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _problem(f"expected a list, got {_kind(value)}", "write one `- item` per line")
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _problem(
            f"expected text, got {_kind(value)}",
            "write a plain string (quote it if it looks like a number)",
        )
    return str(value)


def _optional_text(value: Any) -> str:
    return "" if value is None else _text(value)


def _named(value: Any) -> dict[Any, Any]:
    """`[a, b]` is shorthand for `{a: {}, b: {}}` (repositories, buckets, queues)."""
    if not isinstance(value, list):
        return _mapping(value)
    named: dict[Any, Any] = {}
    for i, name in enumerate(value):
        try:
            named[_text(name)] = {}
        except PydanticCustomError as exc:
            raise _problem(str(exc), exc.context["fix"] if exc.context else "", i) from None
    return named


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
Key = Annotated[str, BeforeValidator(str)]
_MAP = BeforeValidator(_mapping)
_LIST = BeforeValidator(_listing)
_NAMED = BeforeValidator(_named)


_ALLOWED: dict[type[BaseModel], tuple[str, ...]] = {}


class _Section(BaseModel):
    """One mapping of the world file: unknown keys refused with the nearest known one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    spellings: ClassVar[tuple[str, ...]] = ()  # keys `_prepare` turns into fields

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        data = _mapping(cls._shorthand(data))
        allowed = _ALLOWED.get(cls)
        if allowed is None:
            fields = cls.model_fields.items()
            allowed = _ALLOWED[cls] = (*(f.alias or name for name, f in fields), *cls.spellings)
        for key in data:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"allowed: {', '.join(allowed)}"
                raise _problem("unknown key", hint, key)
        return cls._prepare(data)

    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """The section's short forms written out (a bare value for a mapping, say)."""
        return data

    @classmethod
    def _prepare(cls, data: dict[Any, Any]) -> dict[Any, Any]:
        """Defaults and checks that need the whole mapping, before its fields are validated."""
        return data


def _digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def _secret_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


# --- identity: accounts and roles -----------------------------------------------------------


def _account_key(value: Any) -> str:
    account = str(value)
    if not ACCOUNT_RE.match(account):
        raise _problem(f"{account!r} is not a 12-digit account id", "quote the key")
    return account


class AccountSpec(_Section):
    """Another account of a cross-account lab."""

    name: OptionalText = ""
    region: OptionalText = ""


class RoleSpec(_Section):
    """An IAM role and the principals its trust policy names."""

    name: Text
    account: OptionalText = ""
    trust: Annotated[list[Text], _LIST] = []


# --- Parameter Store and Secrets Manager ----------------------------------------------------


class ParameterVersionSpec(_Section):
    """One version of a parameter (numbered 1, 2, 3... in file order)."""

    value: Text
    labels: Annotated[list[Text], _LIST] = []


class ParameterSpec(_Section):
    """An SSM parameter: `value:` (one version) or `versions:`; a bare value is shorthand."""

    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {"value": data}

    spellings = ("value",)

    type: Text = "String"
    versions: Annotated[list[ParameterVersionSpec], _LIST]
    description: Any = None

    @classmethod
    def _prepare(cls, data: dict[Any, Any]) -> dict[Any, Any]:
        data = dict(data)
        if data.get("versions") is None:
            if "value" not in data:
                raise _problem("no value", "add `value:` or `versions:`")
            value = data.pop("value")
            if isinstance(value, list) and data.get("type") == "StringList":
                value = ",".join(str(v) for v in value)
            data["versions"] = [{"value": _at(_text, value, ("value",))}]
        elif "value" in data:
            raise _problem("both `value` and `versions`", "keep one of them")
        if data.get("type") == "StringList" and isinstance(data["versions"], list):
            data["versions"] = [
                {**ver, "value": ",".join(str(v) for v in ver["value"])}
                if isinstance(ver, dict) and isinstance(ver.get("value"), list)
                else ver
                for ver in data["versions"]
            ]
        return data

    @field_validator("type")
    @classmethod
    def _known_type(cls, ptype: str) -> str:
        if ptype not in _PARAM_TYPES:
            raise _problem(
                f"{ptype!r} is not a parameter type", f"use one of {', '.join(_PARAM_TYPES)}"
            )
        return ptype

    @model_validator(mode="after")
    def _labels_once(self) -> ParameterSpec:
        if not self.versions:
            raise _problem("no versions", "list at least one version")
        seen: set[str] = set()
        for j, version in enumerate(self.versions):
            for label in version.labels:
                if label in seen:
                    raise _problem(
                        f"label {label!r} is on two versions",
                        "a label can be on only one version at a time",
                        "versions",
                        j,
                        "labels",
                    )
                seen.add(label)
        return self

    def state(self) -> dict[str, Any]:
        """The parameter as the account is seeded with it."""
        return {
            "type": self.type,
            "versions": [
                {"version": j, "value": v.value, "labels": list(v.labels)}
                for j, v in enumerate(self.versions, start=1)
            ],
        }


class SecretVersionSpec(_Section):
    """One version of a secret; `id` defaults to v1, v2... in file order."""

    id: OptionalText = ""
    value: Any = ""
    stages: Annotated[list[Text], _LIST] = []


class SecretSpec(_Section):
    """A secret: `value:` (text, or a mapping stored as JSON) or `versions:` with stages."""

    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("value" in data or "versions" in data):
            return data
        return {"value": data}

    value: Any = None
    versions: Annotated[list[SecretVersionSpec], _LIST] | None = None
    description: Any = None

    @model_validator(mode="after")
    def _one_current(self) -> SecretSpec:
        if self.versions is not None and not any("AWSCURRENT" in v.stages for v in self.versions):
            raise _problem(
                "no version has the AWSCURRENT stage",
                "add `stages: [AWSCURRENT]` to the current version",
            )
        return self

    def state(self) -> dict[str, Any]:
        """The secret's versions as the account is seeded with them."""
        if self.versions is None:
            versions = [{"id": "v1", "value": _secret_string(self.value), "stages": ["AWSCURRENT"]}]
        else:
            versions = [
                {"id": v.id or f"v{j}", "value": _secret_string(v.value), "stages": list(v.stages)}
                for j, v in enumerate(self.versions, start=1)
            ]
        return {"versions": versions}


# --- ECR and S3 -----------------------------------------------------------------------------


class ImageSpec(_Section):
    """An image already in a repository; the digest is derived from the tag when not given."""

    tag: Text
    digest: Any = None


class RepositorySpec(_Section):
    """An ECR repository (in the main account unless `account:` names another)."""

    account: OptionalText = ""
    images: Annotated[list[ImageSpec], _LIST] = []


class EcrSpec(_Section):
    """The `ecr:` section."""

    repositories: Annotated[dict[Key, RepositorySpec], _NAMED] = {}


class BucketSpec(_Section):
    """An S3 bucket and the text objects it starts with."""

    region: OptionalText = ""
    versioning: Any = False
    objects: Annotated[dict[Key, Text], _MAP] = {}

    def state(self, region: str) -> dict[str, Any]:
        """The bucket with its object bodies as bytes."""
        objects = {}
        for key, content in self.objects.items():
            data = content.encode()
            objects[key] = {
                "data": data,
                "size": len(data),
                "etag": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                "version_id": None,
                "metadata": {},
            }
        return {
            "region": self.region or region,
            "versioning": bool(self.versioning),
            "objects": objects,
        }


class S3Spec(_Section):
    """The `s3:` section."""

    buckets: Annotated[dict[Key, BucketSpec], _NAMED] = {}


# --- Lambda, alarms, SNS --------------------------------------------------------------------


def _version_number(value: Any) -> int:
    number = value.get("version") if isinstance(value, dict) else value
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise _problem(
            f"{number!r} is not a version number", "versions are positive integers: [1, 2]"
        )
    return number


class AliasSpec(_Section):
    """An alias: the version it points at and extra versions with a share of the traffic."""

    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {"version": data}

    version: Any = None
    weights: Annotated[dict[Key, float], _MAP] = {}


class FunctionSpec(_Section):
    """A Lambda function: published versions, aliases and scripted CodeDeploy hook outcomes."""

    runtime: Text = "nodejs20.x"
    versions: Annotated[list[Annotated[int, BeforeValidator(_version_number)]], _LIST] = []
    aliases: Annotated[dict[Key, AliasSpec], _MAP] = {}
    hooks: Any = Field(default_factory=dict)

    @model_validator(mode="after")
    def _aliases_point_at_versions(self) -> FunctionSpec:
        for alias, target in self.aliases.items():
            if target.version not in self.versions:
                raise _problem(
                    f"points at version {target.version!r}, which is not listed",
                    f"use one of {sorted(self.versions)} or add it to `versions`",
                    "aliases",
                    alias,
                )
        return self

    def state(self, name: str) -> dict[str, Any]:
        """The function as the account is seeded with it (code digests derived from versions)."""
        versions = [
            {"version": n, "code_sha256": _digest(f"{name}:{n}")[7:], "description": ""}
            for n in self.versions
        ]
        return {
            "runtime": self.runtime,
            "versions": versions,
            "aliases": {
                alias: {"version": t.version, "weights": dict(t.weights)}
                for alias, t in self.aliases.items()
            },
            "code_sha256": versions[-1]["code_sha256"] if versions else "",
            # Scripted outcome when this function is used as a CodeDeploy hook.
            "hooks": copy.deepcopy(self.hooks),
        }


class LambdaSpec(_Section):
    """The `lambda:` section."""

    functions: Annotated[dict[Key, FunctionSpec], _MAP] = {}


class AlarmSpec(_Section):
    """A CloudWatch alarm with a scripted behaviour (it starts in state OK)."""

    behaviour: Text = "ok"
    minutes: Any = None
    threshold: Any = None
    state: Any = None

    @field_validator("behaviour")
    @classmethod
    def _known_behaviour(cls, behaviour: str) -> str:
        if behaviour not in _ALARM_BEHAVIOURS:
            raise _problem(
                f"{behaviour!r} is not a behaviour", f"use one of {', '.join(_ALARM_BEHAVIOURS)}"
            )
        return behaviour

    @model_validator(mode="after")
    def _behaviour_settings(self) -> AlarmSpec:
        if self.behaviour == "after_traffic" and not isinstance(self.minutes, int | float):
            raise _problem(
                "after_traffic needs `minutes`",
                "e.g. minutes: 3 (ALARM 3 minutes after the new version takes traffic)",
                "minutes",
            )
        if self.behaviour == "error_rate" and not isinstance(self.threshold, int | float):
            raise _problem(
                "error_rate needs `threshold`",
                "e.g. threshold: 5 (percent of errors reported by hook scripts)",
                "threshold",
            )
        return self

    def as_state(self) -> dict[str, Any]:
        """The keys given in the file, with the behaviour and the starting state OK."""
        given = {k: copy.deepcopy(getattr(self, k)) for k in self.model_fields_set}
        return {**given, "behaviour": self.behaviour, "state": "OK"}


class SnsSpec(_Section):
    """The `sns:` section."""

    topics: Annotated[list[Text], _LIST] = []


# --- DynamoDB, SQS and setup calls ----------------------------------------------------------


def _key_schema(key: dict[str, str]) -> dict[str, str]:
    if not 1 <= len(key) <= 2:
        raise _problem(
            "a key has a partition attribute and at most a sort attribute",
            "e.g. key: {pk: S, sk: N} (first is the partition key)",
        )
    for attr, kind in key.items():
        if kind not in _KEY_TYPES:
            raise _problem(f"{kind!r} is not a key type", "use S, N or B", attr)
    return key


KeySchema = Annotated[dict[Key, Text], _MAP, AfterValidator(_key_schema)]


class IndexSpec(_Section):
    """A global secondary index (projection ALL)."""

    key: KeySchema

    @classmethod
    def _prepare(cls, data: dict[Any, Any]) -> dict[Any, Any]:
        return {"key": None, **data}


class TableSpec(_Section):
    """A DynamoDB table: its key (partition first), indexes, items and stream."""

    key: KeySchema
    indexes: Annotated[dict[Key, IndexSpec], _MAP] = {}
    items: Annotated[list[Annotated[dict[Key, Any], _MAP]], _LIST] = []
    stream: Any = False

    @classmethod
    def _prepare(cls, data: dict[Any, Any]) -> dict[Any, Any]:
        if "key" not in data:
            raise _problem("no key", "add key: {id: S}")
        return data

    @model_validator(mode="after")
    def _items_have_keys(self) -> TableSpec:
        for j, item in enumerate(self.items):
            missing = [a for a in self.key if a not in item]
            if missing:
                raise _problem(
                    f"no value for key attribute {missing[0]}",
                    "every item needs the table's key attributes",
                    "items",
                    j,
                )
        return self

    def state(self) -> dict[str, Any]:
        """The table as the account's CreateTable and PutItem calls are made from it."""
        return {
            "key": list(self.key.items()),
            "indexes": {name: list(index.key.items()) for name, index in self.indexes.items()},
            "items": [json.loads(json.dumps(item, default=str)) for item in self.items],
            "stream": bool(self.stream),
        }


class DynamoDbSpec(_Section):
    """The `dynamodb:` section."""

    tables: Annotated[dict[Key, TableSpec], _MAP] = {}


def _receives(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _problem("expected a whole number >= 1", "e.g. max_receives: 3")
    return value


class DeadLetterSpec(_Section):
    """Where a queue's messages go after `max_receives` receives."""

    queue: Text
    max_receives: Annotated[int, BeforeValidator(_receives)] = 3


class QueueSpec(_Section):
    """An SQS queue: CreateQueue attributes, a dead-letter queue, messages sent at seed time."""

    attributes: Annotated[dict[Key, Text], _MAP] = {}
    dead_letter: DeadLetterSpec | None = None
    messages: Annotated[list[Any], _LIST] = []

    @classmethod
    def _prepare(cls, data: dict[Any, Any]) -> dict[Any, Any]:
        if data.get("dead_letter", True) in (None, {}):  # `dead_letter: {}` or null: no DLQ
            data = {k: v for k, v in data.items() if k != "dead_letter"}
        return data

    def state(self) -> dict[str, Any]:
        """The queue as it is created and filled."""
        dead = self.dead_letter
        return {
            "attributes": dict(self.attributes),
            "dead_letter": {"queue": dead.queue, "max_receives": dead.max_receives} if dead else {},
            "messages": [m if isinstance(m, str) else json.dumps(m) for m in self.messages],
        }


class SqsSpec(_Section):
    """The `sqs:` section."""

    queues: Annotated[dict[Key, QueueSpec], _NAMED] = {}

    @model_validator(mode="after")
    def _dead_letters_declared(self) -> SqsSpec:
        for name, queue in self.queues.items():
            if queue.dead_letter and queue.dead_letter.queue not in self.queues:
                raise _problem(
                    f"queue {queue.dead_letter.queue!r} is not declared",
                    "declare the DLQ under sqs.queues too",
                    "queues",
                    name,
                    "dead_letter",
                    "queue",
                )
        return self


class SetupCall(_Section):
    """A host-side API call made after the sections above are seeded."""

    service: Text
    operation: Text
    params: Annotated[dict[Key, Any], _MAP] = {}
    account: OptionalText = ""
    region: OptionalText = ""

    @model_validator(mode="after")
    def _plain_names(self) -> SetupCall:
        if not _PLAIN_SERVICE.fullmatch(self.service) or not _PLAIN_OPERATION.fullmatch(
            self.operation
        ):
            raise _problem(
                "service and operation must be plain names",
                "e.g. {service: cognito-idp, operation: create_user_pool, params: {...}}",
            )
        return self


# --- the whole file -------------------------------------------------------------------------

FreeForm = Annotated[dict[Any, Any], _MAP]


class WorldFile(_Section):
    """A world file: every section optional; cross-references checked once all are read."""

    account: Text = DEFAULT_ACCOUNT
    region: Text = DEFAULT_REGION
    accounts: Annotated[dict[Annotated[str, BeforeValidator(_account_key)], AccountSpec], _MAP] = {}
    roles: Annotated[list[RoleSpec], _LIST] = []
    parameters: Annotated[dict[Key, ParameterSpec], _MAP] = {}
    secrets: Annotated[dict[Key, SecretSpec], _MAP] = {}
    ecr: EcrSpec = Field(default_factory=EcrSpec)
    s3: S3Spec = Field(default_factory=S3Spec)
    lambda_: LambdaSpec = Field(default_factory=LambdaSpec, alias="lambda")
    ecs: FreeForm = {}
    ec2: FreeForm = {}
    alarms: Annotated[dict[Key, AlarmSpec], _MAP] = {}
    sns: SnsSpec = Field(default_factory=SnsSpec)
    codedeploy: FreeForm = {}
    codeartifact: FreeForm = {}
    dynamodb: DynamoDbSpec = Field(default_factory=DynamoDbSpec)
    sqs: SqsSpec = Field(default_factory=SqsSpec)
    setup: Annotated[list[SetupCall], _LIST] = []

    @field_validator("account")
    @classmethod
    def _account_id(cls, account: str) -> str:
        if not ACCOUNT_RE.match(account):
            raise _problem(
                f"{account!r} is not a 12-digit account id",
                'quote it, e.g. account: "123456789012"',
            )
        return account

    @field_validator("region")
    @classmethod
    def _region_name(cls, region: str) -> str:
        if not _REGION_RE.match(region):
            raise _problem(f"{region!r} is not a region name", "e.g. us-east-1")
        return region

    @model_validator(mode="after")
    def _references(self) -> WorldFile:
        known = {self.account, *self.accounts}
        undeclared = "add it under `accounts:`"
        for i, role in enumerate(self.roles):
            if (role.account or self.account) not in known:
                raise _problem(
                    f"account {role.account} is not declared", undeclared, "roles", i, "account"
                )
        for name, repo in self.ecr.repositories.items():
            if (repo.account or self.account) not in known:
                where = ("ecr", "repositories", name, "account")
                raise _problem(f"account {repo.account} is not declared", undeclared, *where)
        _check_codedeploy(self.codedeploy, self.alarms)
        return self

    def state(self) -> dict[str, Any]:
        """The live world's starting state (see World): plain data, as saved by to_dict()."""
        main, region = self.account, self.region
        accounts = {main: {"name": "main", "region": region}}
        for acct, spec in self.accounts.items():
            accounts[acct] = {"name": spec.name or acct, "region": spec.region or region}
        roles = {}
        for role in self.roles:
            account = role.account or main
            roles[f"arn:aws:iam::{account}:role/{role.name}"] = {
                "name": role.name,
                "account": account,
                "trust": list(role.trust),
            }
        return {
            "account": main,
            "region": region,
            "accounts": accounts,
            "roles": roles,
            "parameters": {name: p.state() for name, p in self.parameters.items()},
            "secrets": {name: s.state() for name, s in self.secrets.items()},
            "ecr": {
                name: {
                    "account": repo.account or main,
                    "images": [
                        {"tags": [i.tag], "digest": i.digest or _digest(f"{name}:{i.tag}")}
                        for i in repo.images
                    ],
                }
                for name, repo in self.ecr.repositories.items()
            },
            "s3": {name: b.state(region) for name, b in self.s3.buckets.items()},
            "lambda": {name: f.state(name) for name, f in self.lambda_.functions.items()},
            "alarms": {name: a.as_state() for name, a in self.alarms.items()},
            "sns": {topic: {"messages": []} for topic in self.sns.topics},
            "dynamodb": {name: t.state() for name, t in self.dynamodb.tables.items()},
            "sqs": {name: q.state() for name, q in self.sqs.queues.items()},
            "setup": [copy.deepcopy(call.model_dump()) for call in self.setup],
            # Deployment-side data is kept as given (shape-checked); the deploy engine reads it.
            **{key: copy.deepcopy(getattr(self, key)) for key in _KEPT_AS_GIVEN},
            "stacks": {},
            "deployments": [],
        }


_KEPT_AS_GIVEN = ("ecs", "ec2", "codedeploy", "codeartifact")


def _check_codedeploy(codedeploy: dict[Any, Any], alarms: dict[str, AlarmSpec]) -> None:
    """Shape of applications and groups, and every group alarm declared under `alarms:`."""
    at: Loc = ("codedeploy", "applications")
    for app_name, app in _at(_mapping, codedeploy.get("applications"), at).items():
        path = (*at, app_name)
        groups_at = (*path, "deployment_groups")
        groups = _at(_mapping, _at(_mapping, app, path).get("deployment_groups"), groups_at)
        for group_name, group in groups.items():
            gpath = (*groups_at, group_name)
            listed = _at(_listing, _at(_mapping, group, gpath).get("alarms"), (*gpath, "alarms"))
            for j, alarm in enumerate(listed):
                if alarm not in alarms:
                    raise _problem(
                        f"alarm {alarm!r} is not declared",
                        "add it under `alarms:`",
                        *gpath,
                        "alarms",
                        j,
                    )


def _at(check: Callable[[Any], Any], value: Any, path: Loc) -> Any:
    """Run a shape check on a value deep inside free-form data, reporting the value's path."""
    try:
        return check(value)
    except PydanticCustomError as exc:
        context = exc.context or {}
        raise _problem(str(exc), context.get("fix", ""), *path) from None


# --- errors ---------------------------------------------------------------------------------

_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("`{key}` is missing", "add `{key}:` here"),
    "model_type": ("expected a mapping, got {kind}", "write `key: value` pairs under it"),
    "dict_type": ("expected a mapping, got {kind}", "write `key: value` pairs under it"),
    "list_type": ("expected a list, got {kind}", "write one `- item` per line"),
    "float_type": ("expected a number, got {kind}", "e.g. 0.1"),
    "float_parsing": ("expected a number, got {kind}", "e.g. 0.1"),
    "int_type": ("expected a whole number, got {kind}", "e.g. 3"),
    "int_parsing": ("expected a whole number, got {kind}", "e.g. 3"),
    "extra_forbidden": ("unknown key", "remove it"),
}


def _where(path: Loc) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def world_error(exc: ValidationError, loaded: Loaded) -> WorldError:
    """The first validation error as a WorldError: file:line:column, key path, problem, fix."""
    error = exc.errors(include_url=False)[0]
    loc: Loc = tuple(p for p in error["loc"] if p != "[key]")
    on_key = len(loc) < len(error["loc"])
    context = error.get("ctx") or {}
    if error["type"] == "world":
        problem, fix = str(context["problem"]), str(context["fix"])
        loc = (*loc, *context.get("at", ()))
        on_key = on_key or problem == "unknown key"
    else:
        template = _MESSAGES.get(error["type"], (error["msg"], "see docs/world-format.md"))
        words = {"key": loc[-1] if loc else "", "kind": _kind(error.get("input"))}
        problem, fix = (part.format(**words) for part in template)
        on_key = on_key or error["type"] == "extra_forbidden"
    line, column = loaded.position(loc, key=on_key)
    return WorldError(f"{loaded.filename}:{line}:{column}: {_where(loc)}: {problem}; {fix}")


def read_world_file(text: str, filename: str) -> WorldFile:
    """Load and validate a world file's text; WorldError names the file, line and column."""
    loaded = load_document(text, filename=filename)
    errors = [f for f in loaded.findings if str(f.severity) == "error"]
    if loaded.data is None and [f.code for f in errors] == ["YM002"]:
        return parse_world_data({}, loaded)  # an empty file is the empty world
    if loaded.data is None or errors:
        first = errors[0] if errors else None
        where = f"{filename}:{first.line}:{first.column}" if first else filename
        detail = first.message if first else "empty document"
        raise WorldError(f"{where}: not valid YAML ({detail}); fix the syntax and try again")
    return parse_world_data(loaded.data, loaded)


def parse_world_data(data: Any, loaded: Loaded) -> WorldFile:
    """Validate already-loaded data (positions from `loaded`, when it has any)."""
    try:
        return WorldFile.model_validate(data)
    except ValidationError as exc:
        raise world_error(exc, loaded) from None


def world_file_keys() -> tuple[str, ...]:
    """The top-level keys of a world file, in the order the spec lists them."""
    return tuple(field.alias or name for name, field in WorldFile.model_fields.items())
