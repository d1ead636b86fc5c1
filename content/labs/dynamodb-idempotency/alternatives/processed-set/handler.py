"""Idempotent debit: the customer's item remembers which orders it paid, in the same update."""

import os

import boto3
from botocore.exceptions import ClientError

dynamodb = boto3.client("dynamodb")
PAYMENTS = os.environ["PAYMENTS_TABLE"]
CUSTOMERS = os.environ["CUSTOMERS_TABLE"]


def handler(event, context):
    order = event["detail"]
    try:
        # One conditional update: debit and mark the order paid, unless it is marked already.
        dynamodb.update_item(
            TableName=CUSTOMERS,
            Key={"customerId": {"S": order["customerId"]}},
            UpdateExpression="SET balance = balance - :amount ADD paidOrders :order",
            ConditionExpression="attribute_not_exists(paidOrders) OR NOT contains(paidOrders, :id)",
            ExpressionAttributeValues={
                ":amount": {"N": str(order["amount"])},
                ":order": {"SS": [order["orderId"]]},
                ":id": {"S": order["orderId"]},
            },
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return {"status": "duplicate"}
    # The payment record is keyed by the order, so writing it again changes nothing.
    dynamodb.put_item(
        TableName=PAYMENTS,
        Item={
            "orderId": {"S": order["orderId"]},
            "paymentId": {"S": "pay-" + order["orderId"]},
            "customerId": {"S": order["customerId"]},
            "amount": {"N": str(order["amount"])},
        },
    )
    return {"status": "charged"}
