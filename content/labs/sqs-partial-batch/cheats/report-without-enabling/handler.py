"""Store the orders that arrive on the orders queue; report only the messages that failed."""

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def store(order):
    quantity = int(order["quantity"])  # the warehouse needs a whole number
    if quantity <= 0:
        raise ValueError(f"order {order['orderId']}: quantity must be positive")
    table.put_item(Item={"orderId": order["orderId"], "sku": order["sku"], "quantity": quantity})


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            store(json.loads(record["body"]))
        except Exception as error:  # one bad order must not send the others back
            print("failed", record["messageId"], type(error).__name__, error)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
