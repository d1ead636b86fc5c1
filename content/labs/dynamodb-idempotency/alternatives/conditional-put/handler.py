"""Charge a customer once per order: a conditional put claims the order, then the debit runs."""

import os
import uuid

import boto3
from botocore.exceptions import ClientError

dynamodb = boto3.client("dynamodb")
PAYMENTS = os.environ["PAYMENTS_TABLE"]
CUSTOMERS = os.environ["CUSTOMERS_TABLE"]


def handler(event, context):
    order = event["detail"]
    payment_id = str(uuid.uuid4())
    try:
        dynamodb.put_item(
            TableName=PAYMENTS,
            Item={
                "orderId": {"S": order["orderId"]},
                "paymentId": {"S": payment_id},
                "customerId": {"S": order["customerId"]},
                "amount": {"N": str(order["amount"])},
            },
            ConditionExpression="attribute_not_exists(orderId)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return {"status": "already-charged", "orderId": order["orderId"]}
        raise
    dynamodb.update_item(
        TableName=CUSTOMERS,
        Key={"customerId": {"S": order["customerId"]}},
        UpdateExpression="SET balance = balance - :amount",
        ExpressionAttributeValues={":amount": {"N": str(order["amount"])}},
    )
    return {"status": "charged", "paymentId": payment_id}
