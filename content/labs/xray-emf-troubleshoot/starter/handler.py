"""Price a quote for the shop's checkout: look up each line's price, apply a coupon if any."""

import os

import boto3

dynamodb = boto3.client("dynamodb")
PRICES = os.environ["PRICES_TABLE"]
COUPONS = os.environ["COUPONS_TABLE"]


def handler(event, context):
    total = 0
    for line in event["lines"]:
        item = dynamodb.get_item(TableName=PRICES, Key={"sku": {"S": line["sku"]}})["Item"]
        total += int(item["price_cents"]["N"]) * line["qty"]

    coupon_applied = False
    if event.get("coupon"):
        coupon = dynamodb.get_item(TableName=COUPONS, Key={"code": {"S": event["coupon"]}})["Item"]
        total -= total * int(coupon["percent"]["N"]) // 100
        coupon_applied = True

    print(f"quote {event['quote_id']} computed")
    return {"quote_id": event["quote_id"], "total": total, "coupon_applied": coupon_applied}
