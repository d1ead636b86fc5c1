"""Seeding a run's account server from a world's state: the seed call, tables, queues, setup."""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any, cast

from simulator._world_file import WorldError

if TYPE_CHECKING:
    from simulator.account._service import AccountService


def seed_state(state: dict[str, Any]) -> dict[str, Any]:
    """The state as JSON for the account server (object bodies in base64)."""
    skip = ("s3", "stacks", "deployments", "dynamodb", "sqs", "setup")  # seeded by seed_more
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


# --- DynamoDB, SQS and generic setup calls (seeded through the account's AWS API) -----------


def _snake(operation: str) -> str:
    if not operation[:1].isupper():
        return operation
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def seed_more(service: AccountService, state: dict[str, Any]) -> None:
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
