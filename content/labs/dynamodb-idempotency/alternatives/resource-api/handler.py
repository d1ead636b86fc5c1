"""Idempotent charge with the boto3 resource API and a condition on the order id."""

import os
import uuid
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr

resource = boto3.resource("dynamodb")
payments = resource.Table(os.environ["PAYMENTS_TABLE"])
customers = resource.Table(os.environ["CUSTOMERS_TABLE"])


def handler(event, context):
    order = event["detail"]
    amount = Decimal(str(order["amount"]))
    try:
        payments.put_item(
            Item={
                "orderId": order["orderId"],
                "paymentId": str(uuid.uuid4()),
                "customerId": order["customerId"],
                "amount": amount,
            },
            ConditionExpression=Attr("orderId").not_exists(),
        )
    except resource.meta.client.exceptions.ConditionalCheckFailedException:
        print("duplicate delivery of", order["orderId"])
        return {"status": "duplicate"}
    customers.update_item(
        Key={"customerId": order["customerId"]},
        UpdateExpression="SET balance = balance - :amount",
        ExpressionAttributeValues={":amount": amount},
    )
    return {"status": "charged"}
