"""Price a quote; X-Ray subsegments from the capture decorator (the whole handler is one too,
so load-prices sits under it), EMF printed as JSON."""

import json
import os
import time

import boto3
from aws_xray_sdk.core import patch_all, xray_recorder

patch_all()  # boto3 and the other supported libraries, before any client exists

dynamodb = boto3.client("dynamodb")
PRICES = os.environ["PRICES_TABLE"]
COUPONS = os.environ["COUPONS_TABLE"]


@xray_recorder.capture("load-prices")
def load_prices(skus):
    xray_recorder.current_subsegment().put_annotation("line_count", len(skus))
    keys = [{"sku": {"S": sku}} for sku in set(skus)]
    answer = dynamodb.batch_get_item(RequestItems={PRICES: {"Keys": keys}})
    return {i["sku"]["S"]: int(i["price_cents"]["N"]) for i in answer["Responses"][PRICES]}


@xray_recorder.capture("check-coupon")
def find_coupon(code):
    item = dynamodb.get_item(TableName=COUPONS, Key={"code": {"S": code}}).get("Item")
    status = "valid" if item is not None else "unknown"
    xray_recorder.current_subsegment().put_annotation("coupon_status", status)
    return item


@xray_recorder.capture("quote")
def handler(event, context):
    prices = load_prices([line["sku"] for line in event["lines"]])
    total = sum(prices[line["sku"]] * line["qty"] for line in event["lines"])
    applied = False
    if event.get("coupon"):
        coupon = find_coupon(event["coupon"])
        if coupon:
            total -= total * int(coupon["percent"]["N"]) // 100
            applied = True
        else:
            document = {
                "_aws": {
                    "Timestamp": round(time.time() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": "Shop/Quotes",
                            "Dimensions": [["Service"]],
                            "Metrics": [{"Name": "CouponRejected", "Unit": "Count"}],
                        }
                    ],
                },
                "Service": context.function_name,
                "CouponRejected": 1,
            }
            print(json.dumps(document))
    return {"quote_id": event["quote_id"], "total": total, "coupon_applied": applied}
