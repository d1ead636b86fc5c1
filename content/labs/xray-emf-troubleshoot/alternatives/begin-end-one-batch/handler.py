"""Price a quote; one BatchGetItem reads the prices and the coupon, explicit begin/end
subsegment, and one EMF document per quote with two metrics and two dimension sets."""

import json
import os
import time

import boto3
from aws_xray_sdk.core import patch, xray_recorder

patch(("boto3",))

dynamodb = boto3.client("dynamodb")
PRICES = os.environ["PRICES_TABLE"]
COUPONS = os.environ["COUPONS_TABLE"]


def handler(event, context):
    lines = event["lines"]
    code = event.get("coupon")
    xray_recorder.begin_subsegment("load-prices")
    try:
        xray_recorder.put_annotation("line_count", len(lines))  # the open subsegment
        request = {PRICES: {"Keys": [{"sku": {"S": s}} for s in {x["sku"] for x in lines}]}}
        if code:
            request[COUPONS] = {"Keys": [{"code": {"S": code}}]}
        responses = dynamodb.batch_get_item(RequestItems=request)["Responses"]
        coupons = responses.get(COUPONS, [])
        if code:
            xray_recorder.put_annotation("coupon_status", "valid" if coupons else "unknown")
    finally:
        xray_recorder.end_subsegment()

    prices = {item["sku"]["S"]: int(item["price_cents"]["N"]) for item in responses[PRICES]}
    total = sum(prices[x["sku"]] * x["qty"] for x in lines)
    if coupons:
        total -= total * int(coupons[0]["percent"]["N"]) // 100
    rejected = 1 if code and not coupons else 0
    print(
        json.dumps(
            {
                "_aws": {
                    "Timestamp": int(time.time() * 1000),
                    "CloudWatchMetrics": [
                        {
                            "Namespace": "Shop/Quotes",
                            "Dimensions": [["Service"], ["Service", "Channel"]],
                            "Metrics": [
                                {"Name": "QuoteLines", "Unit": "Count"},
                                {"Name": "CouponRejected", "Unit": "Count"},
                            ],
                        }
                    ],
                },
                "Service": "price-quote",
                "Channel": "b2b" if len(lines) > 10 else "web",
                "QuoteLines": len(lines),
                "CouponRejected": rejected,
            }
        )
    )
    return {"quote_id": event["quote_id"], "total": total, "coupon_applied": bool(coupons)}
