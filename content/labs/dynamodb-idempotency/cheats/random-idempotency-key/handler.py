"""A conditional write that looks idempotent, keyed by a value that is new on every delivery."""

import os
import uuid

import boto3
from botocore.exceptions import ClientError

dynamodb = boto3.client("dynamodb")
PAYMENTS = os.environ["PAYMENTS_TABLE"]
CUSTOMERS = os.environ["CUSTOMERS_TABLE"]


def handler(event, context):
    order = event["detail"]
    key = str(uuid.uuid4())  # a fresh key never collides, so the condition never fails
    try:
        dynamodb.put_item(
            TableName=PAYMENTS,
            Item={
                "orderId": {"S": order["orderId"] + "#" + key},
                "customerId": {"S": order["customerId"]},
                "amount": {"N": str(order["amount"])},
            },
            ConditionExpression="attribute_not_exists(orderId)",
        )
    except ClientError:
        return {"status": "duplicate"}
    dynamodb.update_item(
        TableName=CUSTOMERS,
        Key={"customerId": {"S": order["customerId"]}},
        UpdateExpression="SET balance = balance - :amount",
        ExpressionAttributeValues={":amount": {"N": str(order["amount"])}},
    )
    return {"status": "charged"}
