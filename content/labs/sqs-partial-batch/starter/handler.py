"""Store the orders that arrive on the orders queue (one SQS message per order)."""

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
    for record in event["Records"]:
        order = json.loads(record["body"])
        store(order)
        print("stored", order["orderId"])
    return {"stored": len(event["Records"])}
