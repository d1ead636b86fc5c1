"""The simulated AWS account a lab starts from, and everything a run changes in it."""

from __future__ import annotations

import base64
import copy
import difflib
import hashlib
import json
import re
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from simulator._loading import load_document
from simulator.account._writes import is_write

if TYPE_CHECKING:
    from simulator.account import AccountSnapshot, ApiCall
    from simulator.account._service import AccountService

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_PARAM_TYPES = ("String", "StringList", "SecureString")
_ALARM_BEHAVIOURS = ("ok", "alarm", "after_traffic", "error_rate")
_TOP_KEYS = (
    "account",
    "region",
    "accounts",
    "roles",
    "parameters",
    "secrets",
    "ecr",
    "s3",
    "lambda",
    "ecs",
    "ec2",
    "alarms",
    "sns",
    "codedeploy",
    "codeartifact",
    "dynamodb",
    "sqs",
    "setup",
)
_KEY_TYPES = ("S", "N", "B")
MAX_OBJECT_BYTES = 64 * 1024 * 1024


class WorldError(ValueError):
    """A world fixture that cannot be used: the message says where, what and how to fix it."""


def _where(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _fail(filename: str, path: tuple[Any, ...], problem: str, fix: str) -> WorldError:
    return WorldError(f"{filename}: {_where(path)}: {problem}; {fix}")


class _Reader:
    """Typed access to the fixture with errors that name the file and the key path."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def mapping(self, value: Any, path: tuple[Any, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _fail(
                self.filename,
                path,
                f"expected a mapping, got {_kind(value)}",
                "write `key: value` pairs under it",
            )
        return value

    def listing(self, value: Any, path: tuple[Any, ...]) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise _fail(
                self.filename,
                path,
                f"expected a list, got {_kind(value)}",
                "write one `- item` per line",
            )
        return value

    def text(self, value: Any, path: tuple[Any, ...], *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _fail(
                self.filename,
                path,
                f"expected text, got {_kind(value)}",
                "write a plain string (quote it if it looks like a number)",
            )
        return str(value)

    def keys(self, data: dict[str, Any], allowed: tuple[str, ...], path: tuple[Any, ...]) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"allowed: {', '.join(allowed)}"
                raise _fail(self.filename, (*path, key), "unknown key", hint)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def _secret_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _digest(seed: str) -> str:
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


class World:
    """A facade over the run's simulated accounts (see docs/account-service.md).

    The account server (moto behind our front, on the host) holds S3, Parameter Store, Secrets
    Manager, ECR, Lambda, CloudFormation and the rest; it is started and seeded from `state` on
    first use. `state` keeps what our engines own (CodeDeploy groups, instances, ECS, alarm
    behaviours, Lambda hook scripts, pipeline stacks) and a host-side cache of the account's
    resources, refreshed from the server by `sync()`. `changes` records every read and write
    of a run, built on the host from the server's call log and the engines' own records.
    """

    def __init__(self, state: dict[str, Any], changes: list[dict[str, Any]] | None = None) -> None:
        self.state = state
        self.changes: list[dict[str, Any]] = changes or []
        self._account: AccountService | None = None
        self._calls_seen = 0
        self._mutations = 0
        self._secret_ids: dict[tuple[str, str], str] = {}
        self.origin_context = ""  # e.g. "pipeline:Build/Image" while a pipeline action runs

    # -- the account server ------------------------------------------------------------------
    def account(self) -> AccountService:
        """The run's account server, started and seeded on first use."""
        if self._account is None:
            from simulator.account._service import AccountService

            service = AccountService()
            weakref.finalize(self, service.close)
            try:
                service.call("seed", state=_seed_state(self.state))
                _seed_more(service, self.state)
            except Exception:
                service.close()
                raise
            self._account = service
            self._calls_seen = len(service.call("calls", since=0))
            self._map_secret_ids()
        return self._account

    def close(self) -> None:
        """Stop the account server (a later use starts a fresh one seeded from `state`)."""
        if self._account is not None:
            self._account.close()
            self._account = None

    def credentials(self, account: str | None = None) -> tuple[str, str]:
        """(access key id, secret key) of an account's principal in this run."""
        key, secret = self.account().call("credentials", account=account or self.account_id)
        return key, secret

    def set_origin(self, origin: str) -> None:
        """Which phase/hook/action the next API calls come from (for the call log).

        Inside a pipeline action the action's origin is kept in front: "pipeline:Build/Image
        build:PRE_BUILD".
        """
        context = self.origin_context
        full = f"{context} {origin}" if context and origin != context else origin
        if self._account is not None:
            self._account.call("origin", origin=full)

    def api_calls(self) -> list[ApiCall]:
        """Every request that reached the account service in this run, in order."""
        return self.account().calls() if self._account is not None else []

    def snapshot(self) -> AccountSnapshot:
        """What the accounts hold now, read from the account server.

        `extra` adds what our engines hold: CodeDeploy deployments (requested through the API
        and run by the deploy engine), pipeline stacks and the container engine's events.
        """
        import dataclasses

        account = self.account()
        snap = account.snapshot()
        extra = {
            "codedeploy": {"deployments": copy.deepcopy(self.state.get("deployments", []))},
            "docker": {"events": account.call("docker_events")},
            "engine_stacks": {
                name: {k: v for k, v in stack.items() if k in ("status", "parameters")}
                for name, stack in self.state.get("stacks", {}).items()
            },
        }
        return dataclasses.replace(snap, extra={**dict(snap.extra), **extra})

    def sync(self) -> int:
        """Refresh `state` and `changes` from the account server; returns the new call count."""
        if self._account is None:
            return 0
        from simulator.account._types import ApiCall

        raw = self._account.call("calls", since=self._calls_seen)
        self._calls_seen += len(raw)
        for call in raw:
            self._record_call(ApiCall(**call))
        if any(c["service"] == "codedeploy" for c in raw):
            # Deployment requests our CodeDeploy handler accepted, for the deploy engine.
            known = {d.get("deployment_id") for d in self.state["deployments"]}
            for request in self._account.call("deployments"):
                if request["deployment_id"] not in known:
                    self.state["deployments"].append(request)
        # Refresh only what the new calls may have changed (one export costs ~10 ms a service);
        # what counts as a write is the account server's own definition.
        changed = sorted(
            {c["service"] for c in raw if c["status"] < 400 and is_write(c["operation"])}
            & _MIRRORED
        )
        if self._mutations == -1:
            self._mutations = 0
            self._refresh(self._account.call("export"))
        elif changed:
            self._refresh(self._account.call("export", services=changed))
        return len(raw)

    def _record_call(self, call: ApiCall) -> None:
        if not call.ok or call.origin.startswith("host"):
            return
        p = call.params
        op = (call.service, call.operation)
        if op == ("ssm", "GetParameter"):
            self.record("ssm.read", name=str(p.get("Name", "")), by="cli")
        elif op == ("ssm", "GetParameters"):
            for name in p.get("Names") or []:
                self.record("ssm.read", name=str(name), by="cli")
        elif op == ("secretsmanager", "GetSecretValue"):
            self.record("secrets.read", name=str(p.get("SecretId", "")), by="cli")
        elif op == ("ecr", "PutImage"):
            self.record(
                "ecr.push",
                repository=str(p.get("repositoryName", "")),
                tag=str(p.get("imageTag", "")),
                digest=_manifest_digest(p.get("imageManifest")),
            )
        elif op == ("docker", "Login"):
            self.record("docker.login", registry=str(p.get("registry", "")))
        elif op == ("s3", "PutObject"):
            self.record("s3.put", bucket=str(p.get("Bucket", "")), key=str(p.get("Key", "")))
        elif op == ("s3", "GetObject"):
            self.record("s3.get", bucket=str(p.get("Bucket", "")), key=str(p.get("Key", "")))
        elif call.service == "cloudformation" and call.operation in (
            "CreateStack",
            "UpdateStack",
            "ExecuteChangeSet",
        ):
            self.record("cloudformation.deploy", stack=str(p.get("StackName", "")))
        elif op == ("codedeploy", "CreateDeployment"):
            self.record(
                "deploy.create",
                application=str(p.get("applicationName", "")),
                group=str(p.get("deploymentGroupName", "")),
            )
        elif call.service == "lambda" and call.operation in (
            "UpdateFunctionCode",
            "PublishVersion",
            "UpdateAlias",
        ):
            self.record(
                {
                    "UpdateFunctionCode": "lambda.update_code",
                    "PublishVersion": "lambda.publish_version",
                    "UpdateAlias": "lambda.update_alias",
                }[call.operation],
                function=str(p.get("FunctionName", "")),
            )

    def _refresh(self, data: dict[str, Any]) -> None:
        """Replace the cached account resources with what the server holds (given sections)."""
        if "parameters" in data:
            self.state["parameters"] = {
                name: {"type": p["type"], "versions": p["versions"]}
                for name, p in data["parameters"].items()
                if not name[:12].isdigit()  # other accounts' keys are "account/region/name"
            }
        if "secrets" in data:
            self.state["secrets"] = {
                name: {"versions": s["versions"]}
                for name, s in data["secrets"].items()
                if not name[:12].isdigit()
            }
        if "ecr" in data:
            self.state["ecr"] = {
                name: {"account": r["account"], "images": r["images"]}
                for name, r in data["ecr"].items()
            }
        if "s3" in data:
            buckets: dict[str, Any] = {}
            for name, b in data["s3"].items():
                old = self.state.get("s3", {}).get(name, {}).get("objects", {})
                objects = {}
                for key, o in b["objects"].items():
                    cached = old.get(key)
                    if cached and cached.get("etag") == o["etag"]:
                        objects[key] = cached
                    else:
                        objects[key] = {**o, "data": _LAZY, "version_id": None, "metadata": {}}
                buckets[name] = {
                    "region": b["region"],
                    "versioning": b["versioning"],
                    "objects": objects,
                }
            self.state["s3"] = buckets
        for name, f in data.get("lambda", {}).items():
            fn = self.state["lambda"].setdefault(name, {"runtime": "", "hooks": {}})
            fn.update(versions=f["versions"], aliases=f["aliases"], code_sha256=f["code_sha256"])
        for stack in data.get("stacks", []):
            if (stack["account"], stack["region"]) == (self.account_id, self.region):
                self.state["stacks"].setdefault(stack["name"], {}).update(
                    status=stack["status"], parameters=stack["parameters"]
                )

    def _map_secret_ids(self) -> None:
        """The world file names secret versions (v1, v2); the backend issues its own ids."""
        if not self.state.get("secrets"):
            return
        exported = self.account().call("export", services=["secretsmanager"])["secrets"]
        for name, secret in self.state["secrets"].items():
            backend = exported.get(name, {}).get("versions", [])
            for version in secret["versions"]:
                match = next((b for b in backend if b["value"] == version["value"]), None)
                if match:
                    self._secret_ids[(name, version["id"])] = match["id"]

    # -- identity --------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        return str(self.state["account"])

    @property
    def region(self) -> str:
        return str(self.state["region"])

    def record(self, action: str, **details: Any) -> None:
        """Append one change (or read) to the history graders assert on."""
        self.changes.append({"seq": len(self.changes) + 1, "action": action, **details})

    def changes_of(self, action: str) -> list[dict[str, Any]]:
        return [c for c in self.changes if c["action"] == action]

    def can_assume(self, role_arn: str, from_account: str) -> bool:
        """Whether a principal of from_account may assume role_arn (its trust names it)."""
        role = self.state["roles"].get(role_arn)
        if role is None:
            return False
        trusted = role["trust"]
        return from_account in trusted or f"arn:aws:iam::{from_account}:root" in trusted

    def assume_role(self, role_arn: str, from_account: str, *, origin: str = "host") -> bool:
        """STS AssumeRole through the account (logged); False when the role's trust refuses."""
        from simulator.account._service import AccountRequestError

        try:
            self.account().call(
                "assume_role",
                role_arn=role_arn,
                from_account=from_account,
                session_name="codepipeline",
                _origin=origin,
            )
        except AccountRequestError:
            return False
        return True

    # -- Parameter Store -------------------------------------------------------------------
    def ssm_get(self, selector: str) -> dict[str, Any]:
        """The parameter version for `name`, `name:version` or `name:label` (KeyError if none).

        Read from the account server (GetParameter, which takes the same selectors).
        """
        if selector.startswith("arn:"):
            selector = selector.split(":parameter", 1)[-1]
        try:
            return cast(dict[str, Any], self.account().call("ssm_get", selector=selector))
        except KeyError as exc:
            name, _, qualifier = selector.partition(":")
            if not qualifier or "ParameterNotFound" not in str(exc.args[0]):
                raise
            # moto answers ParameterNotFound for a missing version or label; AWS names which.
            self.account().call("ssm_get", selector=name)  # the parameter itself exists
            code = (
                "ParameterVersionNotFound"
                if qualifier.isdigit()
                else ("ParameterVersionLabelNotFound")
            )
            raise KeyError(f"{code}: {selector}") from exc

    # -- Secrets Manager -------------------------------------------------------------------
    def secret_get(
        self, secret_id: str, *, version_stage: str = "", version_id: str = ""
    ) -> dict[str, Any]:
        """The secret version (default AWSCURRENT); KeyError with the AWS error name if none."""
        self.account()
        if version_id:
            name = secret_id.split(":secret:", 1)[-1]
            version_id = self._secret_ids.get((name, version_id), version_id)
        secret = self.account().call(
            "secret_get",
            secret_id=secret_id,
            version_stage=version_stage,
            version_id=version_id,
        )
        return cast(dict[str, Any], secret)

    # -- ECR -------------------------------------------------------------------------------
    def registry(self, account: str | None = None) -> str:
        return f"{account or self.account_id}.dkr.ecr.{self.region}.amazonaws.com"

    def ecr_find(self, image_uri: str) -> tuple[str, dict[str, Any]] | None:
        """(name, repo) for `registry/name[:tag]`, when that repository exists."""
        without_tag = image_uri.split("@", 1)[0]
        registry, _, rest = without_tag.partition("/")
        name = rest.rsplit(":", 1)[0] if ":" in rest else rest
        repo = self.state["ecr"].get(name)
        if repo is None or registry != self.registry(repo["account"]):
            return None
        return name, repo

    def ecr_push(self, repository: str, tag: str, digest: str) -> None:
        """Put an image manifest (config `digest`) into ECR as the host (e.g. a test fixture)."""
        repo = self.state["ecr"][repository]
        self.account().call(
            "ecr_put", repository=repository, tag=tag, digest=digest, account=repo["account"]
        )
        self.record("ecr.push", repository=repository, tag=tag, digest=digest)
        self.sync()

    # -- S3 --------------------------------------------------------------------------------
    def s3_create_bucket(
        self, bucket: str, region: str | None = None, *, versioning: bool = False
    ) -> None:
        """Create a bucket as the host (artifact buckets that come with a project)."""
        if bucket in self.state["s3"]:
            return
        self.account().call(
            "s3_create_bucket", bucket=bucket, region=region or self.region, versioning=versioning
        )
        self.state["s3"][bucket] = {
            "region": region or self.region,
            "versioning": versioning,
            "objects": {},
        }
        self.record("s3.create_bucket", bucket=bucket)

    def s3_put(
        self, bucket: str, key: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Store an object (KeyError when the bucket does not exist); returns its record."""
        target = self.state["s3"][bucket]
        out = self.account().call(
            "s3_put",
            bucket=bucket,
            key=key,
            data_b64=base64.b64encode(data).decode(),
            metadata=dict(metadata or {}),
        )
        target["objects"][key] = {
            "data": data,
            "size": len(data),
            "etag": out["etag"],
            "version_id": out.get("version_id"),
            "metadata": dict(metadata or {}),
        }
        self.record("s3.put", bucket=bucket, key=key, size=len(data), etag=out["etag"])
        return cast(dict[str, Any], target["objects"][key])

    def s3_get(self, bucket: str, key: str) -> bytes:
        """An object's bytes, read from the account server (KeyError when missing)."""
        if key not in self.state["s3"].get(bucket, {}).get("objects", {}):
            self.sync()
        obj = self.state["s3"][bucket]["objects"][key]
        if obj.get("data") is _LAZY or obj.get("data") is None:
            obj["data"] = base64.b64decode(self.account().call("s3_get", bucket=bucket, key=key))
        return cast(bytes, obj["data"])

    # -- Lambda ----------------------------------------------------------------------------
    def lambda_update_code(self, name: str, code_sha: str) -> None:
        self.account().call("lambda_update_code", name=name, seed=code_sha)
        self.record("lambda.update_code", function=name, code_sha256=code_sha)
        self.sync()

    def lambda_publish(self, name: str, description: str = "") -> int:
        number = self.account().call("lambda_publish", name=name, description=description)
        self.record("lambda.publish_version", function=name, version=number)
        self.sync()
        return cast(int, number)

    def lambda_update_alias(
        self, name: str, alias: str, version: int, weights: Mapping[str, float] | None = None
    ) -> None:
        self.account().call(
            "lambda_update_alias",
            name=name,
            alias=alias,
            version=version,
            weights=dict(weights or {}),
        )
        fn = self.state["lambda"][name]
        fn["aliases"][alias] = {"version": version, "weights": dict(weights or {})}
        self.record(
            "lambda.update_alias",
            function=name,
            alias=alias,
            version=version,
            weights=dict(weights or {}),
        )

    # -- saving ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe copy of the state and the change history (object bodies in base64)."""
        if self._account is not None:
            self._mutations = -1
            self.sync()
        state = copy.deepcopy({k: v for k, v in self.state.items() if k != "s3"})
        state["s3"] = {}
        for name, bucket in self.state["s3"].items():
            objects = {}
            for key, obj in bucket["objects"].items():
                data = self.s3_get(name, key) if obj.get("data") is _LAZY else obj["data"]
                objects[key] = {
                    **{k: v for k, v in obj.items() if k != "data"},
                    "data": base64.b64encode(data).decode(),
                }
            state["s3"][name] = {
                **{k: v for k, v in bucket.items() if k != "objects"},
                "objects": objects,
            }
        return {"state": state, "changes": copy.deepcopy(self.changes)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> World:
        """Restore a world saved with to_dict (e.g. to resume a paused pipeline)."""
        try:
            state = copy.deepcopy(dict(data["state"]))
            for bucket in state["s3"].values():
                for obj in bucket["objects"].values():
                    obj["data"] = base64.b64decode(obj["data"])
            changes = list(data.get("changes", []))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise WorldError(f"saved world: not the shape World.to_dict() writes ({exc})") from exc
        for key in ("dynamodb", "sqs", "setup"):
            state.setdefault(key, {} if key != "setup" else [])  # saved before they existed
        for key in _TOP_KEYS:
            if key not in state:
                raise WorldError(f"saved world: state.{key} is missing; save it with to_dict()")
        return cls(state, changes)


_MIRRORED = frozenset({"ssm", "secretsmanager", "ecr", "s3", "lambda", "cloudformation"})


class _Lazy:
    """Marker: the object's bytes live in the account server; s3_get fetches them."""

    def __repr__(self) -> str:
        return "<in the account server>"


_LAZY = _Lazy()


def _manifest_digest(manifest: Any) -> str:
    """The image id our engine put in the manifest's config (what `docker build` produced)."""
    import json as _json

    try:
        return str(_json.loads(manifest)["config"]["digest"])
    except (ValueError, TypeError, KeyError):
        return ""


def _seed_state(state: dict[str, Any]) -> dict[str, Any]:
    """The state as JSON for the account server (object bodies in base64)."""
    skip = ("s3", "stacks", "deployments", "dynamodb", "sqs", "setup")  # seeded by _seed_more
    out = {k: v for k, v in state.items() if k not in skip}
    out["s3"] = {
        name: {
            "region": b["region"],
            "versioning": b["versioning"],
            "objects": {
                key: {"data_b64": base64.b64encode(o["data"]).decode()}
                for key, o in b["objects"].items()
                if isinstance(o.get("data"), bytes)
            },
        }
        for name, b in state["s3"].items()
    }
    return cast(dict[str, Any], json.loads(json.dumps(out, default=str)))


def empty_world(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> World:
    """A world with one account, one region and nothing in it."""
    return _parse({"account": account, "region": region}, "<empty world>")


def load_world(source: str | Path, *, filename: str | None = None) -> World:
    """Load a world fixture from YAML text or a file path; WorldError explains any problem."""
    if isinstance(source, Path):
        name = filename or str(source)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WorldError(f"{name}: cannot read the world file ({exc})") from exc
    else:
        name = filename or "<world>"
        text = source
    loaded = load_document(text, filename=name)
    errors = [f for f in loaded.findings if str(f.severity) == "error"]
    if loaded.data is None or errors:
        first = errors[0] if errors else None
        detail = f"line {first.line}: {first.message}" if first else "empty document"
        raise WorldError(f"{name}: not valid YAML ({detail}); fix the syntax and try again")
    return _parse(loaded.data, name)


def _parse(data: Any, filename: str) -> World:
    r = _Reader(filename)
    top = r.mapping(data, ())
    r.keys(top, _TOP_KEYS, ())
    account = r.text(top.get("account", DEFAULT_ACCOUNT), ("account",))
    if not _ACCOUNT_RE.match(account):
        raise _fail(
            filename,
            ("account",),
            f"{account!r} is not a 12-digit account id",
            'quote it, e.g. account: "123456789012"',
        )
    region = r.text(top.get("region", DEFAULT_REGION), ("region",))
    if not _REGION_RE.match(region):
        raise _fail(filename, ("region",), f"{region!r} is not a region name", "e.g. us-east-1")
    state: dict[str, Any] = {"account": account, "region": region}
    state["accounts"] = _accounts(r, top.get("accounts"), account, region)
    state["roles"] = _roles(r, top.get("roles"), account, state["accounts"])
    state["parameters"] = _parameters(r, top.get("parameters"))
    state["secrets"] = _secrets(r, top.get("secrets"))
    state["ecr"] = _ecr(r, top.get("ecr"), account, state["accounts"])
    state["s3"] = _s3(r, top.get("s3"), region)
    state["lambda"] = _lambdas(r, top.get("lambda"))
    state["alarms"] = _alarms(r, top.get("alarms"))
    state["sns"] = {
        r.text(t, ("sns", i)): {"messages": []}
        for i, t in enumerate(
            r.listing(r.mapping(top.get("sns"), ("sns",)).get("topics"), ("sns", "topics"))
        )
    }
    state["dynamodb"] = _dynamodb(r, top.get("dynamodb"))
    state["sqs"] = _sqs(r, top.get("sqs"))
    state["setup"] = _setup(r, top.get("setup"))
    for key in ("ecs", "ec2", "codedeploy", "codeartifact"):
        # Deployment-side data is kept as given (shape-checked); the deploy engine reads it.
        state[key] = copy.deepcopy(r.mapping(top.get(key), (key,)))
    _check_codedeploy(r, state)
    state["stacks"] = {}
    state["deployments"] = []
    return World(state)


def _accounts(r: _Reader, raw: Any, main: str, region: str) -> dict[str, Any]:
    accounts = {main: {"name": "main", "region": region}}
    for acct_id, spec in r.mapping(raw, ("accounts",)).items():
        path = ("accounts", acct_id)
        acct = str(acct_id)
        if not _ACCOUNT_RE.match(acct):
            raise _fail(r.filename, path, f"{acct!r} is not a 12-digit account id", "quote the key")
        spec = r.mapping(spec, path)
        r.keys(spec, ("name", "region"), path)
        accounts[acct] = {
            "name": r.text(spec.get("name", acct), (*path, "name")),
            "region": r.text(spec.get("region", region), (*path, "region")),
        }
    return accounts


def _roles(r: _Reader, raw: Any, main: str, accounts: dict[str, Any]) -> dict[str, Any]:
    roles: dict[str, Any] = {}
    for i, spec in enumerate(r.listing(raw, ("roles",))):
        path = ("roles", i)
        spec = r.mapping(spec, path)
        r.keys(spec, ("name", "account", "trust"), path)
        name = r.text(spec.get("name"), (*path, "name"))
        account = r.text(spec.get("account", main), (*path, "account"))
        if account not in accounts:
            raise _fail(
                r.filename,
                (*path, "account"),
                f"account {account} is not declared",
                "add it under `accounts:`",
            )
        trust = [
            r.text(t, (*path, "trust", j))
            for j, t in enumerate(r.listing(spec.get("trust"), (*path, "trust")))
        ]
        roles[f"arn:aws:iam::{account}:role/{name}"] = {
            "name": name,
            "account": account,
            "trust": trust,
        }
    return roles


def _parameters(r: _Reader, raw: Any) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, spec in r.mapping(raw, ("parameters",)).items():
        path = ("parameters", name)
        if not isinstance(spec, dict):
            spec = {"value": spec}
        r.keys(spec, ("type", "value", "versions", "description"), path)
        ptype = r.text(spec.get("type", "String"), (*path, "type"))
        if ptype not in _PARAM_TYPES:
            raise _fail(
                r.filename,
                (*path, "type"),
                f"{ptype!r} is not a parameter type",
                f"use one of {', '.join(_PARAM_TYPES)}",
            )
        raw_versions = spec.get("versions")
        if raw_versions is None:
            if "value" not in spec:
                raise _fail(r.filename, path, "no value", "add `value:` or `versions:`")
            raw_versions = [{"value": spec["value"]}]
        elif "value" in spec:
            raise _fail(r.filename, path, "both `value` and `versions`", "keep one of them")
        versions = []
        seen_labels: set[str] = set()
        for j, ver in enumerate(r.listing(raw_versions, (*path, "versions")), start=1):
            vpath = (*path, "versions", j - 1)
            ver = r.mapping(ver, vpath)
            r.keys(ver, ("value", "labels"), vpath)
            labels = [
                r.text(x, (*vpath, "labels"))
                for x in r.listing(ver.get("labels"), (*vpath, "labels"))
            ]
            for label in labels:
                if label in seen_labels:
                    raise _fail(
                        r.filename,
                        (*vpath, "labels"),
                        f"label {label!r} is on two versions",
                        "a label can be on only one version at a time",
                    )
                seen_labels.add(label)
            value = ver.get("value")
            if isinstance(value, list) and ptype == "StringList":
                value = ",".join(str(v) for v in value)
            versions.append(
                {"version": j, "value": r.text(value, (*vpath, "value")), "labels": labels}
            )
        if not versions:
            raise _fail(r.filename, path, "no versions", "list at least one version")
        params[str(name)] = {"type": ptype, "versions": versions}
    return params


def _secrets(r: _Reader, raw: Any) -> dict[str, Any]:
    secrets: dict[str, Any] = {}
    for name, spec in r.mapping(raw, ("secrets",)).items():
        path = ("secrets", name)
        spec = (
            r.mapping(spec, path)
            if isinstance(spec, dict) and ("value" in spec or "versions" in spec)
            else {"value": spec}
        )
        r.keys(spec, ("value", "versions", "description"), path)
        if "versions" in spec:
            versions = []
            for j, ver in enumerate(r.listing(spec["versions"], (*path, "versions"))):
                vpath = (*path, "versions", j)
                ver = r.mapping(ver, vpath)
                r.keys(ver, ("id", "value", "stages"), vpath)
                versions.append(
                    {
                        "id": r.text(ver.get("id", f"v{j + 1}"), (*vpath, "id")),
                        "value": _secret_string(ver.get("value", "")),
                        "stages": [
                            r.text(s, (*vpath, "stages"))
                            for s in r.listing(ver.get("stages"), (*vpath, "stages"))
                        ],
                    }
                )
            if not any("AWSCURRENT" in v["stages"] for v in versions):
                raise _fail(
                    r.filename,
                    path,
                    "no version has the AWSCURRENT stage",
                    "add `stages: [AWSCURRENT]` to the current version",
                )
        else:
            versions = [
                {"id": "v1", "value": _secret_string(spec.get("value")), "stages": ["AWSCURRENT"]}
            ]
        secrets[str(name)] = {"versions": versions}
    return secrets


def _ecr(r: _Reader, raw: Any, main: str, accounts: dict[str, Any]) -> dict[str, Any]:
    spec = r.mapping(raw, ("ecr",))
    r.keys(spec, ("repositories",), ("ecr",))
    repos_raw = spec.get("repositories")
    if isinstance(repos_raw, list):
        repos_raw = {r.text(n, ("ecr", "repositories", i)): {} for i, n in enumerate(repos_raw)}
    repos: dict[str, Any] = {}
    for name, body in r.mapping(repos_raw, ("ecr", "repositories")).items():
        path = ("ecr", "repositories", name)
        body = r.mapping(body, path)
        r.keys(body, ("account", "images"), path)
        account = r.text(body.get("account", main), (*path, "account"))
        if account not in accounts:
            raise _fail(
                r.filename,
                (*path, "account"),
                f"account {account} is not declared",
                "add it under `accounts:`",
            )
        images = []
        for j, img in enumerate(r.listing(body.get("images"), (*path, "images"))):
            img = r.mapping(img, (*path, "images", j))
            tag = r.text(img.get("tag"), (*path, "images", j, "tag"))
            images.append({"tags": [tag], "digest": img.get("digest") or _digest(f"{name}:{tag}")})
        repos[str(name)] = {"account": account, "images": images}
    return repos


def _s3(r: _Reader, raw: Any, region: str) -> dict[str, Any]:
    spec = r.mapping(raw, ("s3",))
    r.keys(spec, ("buckets",), ("s3",))
    buckets_raw = spec.get("buckets")
    if isinstance(buckets_raw, list):
        buckets_raw = {r.text(n, ("s3", "buckets", i)): {} for i, n in enumerate(buckets_raw)}
    buckets: dict[str, Any] = {}
    for name, body in r.mapping(buckets_raw, ("s3", "buckets")).items():
        path = ("s3", "buckets", name)
        body = r.mapping(body, path)
        r.keys(body, ("region", "versioning", "objects"), path)
        objects = {}
        for key, content in r.mapping(body.get("objects"), (*path, "objects")).items():
            data = r.text(content, (*path, "objects", key)).encode()
            objects[str(key)] = {
                "data": data,
                "size": len(data),
                "etag": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                "version_id": None,
                "metadata": {},
            }
        buckets[str(name)] = {
            "region": r.text(body.get("region", region), (*path, "region")),
            "versioning": bool(body.get("versioning", False)),
            "objects": objects,
        }
    return buckets


def _lambdas(r: _Reader, raw: Any) -> dict[str, Any]:
    spec = r.mapping(raw, ("lambda",))
    r.keys(spec, ("functions",), ("lambda",))
    functions: dict[str, Any] = {}
    for name, body in r.mapping(spec.get("functions"), ("lambda", "functions")).items():
        path = ("lambda", "functions", name)
        body = r.mapping(body, path)
        r.keys(body, ("runtime", "versions", "aliases", "hooks"), path)
        versions = []
        for j, ver in enumerate(r.listing(body.get("versions"), (*path, "versions"))):
            number = ver.get("version") if isinstance(ver, dict) else ver
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                raise _fail(
                    r.filename,
                    (*path, "versions", j),
                    f"{number!r} is not a version number",
                    "versions are positive integers: [1, 2]",
                )
            versions.append(
                {
                    "version": number,
                    "code_sha256": _digest(f"{name}:{number}")[7:],
                    "description": "",
                }
            )
        known: set[Any] = {v["version"] for v in versions}
        aliases = {}
        for alias, target in r.mapping(body.get("aliases"), (*path, "aliases")).items():
            apath = (*path, "aliases", alias)
            target = target if isinstance(target, dict) else {"version": target}
            version = target.get("version")
            if version not in known:
                raise _fail(
                    r.filename,
                    apath,
                    f"points at version {version!r}, which is not listed",
                    f"use one of {sorted(known)} or add it to `versions`",
                )
            weights = r.mapping(target.get("weights"), (*apath, "weights"))
            aliases[str(alias)] = {
                "version": version,
                "weights": {str(k): float(v) for k, v in weights.items()},
            }
        functions[str(name)] = {
            "runtime": r.text(body.get("runtime", "nodejs20.x"), (*path, "runtime")),
            "versions": versions,
            "aliases": aliases,
            "code_sha256": versions[-1]["code_sha256"] if versions else "",
            # Scripted outcome when this function is used as a CodeDeploy hook.
            "hooks": copy.deepcopy(body.get("hooks", {})),
        }
    return functions


def _alarms(r: _Reader, raw: Any) -> dict[str, Any]:
    alarms: dict[str, Any] = {}
    for name, body in r.mapping(raw, ("alarms",)).items():
        path = ("alarms", name)
        body = r.mapping(body, path)
        r.keys(body, ("behaviour", "minutes", "threshold", "state"), path)
        behaviour = r.text(body.get("behaviour", "ok"), (*path, "behaviour"))
        if behaviour not in _ALARM_BEHAVIOURS:
            raise _fail(
                r.filename,
                (*path, "behaviour"),
                f"{behaviour!r} is not a behaviour",
                f"use one of {', '.join(_ALARM_BEHAVIOURS)}",
            )
        if behaviour == "after_traffic" and not isinstance(body.get("minutes"), int | float):
            raise _fail(
                r.filename,
                (*path, "minutes"),
                "after_traffic needs `minutes`",
                "e.g. minutes: 3 (ALARM 3 minutes after the new version takes traffic)",
            )
        if behaviour == "error_rate" and not isinstance(body.get("threshold"), int | float):
            raise _fail(
                r.filename,
                (*path, "threshold"),
                "error_rate needs `threshold`",
                "e.g. threshold: 5 (percent of errors reported by hook scripts)",
            )
        alarms[str(name)] = {**copy.deepcopy(body), "behaviour": behaviour, "state": "OK"}
    return alarms


def _check_codedeploy(r: _Reader, state: dict[str, Any]) -> None:
    apps = r.mapping(state["codedeploy"].get("applications"), ("codedeploy", "applications"))
    for app_name, app in apps.items():
        path = ("codedeploy", "applications", app_name)
        app = r.mapping(app, path)
        groups = r.mapping(app.get("deployment_groups"), (*path, "deployment_groups"))
        for group_name, group in groups.items():
            gpath = (*path, "deployment_groups", group_name)
            group = r.mapping(group, gpath)
            for j, alarm in enumerate(r.listing(group.get("alarms"), (*gpath, "alarms"))):
                if alarm not in state["alarms"]:
                    raise _fail(
                        r.filename,
                        (*gpath, "alarms", j),
                        f"alarm {alarm!r} is not declared",
                        "add it under `alarms:`",
                    )


# --- DynamoDB, SQS and generic setup calls (seeded through the account's AWS API) -----------


def _key_schema(r: _Reader, raw: Any, path: tuple[Any, ...]) -> list[tuple[str, str]]:
    key = r.mapping(raw, path)
    if not 1 <= len(key) <= 2:
        raise _fail(
            r.filename,
            path,
            "a key has a partition attribute and at most a sort attribute",
            "e.g. key: {pk: S, sk: N} (first is the partition key)",
        )
    out = []
    for attr, kind in key.items():
        kind = r.text(kind, (*path, attr))
        if kind not in _KEY_TYPES:
            raise _fail(r.filename, (*path, attr), f"{kind!r} is not a key type", "use S, N or B")
        out.append((str(attr), kind))
    return out


def _dynamodb(r: _Reader, raw: Any) -> dict[str, Any]:
    spec = r.mapping(raw, ("dynamodb",))
    r.keys(spec, ("tables",), ("dynamodb",))
    tables: dict[str, Any] = {}
    for name, body in r.mapping(spec.get("tables"), ("dynamodb", "tables")).items():
        path = ("dynamodb", "tables", name)
        body = r.mapping(body, path)
        r.keys(body, ("key", "indexes", "items", "stream"), path)
        if "key" not in body:
            raise _fail(r.filename, path, "no key", "add key: {id: S}")
        key = _key_schema(r, body["key"], (*path, "key"))
        indexes = {}
        for index, ibody in r.mapping(body.get("indexes"), (*path, "indexes")).items():
            ipath = (*path, "indexes", index)
            ibody = r.mapping(ibody, ipath)
            r.keys(ibody, ("key",), ipath)
            indexes[str(index)] = _key_schema(r, ibody.get("key"), (*ipath, "key"))
        items = []
        for j, item in enumerate(r.listing(body.get("items"), (*path, "items"))):
            item = r.mapping(item, (*path, "items", j))
            missing = [a for a, _ in key if a not in item]
            if missing:
                raise _fail(
                    r.filename,
                    (*path, "items", j),
                    f"no value for key attribute {missing[0]}",
                    "every item needs the table's key attributes",
                )
            items.append(json.loads(json.dumps(item, default=str)))
        tables[str(name)] = {
            "key": key,
            "indexes": indexes,
            "items": items,
            "stream": bool(body.get("stream", False)),
        }
    return tables


def _sqs(r: _Reader, raw: Any) -> dict[str, Any]:
    spec = r.mapping(raw, ("sqs",))
    r.keys(spec, ("queues",), ("sqs",))
    raw_queues = spec.get("queues")
    if isinstance(raw_queues, list):
        raw_queues = {r.text(n, ("sqs", "queues", i)): {} for i, n in enumerate(raw_queues)}
    queues: dict[str, Any] = {}
    for name, body in r.mapping(raw_queues, ("sqs", "queues")).items():
        path = ("sqs", "queues", name)
        body = r.mapping(body, path)
        r.keys(body, ("attributes", "dead_letter", "messages"), path)
        attributes = {
            str(k): r.text(v, (*path, "attributes", k))
            for k, v in r.mapping(body.get("attributes"), (*path, "attributes")).items()
        }
        dead_letter = r.mapping(body.get("dead_letter"), (*path, "dead_letter"))
        if dead_letter:
            r.keys(dead_letter, ("queue", "max_receives"), (*path, "dead_letter"))
            target = r.text(dead_letter.get("queue"), (*path, "dead_letter", "queue"))
            if target not in (raw_queues or {}):
                raise _fail(
                    r.filename,
                    (*path, "dead_letter", "queue"),
                    f"queue {target!r} is not declared",
                    "declare the DLQ under sqs.queues too",
                )
            receives = dead_letter.get("max_receives", 3)
            if isinstance(receives, bool) or not isinstance(receives, int) or receives < 1:
                raise _fail(
                    r.filename,
                    (*path, "dead_letter", "max_receives"),
                    "expected a whole number >= 1",
                    "e.g. max_receives: 3",
                )
            dead_letter = {"queue": target, "max_receives": receives}
        messages = [
            m if isinstance(m, str) else json.dumps(m)
            for m in r.listing(body.get("messages"), (*path, "messages"))
        ]
        queues[str(name)] = {
            "attributes": attributes,
            "dead_letter": dead_letter,
            "messages": messages,
        }
    return queues


def _setup(r: _Reader, raw: Any) -> list[dict[str, Any]]:
    calls = []
    for i, call in enumerate(r.listing(raw, ("setup",))):
        path = ("setup", i)
        call = r.mapping(call, path)
        r.keys(call, ("service", "operation", "params", "account", "region"), path)
        service = r.text(call.get("service"), (*path, "service"))
        operation = r.text(call.get("operation"), (*path, "operation"))
        if not re.fullmatch(r"[a-z0-9-]+", service) or not re.fullmatch(r"[A-Za-z_]+", operation):
            raise _fail(
                r.filename,
                path,
                "service and operation must be plain names",
                "e.g. {service: cognito-idp, operation: create_user_pool, params: {...}}",
            )
        calls.append(
            {
                "service": service,
                "operation": operation,
                "params": copy.deepcopy(r.mapping(call.get("params"), (*path, "params"))),
                "account": r.text(call.get("account"), (*path, "account"), required=False),
                "region": r.text(call.get("region"), (*path, "region"), required=False),
            }
        )
    return calls


def _snake(operation: str) -> str:
    if not operation[:1].isupper():
        return operation
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _seed_more(service: AccountService, state: dict[str, Any]) -> None:
    """Tables, queues and setup calls, made through the account's AWS API as the host."""
    if not (state.get("dynamodb") or state.get("sqs") or state.get("setup")):
        return
    from botocore.exceptions import BotoCoreError, ClientError

    from simulator.lambdas._client import account_client

    sock = str(service.sandbox_dir / "aws.sock")
    main, region = state["account"], state["region"]

    def client(name: str, account: str = "", where: str = "") -> Any:
        key, secret = service.call("credentials", account=account or main)
        return account_client(sock, name, key, secret, where or region)

    service.call("origin", origin="host:seed")
    try:
        _seed_tables(client("dynamodb"), state.get("dynamodb") or {})
        _seed_queues(client("sqs"), state.get("sqs") or {}, main, region)
        for i, call in enumerate(state.get("setup") or []):
            api = client(call["service"], call.get("account") or "", call.get("region") or "")
            method = getattr(api, _snake(call["operation"]), None)
            if method is None:
                raise WorldError(
                    f"setup.{i}: {call['service']} has no operation {call['operation']!r}; "
                    "use the API name, e.g. CreateUserPool or create_user_pool"
                )
            try:
                method(**call["params"])
            except (ClientError, BotoCoreError) as exc:
                where = f"setup.{i}: {call['service']} {call['operation']}"
                raise WorldError(f"{where}: {exc}") from exc
    finally:
        service.call("origin", origin="host")


def _seed_tables(ddb: Any, tables: dict[str, Any]) -> None:
    from decimal import Decimal

    from boto3.dynamodb.types import TypeSerializer

    writer = TypeSerializer()
    for name, table in tables.items():
        attributes = dict(table["key"])
        for schema in table["indexes"].values():
            attributes.update(dict(schema))

        def schema_of(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
            return [
                {"AttributeName": a, "KeyType": "HASH" if i == 0 else "RANGE"}
                for i, (a, _t) in enumerate(pairs)
            ]

        params: dict[str, Any] = {
            "TableName": name,
            "KeySchema": schema_of(table["key"]),
            "AttributeDefinitions": [
                {"AttributeName": a, "AttributeType": t} for a, t in attributes.items()
            ],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if table["indexes"]:
            params["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index,
                    "KeySchema": schema_of(schema),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, schema in table["indexes"].items()
            ]
        if table.get("stream"):
            params["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }
        ddb.create_table(**params)
        for item in table["items"]:
            plain = json.loads(json.dumps(item), parse_float=Decimal)
            ddb.put_item(TableName=name, Item={k: writer.serialize(v) for k, v in plain.items()})


def _seed_queues(sqs: Any, queues: dict[str, Any], account: str, region: str) -> None:
    urls = {}
    # Dead-letter queues first: a redrive policy names an existing queue's ARN.
    order = sorted(queues, key=lambda n: bool(queues[n]["dead_letter"]))
    for name in order:
        queue = queues[name]
        attributes = dict(queue["attributes"])
        if name.endswith(".fifo"):
            attributes.setdefault("FifoQueue", "true")
        if queue["dead_letter"]:
            target = queue["dead_letter"]["queue"]
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": f"arn:aws:sqs:{region}:{account}:{target}",
                    "maxReceiveCount": queue["dead_letter"]["max_receives"],
                }
            )
        urls[name] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    for name, queue in queues.items():
        for j, body in enumerate(queue["messages"]):
            extra = {"MessageGroupId": "seed", "MessageDeduplicationId": f"seed-{j}"}
            sqs.send_message(
                QueueUrl=urls[name], MessageBody=body, **(extra if name.endswith(".fifo") else {})
            )
