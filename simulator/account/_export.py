"""Read the backend's state through the API (quietly: not in the call log) for the host."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from simulator.account._server import _HOST, AccountServer

_TEXT_BYTES = 64 * 1024


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


# Which sections of the export each service's writes can change.
SECTIONS = {
    "ssm": ("parameters",),
    "secretsmanager": ("secrets",),
    "ecr": ("ecr",),
    "s3": ("s3",),
    "lambda": ("lambda",),
    "cloudformation": ("stacks", "stack_instances"),
    "dynamodb": ("x-dynamodb",),
    "sqs": ("x-sqs",),
}
# Not cached: a DynamoDB transaction or batch write, or an SQS receive (which moves messages
# in flight), changes these without an operation name the write counters recognise.
_UNCACHED = frozenset({"x-dynamodb", "x-sqs"})


def export(server: AccountServer, services: list[str] | None = None) -> dict[str, Any]:
    """The state of the given services (all when None); only their sections are present."""
    wanted = (
        {sec for name in services for sec in SECTIONS.get(name, ())}
        if services is not None
        else {sec for secs in SECTIONS.values() for sec in secs}
    )

    # A section is read again only if its service (or CloudFormation, which creates resources
    # of every service) was written to, or a new account/Region came into use, since the last
    # export: the before/after snapshots of a run then cost only what the run changed.
    def key(section: str) -> tuple[Any, ...]:
        service = next(n for n, secs in SECTIONS.items() if section in secs)
        counts = server.write_counts
        return (counts.get(service, 0), counts.get("cloudformation", 0), tuple(_pairs(server)))

    # A section nothing ever wrote to (not its service, not CloudFormation) is empty: every
    # change reaches the backend through the front, which counts writes. Not asking moto
    # spares a one-shot run loading backends it never uses (moto's SSM alone costs ~1 s).
    def untouched(section: str) -> bool:
        service = next(n for n, secs in SECTIONS.items() if section in secs)
        return not server.write_counts.get(service) and not server.write_counts.get(
            "cloudformation"
        )

    result: dict[str, Any] = {s: copy.deepcopy(_EMPTY[s]) for s in wanted if untouched(s)}
    wanted = wanted - set(result)
    cached: dict[str, Any] = {s: server.export_cache.get(s) for s in wanted}
    missing = {s for s in wanted if s in _UNCACHED or cached[s] is None or cached[s][0] != key(s)}
    result.update({s: cached[s][1] for s in wanted - missing})
    if missing:
        _HOST.quiet = True
        try:
            data = _export(server, missing)
        finally:
            _HOST.quiet = False
        for section in missing:
            server.export_cache[section] = (key(section), data[section])
            result[section] = data[section]
    return copy.deepcopy(result)


def _pairs(server: AccountServer) -> list[tuple[str, str]]:
    pairs = {(server.main_account, server.main_region)}
    pairs |= {(a, r) for a, r in server.seen if a in server.account_keys and r}
    return sorted(pairs)


def remember_body(
    server: AccountServer, account: str, bucket: str, key: str, etag: str, body: bytes
) -> None:
    """Record an object the host itself wrote, as the S3 export would read it (no re-read)."""
    entry: dict[str, Any] = {"size": len(body), "etag": etag.strip('"')}
    if len(body) <= _TEXT_BYTES:
        entry["sha256"] = hashlib.sha256(body).hexdigest()
        try:
            entry["text"] = body.decode("utf-8")
        except UnicodeDecodeError:
            entry["text"] = None
    server.s3_bodies[(account, bucket, key)] = entry


_EMPTY: dict[str, Any] = {
    "parameters": {},
    "secrets": {},
    "ecr": {},
    "s3": {},
    "lambda": {},
    "stacks": [],
    "stack_instances": [],
    "x-dynamodb": [],
    "x-sqs": [],
}


def _export(server: AccountServer, wanted: set[str]) -> dict[str, Any]:
    """Read the wanted sections from the backend, account/Region by account/Region, then S3."""
    c = server.client
    out: dict[str, Any] = copy.deepcopy(_EMPTY)
    main = (server.main_account, server.main_region)
    for account, region in _pairs(server):
        # The main account's names are bare; the others' carry their account and Region.
        prefix = "" if (account, region) == main else f"{account}/{region}/"
        if "parameters" in wanted:
            _parameters(c("ssm", account, region), account, region, prefix, out["parameters"])
        if "secrets" in wanted:
            _secrets(c("secretsmanager", account, region), account, region, prefix, out["secrets"])
        if "ecr" in wanted:
            _repositories(c("ecr", account, region), account, region, out["ecr"])
        if "lambda" in wanted:
            _functions(c("lambda", account, region), account, region, out["lambda"])
        if "x-dynamodb" in wanted:
            out["x-dynamodb"].extend(_tables(c("dynamodb", account, region), account, region))
        if "x-sqs" in wanted:
            out["x-sqs"].extend(_queues(c("sqs", account, region), account, region))
        if "stacks" in wanted:
            cfn = c("cloudformation", account, region)
            out["stacks"].extend(_stacks(cfn, account, region))
            out["stack_instances"].extend(_stack_instances(cfn))
    for account in sorted(server.account_keys) if "s3" in wanted else ():
        _buckets(server, account, out["s3"])
    return out


def _parameters(ssm: Any, account: str, region: str, prefix: str, out: dict[str, Any]) -> None:
    """Add each SSM parameter with its whole history (the first one of a name wins)."""
    for meta in _pages(ssm, "describe_parameters", "Parameters"):
        history = _pages(
            ssm, "get_parameter_history", "Parameters", Name=meta["Name"], WithDecryption=True
        )
        entry = {
            "name": meta["Name"],
            "type": meta["Type"],
            "account": account,
            "region": region,
            "versions": [
                {"version": h["Version"], "value": h["Value"], "labels": h.get("Labels", [])}
                for h in history
            ],
        }
        out.setdefault(prefix + meta["Name"], entry)


def _secrets(sm: Any, account: str, region: str, prefix: str, out: dict[str, Any]) -> None:
    """Add each secret with its versions' values (one that cannot be read is left out)."""
    for meta in _pages(sm, "list_secrets", "SecretList"):
        versions = []
        for version_id, stages in (meta.get("SecretVersionsToStages") or {}).items():
            try:
                value = sm.get_secret_value(SecretId=meta["ARN"], VersionId=version_id)
            except ClientError:
                continue
            versions.append(
                {"id": version_id, "value": value.get("SecretString"), "stages": stages}
            )
        out[prefix + meta["Name"]] = {
            "name": meta["Name"],
            "arn": meta["ARN"],
            "account": account,
            "region": region,
            "versions": versions,
        }


def _repositories(ecr: Any, account: str, region: str, out: dict[str, Any]) -> None:
    """Add each ECR repository with its images' digests and tags (the first one of a name wins)."""
    for repo in _pages(ecr, "describe_repositories", "repositories"):
        images = _pages(
            ecr, "describe_images", "imageDetails", repositoryName=repo["repositoryName"]
        )
        out.setdefault(
            repo["repositoryName"],
            {
                "account": account,
                "region": region,
                "images": [
                    {"digest": i["imageDigest"], "tags": i.get("imageTags", [])} for i in images
                ],
            },
        )


def _functions(lam: Any, account: str, region: str, out: dict[str, Any]) -> None:
    """Add each Lambda function with its published versions and aliases (first of a name wins)."""
    for fn in _pages(lam, "list_functions", "Functions"):
        name = fn["FunctionName"]
        versions = _pages(lam, "list_versions_by_function", "Versions", FunctionName=name)
        aliases = _pages(lam, "list_aliases", "Aliases", FunctionName=name)
        out.setdefault(
            name,
            {
                "account": account,
                "region": region,
                "code_sha256": fn.get("CodeSha256", ""),
                "environment": (fn.get("Environment") or {}).get("Variables", {}),
                "versions": [
                    {
                        "version": int(v["Version"]),
                        "code_sha256": v.get("CodeSha256", ""),
                        "description": v.get("Description", ""),
                    }
                    for v in versions
                    if v["Version"] != "$LATEST"
                ],
                "aliases": {a["Name"]: _alias(a) for a in aliases},
            },
        )


def _alias(alias: dict[str, Any]) -> dict[str, Any]:
    """An alias's version (a number when it is one) and its traffic-shifting weights."""
    target = alias["FunctionVersion"]
    return {
        "version": int(target) if target.isdigit() else target,
        "weights": (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {}),
    }


def _stacks(cfn: Any, account: str, region: str) -> list[dict[str, Any]]:
    """The CloudFormation stacks with their status, parameters and outputs."""
    return [
        {
            "name": stack["StackName"],
            "account": account,
            "region": region,
            "status": stack["StackStatus"],
            "status_reason": stack.get("StackStatusReason"),
            "parameters": {
                p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
            },
            "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        }
        for stack in _pages(cfn, "describe_stacks", "Stacks")
    ]


def _stack_instances(cfn: Any) -> list[dict[str, Any]]:
    """The instances of the active stack sets (none when the backend cannot list the sets)."""
    try:
        sets = _pages(cfn, "list_stack_sets", "Summaries", Status="ACTIVE")
    except ClientError:
        sets = []
    instances = []
    for summary in sets:
        for inst in _pages(
            cfn, "list_stack_instances", "Summaries", StackSetName=summary["StackSetName"]
        ):
            instances.append(
                {
                    "stack_set": summary["StackSetName"],
                    "account": inst["Account"],
                    "region": inst["Region"],
                    "status": inst.get("Status", ""),
                    "detailed_status": (inst.get("StackInstanceStatus") or {}).get(
                        "DetailedStatus", ""
                    ),
                    "status_reason": inst.get("StatusReason"),
                }
            )
    return instances


def _buckets(server: AccountServer, account: str, out: dict[str, Any]) -> None:
    """Add the account's buckets, each with its Region, versioning and objects."""
    s3 = server.client("s3", account, server.main_region)
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        region = s3.get_bucket_location(Bucket=name).get("LocationConstraint") or "us-east-1"
        versioning = s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled"
        objects = {}
        for obj in _pages(s3, "list_objects_v2", "Contents", Bucket=name):
            objects[obj["Key"]] = _object(server, s3, account, name, obj)
        out[name] = {
            "account": account,
            "region": region,
            "versioning": versioning,
            "objects": objects,
        }


def _object(
    server: AccountServer, s3: Any, account: str, bucket: str, obj: dict[str, Any]
) -> dict[str, Any]:
    """One object's size and ETag, with its digest and text when small (read once per body)."""
    entry: dict[str, Any] = {"size": obj["Size"], "etag": obj["ETag"].strip('"')}
    # An object whose ETag and size are unchanged since the last export has the
    # same body: reuse its digest and text instead of reading it again.
    seen = server.s3_bodies.get((account, bucket, obj["Key"]))
    if seen is not None and (seen["etag"], seen["size"]) == (entry["etag"], entry["size"]):
        return dict(seen)
    if obj["Size"] <= _TEXT_BYTES:
        # Small objects carry their digest and text (what checks read: configs,
        # artifacts' manifests); bigger ones only their size and ETag.
        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        entry["sha256"] = hashlib.sha256(body).hexdigest()
        try:
            entry["text"] = body.decode("utf-8")
        except UnicodeDecodeError:
            entry["text"] = None
    server.s3_bodies[(account, bucket, obj["Key"])] = dict(entry)
    return entry


MAX_ITEMS = 1000  # items per table in a snapshot (labs' tables are small)


def _plain(value: Any) -> Any:
    """A DynamoDB value as plain JSON: Decimal to int/float, sets to sorted lists, bytes to text."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), bytes):
        return base64.b64encode(value.value).decode()
    return value


def _tables(ddb: Any, account: str, region: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    reader = TypeDeserializer()
    tables = []
    for name in _pages(ddb, "list_tables", "TableNames"):
        desc = ddb.describe_table(TableName=name)["Table"]
        key = [k["AttributeName"] for k in sorted(desc["KeySchema"], key=lambda k: k["KeyType"])]
        items: list[dict[str, Any]] = []
        for page in ddb.get_paginator("scan").paginate(TableName=name):
            for raw in page.get("Items", []):
                items.append({k: _plain(reader.deserialize(v)) for k, v in raw.items()})
            if len(items) >= MAX_ITEMS:
                break
        items.sort(key=lambda i: json.dumps([i.get(k) for k in key], default=str))
        tables.append(
            {
                "name": name,
                "account": account,
                "region": region,
                "key": key,
                "items": items[:MAX_ITEMS],
                "indexes": [g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])],
            }
        )
    return tables


def _queues(sqs: Any, account: str, region: str) -> list[dict[str, Any]]:
    queues = []
    for url in sqs.list_queues().get("QueueUrls", []):
        name = url.rsplit("/", 1)[-1]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        redrive: dict[str, Any] = {}
        with contextlib.suppress(ValueError, TypeError):
            redrive = json.loads(attrs.get("RedrivePolicy") or "{}")
        queues.append(
            {
                "name": name,
                "account": account,
                "region": region,
                "visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
                "delayed": int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
                "bodies": _bodies(account, region, name),
                "attributes": {
                    k: str(v)
                    for k, v in attrs.items()
                    if not k.startswith("Approximate") and k != "RedrivePolicy"
                },
                "dead_letter_target": str(redrive.get("deadLetterTargetArn", "")).rsplit(":", 1)[
                    -1
                ],
                "max_receive_count": int(redrive.get("maxReceiveCount", 0) or 0),
            }
        )
    return queues


def _bodies(account: str, region: str, name: str) -> list[str]:
    # Read from the backend itself: receiving through the API would change what it reports
    # (receive counts, visibility) and so the run.
    try:
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[account][region].queues[name]
        return [str(m.body) for m in list(queue._messages)]
    except (KeyError, AttributeError, ImportError):
        return []
