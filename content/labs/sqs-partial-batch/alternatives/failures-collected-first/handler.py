"""Validate the whole batch first, store the valid orders, and report the invalid ones."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def parse(record):
    try:
        order = json.loads(record["body"])
        quantity = int(order["quantity"])
    except (ValueError, KeyError, TypeError):
        return None
    if quantity <= 0:
        return None
    return {"orderId": order["orderId"], "sku": order["sku"], "quantity": quantity}


def handler(event, context):
    parsed = [(record["messageId"], parse(record)) for record in event["Records"]]
    with table.batch_writer() as batch:
        for _, item in parsed:
            if item is not None:
                batch.put_item(Item=item)
    bad = [message_id for message_id, item in parsed if item is None]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in bad]}
