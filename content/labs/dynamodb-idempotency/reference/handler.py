"""Charge a customer for an order placed in the shop (EventBridge event "OrderPlaced").

The event may arrive more than once (EventBridge delivers at least once, and the checkout client
retries PutEvents, which gives the copy a new event id). The order id is the idempotency key: the
payment record is written only if no payment exists for that order, in the same transaction as
the debit, so a copy changes nothing.
"""

import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
PAYMENTS = os.environ["PAYMENTS_TABLE"]
CUSTOMERS = os.environ["CUSTOMERS_TABLE"]


def handler(event, context):
    order = event["detail"]
    payment_id = str(uuid.uuid4())
    try:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": PAYMENTS,
                        "Item": {
                            "orderId": {"S": order["orderId"]},
                            "paymentId": {"S": payment_id},
                            "customerId": {"S": order["customerId"]},
                            "amount": {"N": str(order["amount"])},
                        },
                        "ConditionExpression": "attribute_not_exists(orderId)",
                    }
                },
                {
                    "Update": {
                        "TableName": CUSTOMERS,
                        "Key": {"customerId": {"S": order["customerId"]}},
                        "UpdateExpression": "SET balance = balance - :amount",
                        "ExpressionAttributeValues": {":amount": {"N": str(order["amount"])}},
                    }
                },
            ]
        )
    except dynamodb.exceptions.TransactionCanceledException as error:
        reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed":
            print(f"order {order['orderId']} was already charged")
            return {"status": "already-charged", "orderId": order["orderId"]}
        raise
    print(f"charged {order['amount']} for order {order['orderId']}")
    return {"status": "charged", "paymentId": payment_id}
