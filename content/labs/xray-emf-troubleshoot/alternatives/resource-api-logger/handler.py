"""Price a quote with the boto3 resource API; the EMF line goes through the logging module
(Lambda's log format puts a tab-separated prefix before it, which CloudWatch accepts)."""

import json
import logging
import os
import time

import boto3
from aws_xray_sdk.core import patch, xray_recorder

logger = logging.getLogger()
logger.setLevel(logging.INFO)
patch(["boto3"])

dynamodb = boto3.resource("dynamodb")
coupons = dynamodb.Table(os.environ["COUPONS_TABLE"])
PRICES = os.environ["PRICES_TABLE"]


def handler(event, context):
    lines = event["lines"]
    with xray_recorder.in_subsegment("load-prices") as subsegment:
        subsegment.put_annotation("line_count", len(lines))
        keys = [{"sku": sku} for sku in sorted({line["sku"] for line in lines})]
        items = dynamodb.batch_get_item(RequestItems={PRICES: {"Keys": keys}})["Responses"][PRICES]
    prices = {item["sku"]: int(item["price_cents"]) for item in items}
    total = sum(prices[line["sku"]] * line["qty"] for line in lines)

    applied = False
    if "coupon" in event:
        with xray_recorder.in_subsegment("check-coupon") as subsegment:
            coupon = coupons.get_item(Key={"code": event["coupon"]}).get("Item")
            subsegment.put_annotation("coupon_status", "unknown" if coupon is None else "valid")
        if coupon is None:
            logger.info(
                json.dumps(
                    {
                        "_aws": {
                            "Timestamp": int(time.time() * 1000),
                            "CloudWatchMetrics": [
                                {
                                    "Namespace": "Shop/Quotes",
                                    "Dimensions": [["Service"]],
                                    "Metrics": [{"Name": "CouponRejected", "Unit": "Count"}],
                                }
                            ],
                        },
                        "Service": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
                        "CouponRejected": 1,
                    }
                )
            )
        else:
            total -= total * int(coupon["percent"]) // 100
            applied = True
    return {"quote_id": event["quote_id"], "total": total, "coupon_applied": applied}
