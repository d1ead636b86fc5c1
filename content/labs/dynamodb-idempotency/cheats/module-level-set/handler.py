"""Charge a customer for an order; remember charged orders in memory to skip duplicates."""

import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
PAYMENTS = os.environ["PAYMENTS_TABLE"]
CUSTOMERS = os.environ["CUSTOMERS_TABLE"]
SEEN = set()  # lives only as long as this execution environment


def handler(event, context):
    order = event["detail"]
    if order["orderId"] in SEEN:
        return {"status": "duplicate"}
    SEEN.add(order["orderId"])
    dynamodb.put_item(
        TableName=PAYMENTS,
        Item={
            "orderId": {"S": order["orderId"]},
            "paymentId": {"S": str(uuid.uuid4())},
            "customerId": {"S": order["customerId"]},
            "amount": {"N": str(order["amount"])},
        },
    )
    dynamodb.update_item(
        TableName=CUSTOMERS,
        Key={"customerId": {"S": order["customerId"]}},
        UpdateExpression="SET balance = balance - :amount",
        ExpressionAttributeValues={":amount": {"N": str(order["amount"])}},
    )
    return {"status": "charged"}
