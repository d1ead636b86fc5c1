"""The simulated AWS account a lab starts from, and everything a run changes in it."""

from __future__ import annotations

import base64
import copy
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from simulator import _world_sections as sections
from simulator._loading import Loaded
from simulator._world_file import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    parse_world_data,
    read_world_file,
    world_file_keys,
)
from simulator._world_file import WorldError as WorldError
from simulator._world_seed import seed_more, seed_state
from simulator.account._writes import is_write

if TYPE_CHECKING:
    from simulator.account import AccountSnapshot, ApiCall
    from simulator.account._service import AccountService

_TOP_KEYS = world_file_keys()
EcsListener = Literal["production", "test"]
EcsTaskSet = Literal["original", "replacement"]
MAX_OBJECT_BYTES = 64 * 1024 * 1024


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
                service.call("seed", state=seed_state(self.state))
                seed_more(service, self.state)
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
        role = self.roles.get(role_arn)
        return role is not None and role.trusts(from_account)

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

    # -- typed sections: read-only views of `state`, built on each read ------------------
    @property
    def parameters(self) -> dict[str, sections.Parameter]:
        return sections.parameters(self.state)

    @property
    def secrets(self) -> dict[str, sections.Secret]:
        return sections.secrets(self.state)

    @property
    def repositories(self) -> dict[str, sections.Repository]:
        return sections.repositories(self.state, self.account_id)

    @property
    def buckets(self) -> dict[str, sections.Bucket]:
        return sections.buckets(self.state, self.region)

    @property
    def functions(self) -> dict[str, sections.Function]:
        return sections.functions(self.state)

    @property
    def alarms(self) -> dict[str, sections.Alarm]:
        return sections.alarms(self.state)

    @property
    def roles(self) -> dict[str, sections.Role]:
        return sections.roles(self.state)

    @property
    def topics(self) -> dict[str, sections.Topic]:
        return sections.topics(self.state)

    @property
    def stacks(self) -> dict[str, sections.Stack]:
        return sections.stacks(self.state)

    # -- writes our engines own (alarms, SNS, pipeline stacks, ECS) ------------------------
    def set_alarm_state(self, name: str, state: str, *, behaviour: str | None = None) -> None:
        """Put an alarm in OK or ALARM (declaring it when the world did not)."""
        alarm = self.state["alarms"].setdefault(name, {"behaviour": "ok"})
        alarm["state"] = state
        if behaviour is not None:
            alarm["behaviour"] = behaviour

    def sns_publish(self, topic: str, message: Mapping[str, Any]) -> bool:
        """Deliver a message to a topic named by name or ARN; False when there is no such topic."""
        topics = self.state["sns"]
        key = topic if topic in topics else topic.rsplit(":", 1)[-1]
        if key not in topics:
            return False
        topics[key]["messages"].append(dict(message))
        return True

    def put_stack(self, name: str, **fields: Any) -> None:
        """Create or replace a pipeline-deployed stack (status, parameters, outputs, resources)."""
        self.state["stacks"][name] = dict(fields)

    def stage_change_set(self, name: str, template: Any, parameters: Mapping[str, str]) -> None:
        """Keep a change set on a stack (creating it in REVIEW_IN_PROGRESS when new)."""
        stack = self.state["stacks"].setdefault(
            name, {"status": "REVIEW_IN_PROGRESS", "parameters": {}, "outputs": {}}
        )
        stack["change_set"] = {"template": template, "parameters": dict(parameters)}

    def delete_stack(self, name: str) -> None:
        self.state["stacks"].pop(name, None)

    # -- CodeDeploy: what the deploy engine reads and keeps ----------------------------------
    @property
    def ec2_instances(self) -> dict[str, sections.Ec2Instance]:
        """The EC2 instances deployment groups target (SectionError names a malformed one)."""
        return sections.ec2_instances(self.state)

    @property
    def codedeploy_applications(self) -> dict[str, sections.CodeDeployApplication]:
        """CodeDeploy applications and their groups' settings (SectionError when malformed)."""
        return sections.codedeploy_applications(self.state)

    @property
    def deployment_configs(self) -> dict[str, Any]:
        """Custom CodeDeploy deployment configurations by name (a copy; the engine reads them)."""
        return sections.deployment_configs(self.state)

    @property
    def deployment_ids(self) -> frozenset[str]:
        """Ids of every deployment of this world so far (a new one must not reuse them)."""
        return sections.deployment_ids(self.state)

    def disk_owners(self, instance: str) -> dict[str, sections.FileOwner]:
        """Owner names CodeDeploy set on the instance's installed paths, by path."""
        return sections.disk_owners(self.state, instance)

    def set_disk_owners(self, instance: str, owners: Mapping[str, sections.FileOwner]) -> None:
        """Keep the instance's owner names (they outlive one sandbox session, and a save)."""
        self.state.setdefault("codedeploy_disks", {})[instance] = {
            path: {"owner": o.owner, "group": o.group} for path, o in owners.items()
        }

    def declare_codedeploy(
        self, applications: Mapping[str, Any], deployment_configs: Mapping[str, Any]
    ) -> None:
        """Merge applications, groups and configurations declared elsewhere (they win)."""
        codedeploy = self.state["codedeploy"]
        apps = codedeploy.setdefault("applications", {})
        for name, app in applications.items():
            target = apps.setdefault(name, {})
            if "compute_platform" in app:
                target["compute_platform"] = app["compute_platform"]
            groups = target.setdefault("deployment_groups", {})
            for group_name, spec in (app.get("deployment_groups") or {}).items():
                merged = dict(groups.get(group_name) or {})
                merged.update({k: v for k, v in spec.items() if k != "declared_at"})
                groups[group_name] = merged
        if deployment_configs:
            codedeploy.setdefault("deployment_configs", {}).update(deployment_configs)

    def record_deployment(
        self,
        deployment_id: str,
        application: str,
        group: str,
        status: str,
        rollback_of: str | None = None,
    ) -> None:
        """Keep a deployment the engine ran in the history (graders and later ids read it)."""
        self.state.setdefault("deployments", []).append(
            {
                "id": deployment_id,
                "application": application,
                "group": group,
                "status": status,
                "rollback_of": rollback_of,
            }
        )

    def retarget_group(self, application: str, group: str, instances: Sequence[str]) -> None:
        """Point a blue/green group at its replacement fleet (its tags and spares no longer apply).

        KeyError when the world does not declare the group.
        """
        settings = self.state["codedeploy"]["applications"][application]["deployment_groups"][group]
        settings["instances"] = list(instances)
        settings.pop("ec2_tags", None)
        settings.pop("replacement_instances", None)

    def codedeploy_revisions(self, group_id: str) -> dict[str, Any]:
        """The deploy engine's own memory of a group (revisions, last good one, instances).

        Created empty on first use; its shape belongs to codedeploy's RevisionStore, which
        keeps it here so that it outlives a run and a save.
        """
        store = self.state.setdefault("codedeploy_revisions", {})
        memory: dict[str, Any] = store.setdefault(
            group_id, {"revisions": {}, "last_successful": None, "instances": {}}
        )
        return memory

    def _ecs_deployment(self, service: str) -> dict[str, Any]:
        services = self.state.setdefault("ecs", {}).setdefault("deployments", {})
        record: dict[str, Any] = services.setdefault(
            service, {"task_sets": [], "production": "original", "test": "original"}
        )
        return record

    def ecs_open_deployment(self, service: str) -> None:
        """Track `cluster/service`'s blue/green traffic (both listeners on the original)."""
        self._ecs_deployment(service)

    def ecs_add_task_set(self, service: str, task_set_id: str, task_definition: str) -> None:
        """Start a replacement task set on `cluster/service`."""
        self._ecs_deployment(service)["task_sets"].append(
            {"id": task_set_id, "task_definition": task_definition, "role": "replacement"}
        )

    def ecs_route(self, service: str, listener: EcsListener, task_set: EcsTaskSet) -> None:
        """Send a listener (production or test) of `cluster/service` to one task set."""
        self._ecs_deployment(service)[listener] = task_set

    def ecs_set_weights(self, service: str, replacement_percent: float) -> None:
        """Split production traffic between the original and the replacement task set."""
        self._ecs_deployment(service)["production_weights"] = {
            "original": 100 - replacement_percent,
            "replacement": replacement_percent,
        }

    def ecs_register_task_definition(self, family: str, text: str) -> int:
        """Register a task definition revision; returns its revision number (1, 2...)."""
        revisions = self.state["ecs"].setdefault("task_definitions", {}).setdefault(family, [])
        revisions.append(text)
        return len(revisions)

    def ecs_set_service_images(self, service: str, images: Mapping[str, str]) -> None:
        """The images an ECS standard deployment put on `cluster/service`, by container."""
        self.state["ecs"].setdefault("services_deployed", {})[service] = dict(images)

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

    def ecr_find(self, image_uri: str) -> sections.Repository | None:
        """The repository `registry/name[:tag]` names, when it exists in that registry."""
        without_tag = image_uri.split("@", 1)[0]
        registry, _, rest = without_tag.partition("/")
        name = rest.rsplit(":", 1)[0] if ":" in rest else rest
        repo = self.repositories.get(name)
        if repo is None or registry != self.registry(repo.account):
            return None
        return repo

    def ecr_push(self, repository: str, tag: str, digest: str) -> None:
        """Put an image manifest (config `digest`) into ECR as the host (e.g. a test fixture)."""
        account = self.repositories[repository].account
        self.account().call(
            "ecr_put", repository=repository, tag=tag, digest=digest, account=account
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


def empty_world(account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION) -> World:
    """A world with one account, one region and nothing in it."""
    data = {"account": account, "region": region}
    return World(parse_world_data(data, Loaded(data=data, filename="<empty world>")).state())


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
    return World(read_world_file(text, name).state())
