# -*- coding: utf-8 -*-
import json
import os

ORDERS = {"1001": {"total": 42.5}, "1002": {"total": 7}}
STATE = {"warm": False}


def orders(environ, start_response):
    order_id = environ.get("PATH_INFO", "/").strip("/") or None
    if order_id and order_id not in ORDERS:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [json.dumps({"error": "no order %s" % order_id}).encode("utf-8")]
    data = ORDERS[order_id] if order_id else ORDERS
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"currency": os.environ.get("CURRENCY"), "orders": data}).encode("utf-8")]


def warm_up(context):
    STATE["warm"] = True


def audit(event, context):
    job = json.loads(event)
    source = job["source"]
    return json.dumps({"warm": STATE["warm"], "project": source["projectName"], "logstore": source["logstoreName"],
                       "cursor": [source["beginCursor"], source["endCursor"]]})
