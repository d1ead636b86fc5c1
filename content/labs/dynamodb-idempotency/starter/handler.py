"""Charge a customer for an order placed in the shop (EventBridge event "OrderPlaced")."""

import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
PAYMENTS = os.environ["PAYMENTS_TABLE"]
CUSTOMERS = os.environ["CUSTOMERS_TABLE"]


def handler(event, context):
    order = event["detail"]
    payment_id = str(uuid.uuid4())

    # Record the payment...
    dynamodb.put_item(
        TableName=PAYMENTS,
        Item={
            "orderId": {"S": order["orderId"]},
            "paymentId": {"S": payment_id},
            "customerId": {"S": order["customerId"]},
            "amount": {"N": str(order["amount"])},
        },
    )
    # ...and take the money from the customer's prepaid balance.
    dynamodb.update_item(
        TableName=CUSTOMERS,
        Key={"customerId": {"S": order["customerId"]}},
        UpdateExpression="SET balance = balance - :amount",
        ExpressionAttributeValues={":amount": {"N": str(order["amount"])}},
    )
    print(f"charged {order['amount']} for order {order['orderId']}")
    return {"status": "charged", "paymentId": payment_id}
