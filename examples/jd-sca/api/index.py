# -*- coding: utf-8 -*-
import json
import os

PRICES = {"tulip": 3, "rose": 5}


def handler(event, context):
    if "Records" in event:  # the OSS trigger
        return {"archived": [r["detail"]["s3"]["object"]["key"] for r in event["Records"]]}
    request = event["detail"]
    item = request["pathParameters"]["item"]
    currency = request["queryParameters"].get("currency", "CNY")
    status = 200 if item in PRICES else 404
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"catalogue": os.environ.get("CATALOGUE"), "item": item, "price": PRICES.get(item),
                                "currency": currency, "stage": request["requestContext"]["stage"]})}
