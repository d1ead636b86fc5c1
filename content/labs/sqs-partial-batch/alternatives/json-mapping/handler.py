"""Store orders from the queue; a partial batch response names the messages to retry."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    response = {"batchItemFailures": []}
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            quantity = int(order["quantity"])
            if quantity <= 0:
                raise ValueError("quantity must be positive")
            table.put_item(
                Item={"orderId": order["orderId"], "sku": order["sku"], "quantity": quantity}
            )
        except (ValueError, KeyError, TypeError):
            response["batchItemFailures"].append({"itemIdentifier": record["messageId"]})
    return response
