"""POST /orders: store an order in the table named by TABLE_NAME and answer 201."""

import json
import os
import uuid
from decimal import Decimal

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    try:
        order = json.loads(event.get("body") or "{}", parse_float=Decimal)
    except ValueError:
        return {"statusCode": 400, "body": json.dumps({"message": "body is not JSON"})}
    if not order.get("sku") or int(order.get("quantity", 0)) < 1:
        return {"statusCode": 400, "body": json.dumps({"message": "sku and quantity >= 1"})}
    item = {
        "orderId": order.get("orderId") or str(uuid.uuid4()),
        "sku": order["sku"],
        "quantity": int(order["quantity"]),
        "createdBy": context.function_name,
    }
    TABLE.put_item(Item=item)
    print(f"stored order {item['orderId']} in {TABLE.name}")
    return {"statusCode": 201, "body": json.dumps({"orderId": item["orderId"]})}
