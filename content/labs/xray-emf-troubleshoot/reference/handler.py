"""Price a quote for the shop's checkout: look up each line's price, apply a coupon if any.

Instrumented so that a trace and the metrics say why a quote is slow or rejected:
- X-Ray: the boto3 client is patched (each AWS call is a subsegment), the price lookup has its
  own subsegment "load-prices" with the annotation line_count, and the coupon check has
  "check-coupon" with the annotation coupon_status (annotations are indexed: a filter such as
  annotation.coupon_status = "unknown" finds the traces).
- CloudWatch: an embedded-metric-format line counts rejected coupons (Shop/Quotes,
  CouponRejected, dimension Service) without a PutMetricData call.
The fixes: all prices in one BatchGetItem instead of one GetItem per line, and an unknown coupon
is reported and ignored instead of crashing the quote.
"""

import json
import os
import time

import boto3
from aws_xray_sdk.core import patch, xray_recorder

patch(["boto3"])  # before the client is created: every AWS call becomes a subsegment

dynamodb = boto3.client("dynamodb")
PRICES = os.environ["PRICES_TABLE"]
COUPONS = os.environ["COUPONS_TABLE"]
SERVICE = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "price-quote")


def load_prices(skus):
    """Every price the quote needs, in one BatchGetItem (at most 100 keys per call)."""
    with xray_recorder.in_subsegment("load-prices") as subsegment:
        subsegment.put_annotation("line_count", len(skus))
        keys = [{"sku": {"S": sku}} for sku in sorted(set(skus))]
        prices = {}
        request = {PRICES: {"Keys": keys}}
        while request:  # DynamoDB may hand back unprocessed keys under load
            answer = dynamodb.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(PRICES, []):
                prices[item["sku"]["S"]] = int(item["price_cents"]["N"])
            request = answer.get("UnprocessedKeys") or None
        return prices


def coupon_percent(code):
    """The coupon's discount in percent, or None for a code the table does not know."""
    with xray_recorder.in_subsegment("check-coupon") as subsegment:
        item = dynamodb.get_item(TableName=COUPONS, Key={"code": {"S": code}}).get("Item")
        subsegment.put_annotation("coupon_status", "valid" if item else "unknown")
        return int(item["percent"]["N"]) if item else None


def count_rejected_coupon(code):
    """One embedded-metric-format log line: CloudWatch Logs turns it into a metric value."""
    print(
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
                "Service": SERVICE,
                "CouponRejected": 1,
                "coupon": code,  # not a dimension: searchable in the log, no extra metric cost
            }
        )
    )


def handler(event, context):
    lines = event["lines"]
    prices = load_prices([line["sku"] for line in lines])
    total = sum(prices[line["sku"]] * line["qty"] for line in lines)

    coupon_applied = False
    if event.get("coupon"):
        percent = coupon_percent(event["coupon"])
        if percent is None:
            count_rejected_coupon(event["coupon"])
        else:
            total -= total * percent // 100
            coupon_applied = True

    return {"quote_id": event["quote_id"], "total": total, "coupon_applied": coupon_applied}
