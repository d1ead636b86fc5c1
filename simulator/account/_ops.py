"""Host-only operations of the account server: seed a world, read state, engine writes.

Every read and write here goes through the AWS API (botocore clients sent through the front
in-process), so moto validates it as it would a learner's request and the call log shows it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from simulator.account._export import remember_body
from simulator.account._server import _HOST, AccountServer


class OpError(Exception):
    """An operation the account refused (the AWS error code and message)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


def dispatch(server: AccountServer, name: str, request: dict[str, Any]) -> Any:
    handler = _OPS.get(name)
    if handler is None:
        raise OpError(f"unknown control operation {name!r}", "UnknownOperation")
    origin = request.pop("_origin", "") if isinstance(request, dict) else ""
    _HOST.origin = origin or "host"
    try:
        return handler(server, **request)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise OpError(f"{err.get('Code')}: {err.get('Message')}", err.get("Code", "")) from exc
    finally:
        _HOST.origin = ""


# -- seeding -----------------------------------------------------------------------------------
def seed(server: AccountServer, state: dict[str, Any]) -> dict[str, Any]:
    """Create the world's resources through the API (origin "host:seed")."""
    _HOST.origin = "host:seed"
    server.main_account = state["account"]
    server.main_region = state["region"]
    for account in state.get("accounts", {}):
        server.add_account(account)
    server.add_account(server.main_account)
    c = server.client
    for arn, role in state.get("roles", {}).items():
        server.roles[arn] = list(role.get("trust", []))
        principals = [
            {"Service": t} if t.endswith(".amazonaws.com") else {"AWS": _principal(t)}
            for t in role.get("trust", [])
        ]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals
            ],
        }
        c("iam", role["account"]).create_role(
            RoleName=role["name"], AssumeRolePolicyDocument=json.dumps(policy)
        )
    ssm = c("ssm")
    for name, param in state.get("parameters", {}).items():
        for version in param["versions"]:
            ssm.put_parameter(Name=name, Value=version["value"], Type=param["type"], Overwrite=True)
            if version["labels"]:
                ssm.label_parameter_version(
                    Name=name, ParameterVersion=version["version"], Labels=version["labels"]
                )
    sm = c("secretsmanager")
    for name, secret in state.get("secrets", {}).items():
        ordered = sorted(secret["versions"], key=lambda v: "AWSCURRENT" not in v["stages"])
        first, rest = ordered[0], ordered[1:]
        sm.create_secret(Name=name, SecretString=first["value"])
        for version in rest:
            if version["stages"]:
                sm.put_secret_value(
                    SecretId=name, SecretString=version["value"], VersionStages=version["stages"]
                )
    for name, repo in state.get("ecr", {}).items():
        ecr = c("ecr", repo["account"])
        ecr.create_repository(repositoryName=name)
        for image in repo.get("images", []):
            for tag in image["tags"]:
                ecr.put_image(
                    repositoryName=name,
                    imageManifest=_manifest(image["digest"]),
                    imageTag=tag,
                    imageDigest=_manifest_digest(image["digest"]),
                )
    for name, bucket in state.get("s3", {}).items():
        region = bucket.get("region") or server.main_region
        s3 = c("s3", None, region)
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        if bucket.get("versioning"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for key, obj in bucket.get("objects", {}).items():
            body = base64.b64decode(obj["data_b64"])
            put = s3.put_object(Bucket=name, Key=key, Body=body)
            remember_body(server, server.main_account, name, key, put.get("ETag", ""), body)
    functions = state.get("lambda", {})
    if functions:
        role = c("iam").create_role(
            RoleName="pa-lambda-execution",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]
        lam = c("lambda")
        for name, fn in functions.items():
            lam.create_function(
                FunctionName=name,
                Runtime=fn.get("runtime", "nodejs20.x"),
                Role=role,
                Handler="index.handler",
                Code={"ZipFile": _zip(f"{name}:0")},
            )
            top = max([v["version"] for v in fn["versions"]] or [0])
            for number in range(1, top + 1):
                lam.update_function_code(FunctionName=name, ZipFile=_zip(f"{name}:{number}"))
                lam.publish_version(FunctionName=name)
            for alias, target in fn.get("aliases", {}).items():
                kwargs = {
                    "FunctionName": name,
                    "Name": alias,
                    "FunctionVersion": str(target["version"]),
                }
                if target.get("weights"):
                    kwargs["RoutingConfig"] = {
                        "AdditionalVersionWeights": {
                            str(k): float(v) for k, v in target["weights"].items()
                        }
                    }
                lam.create_alias(**kwargs)
    for topic in state.get("sns", {}):
        c("sns").create_topic(Name=topic)
    for alarm in state.get("alarms", {}):
        c("cloudwatch").put_metric_alarm(
            AlarmName=alarm,
            MetricName="Errors",
            Namespace="Simulated",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    server.codedeploy = state.get("codedeploy", {}) or {}
    server.mutations = 0
    return {
        "credentials": {a: list(server.credentials(a)) for a in server.account_keys},
    }


def _principal(trusted: str) -> str:
    return f"arn:aws:iam::{trusted}:root" if trusted.isdigit() else trusted


def _zip(seed: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", f"// {seed}\nexports.handler = async () => ({{}});\n")
    return buffer.getvalue()


def _manifest(config_digest: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1024,
                "digest": config_digest,
            },
            "layers": [],
        },
        sort_keys=True,
    )


def _manifest_digest(config_digest: str) -> str:
    """ECR names an image by the sha256 of its manifest."""
    return "sha256:" + hashlib.sha256(_manifest(config_digest).encode()).hexdigest()


# -- reads -------------------------------------------------------------------------------------
def set_origin(server: AccountServer, origin: str) -> None:
    server.origin = origin[:200]


def calls(server: AccountServer, since: int = 0) -> list[dict[str, Any]]:
    return server.calls_since(since)


def mutations(server: AccountServer) -> int:
    return server.mutations


def credentials(server: AccountServer, account: str) -> list[str]:
    return list(server.credentials(account))


def ssm_get(server: AccountServer, selector: str, region: str | None = None) -> dict[str, Any]:
    found = server.client("ssm", None, region).get_parameter(Name=selector, WithDecryption=True)
    p = found["Parameter"]
    history = server.client("ssm", None, region).get_parameter_history(
        Name=p["Name"], WithDecryption=True
    )["Parameters"]
    labels: list[str] = next(
        (h.get("Labels", []) for h in history if h["Version"] == p["Version"]), []
    )
    return {
        "name": p["Name"],
        "type": p["Type"],
        "value": p["Value"],
        "version": p["Version"],
        "labels": labels,
    }


def secret_get(
    server: AccountServer, secret_id: str, version_stage: str = "", version_id: str = ""
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"SecretId": secret_id}
    if version_id:
        kwargs["VersionId"] = version_id
    elif version_stage:
        kwargs["VersionStage"] = version_stage
    found = server.client("secretsmanager").get_secret_value(**kwargs)
    value = found.get("SecretString")
    if value is None:
        value = base64.b64encode(found.get("SecretBinary", b"")).decode()
    return {
        "name": found["Name"],
        "id": found["VersionId"],
        "value": value,
        "stages": found.get("VersionStages", []),
    }


def ecr_put(
    server: AccountServer, repository: str, tag: str, digest: str, account: str | None = None
) -> str:
    out = server.client("ecr", account).put_image(
        repositoryName=repository,
        imageManifest=_manifest(digest),
        imageTag=tag,
        imageDigest=_manifest_digest(digest),
    )
    image_digest: str = out["image"]["imageId"]["imageDigest"]
    return image_digest


def s3_create_bucket(
    server: AccountServer, bucket: str, region: str | None = None, versioning: bool = False
) -> bool:
    region = region or server.main_region
    s3 = server.client("s3", None, region)
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError:
        pass
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    if versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return True


def s3_put(
    server: AccountServer,
    bucket: str,
    key: str,
    data_b64: str,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = base64.b64decode(data_b64)
    out = server.client("s3").put_object(
        Bucket=bucket, Key=key, Body=data, Metadata=dict(metadata or {})
    )
    remember_body(server, server.main_account, bucket, key, out.get("ETag", ""), data)
    return {
        "etag": out.get("ETag", "").strip('"'),
        "version_id": out.get("VersionId"),
        "size": len(data),
    }


def s3_get(server: AccountServer, bucket: str, key: str) -> str:
    out = server.client("s3").get_object(Bucket=bucket, Key=key)
    return base64.b64encode(out["Body"].read()).decode()


def lambda_update_code(server: AccountServer, name: str, seed: str) -> str:
    out = server.client("lambda").update_function_code(FunctionName=name, ZipFile=_zip(seed))
    code_sha256: str = out["CodeSha256"]
    return code_sha256


def lambda_publish(server: AccountServer, name: str, description: str = "") -> int:
    out = server.client("lambda").publish_version(FunctionName=name, Description=description)
    return int(out["Version"])


def lambda_update_alias(
    server: AccountServer, name: str, alias: str, version: int, weights: dict[str, float]
) -> None:
    server.client("lambda").update_alias(
        FunctionName=name,
        Name=alias,
        FunctionVersion=str(version),
        RoutingConfig={"AdditionalVersionWeights": {str(k): float(v) for k, v in weights.items()}},
    )


def export(server: AccountServer, services: list[str] | None = None) -> dict[str, Any]:
    """The backend's state in the shape of World.state (host cache refresh, snapshots)."""
    from simulator.account import _export

    return _export.export(server, services)


def assume_role(
    server: AccountServer, role_arn: str, from_account: str, session_name: str = "codepipeline"
) -> str:
    """STS AssumeRole as a principal of from_account (the front checks the role's trust)."""
    out = server.client("sts", from_account).assume_role(
        RoleArn=role_arn, RoleSessionName=session_name[:64]
    )
    assumed_arn: str = out["AssumedRoleUser"]["Arn"]
    return assumed_arn


def budget(
    server: AccountServer, calls: int | None = None, stored: int | None = None
) -> dict[str, int]:
    """Change this run's limits (host only: tests and instructors' long labs)."""
    if calls is not None:
        server.budget.max_calls = int(calls)
    if stored is not None:
        server.budget.max_stored = int(stored)
    return {"calls": server.budget.max_calls, "stored": server.budget.max_stored}


def deployments(server: AccountServer) -> list[dict[str, Any]]:
    return list(server.deployments)


def docker_events(server: AccountServer) -> list[dict[str, Any]]:
    return list(server.docker.events)


def stop(server: AccountServer) -> None:
    server.stop.set()  # type: ignore[attr-defined]


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


_OPS: dict[str, Callable[..., Any]] = {
    "seed": seed,
    "origin": set_origin,
    "calls": calls,
    "mutations": mutations,
    "credentials": credentials,
    "ssm_get": ssm_get,
    "secret_get": secret_get,
    "s3_create_bucket": s3_create_bucket,
    "ecr_put": ecr_put,
    "s3_put": s3_put,
    "s3_get": s3_get,
    "lambda_update_code": lambda_update_code,
    "lambda_publish": lambda_publish,
    "lambda_update_alias": lambda_update_alias,
    "export": export,
    "deployments": deployments,
    "budget": budget,
    "assume_role": assume_role,
    "docker_events": docker_events,
    "stop": stop,
}
