# -*- coding: utf8 -*-
import json
import os

FORECASTS = {"shenzhen": 28, "beijing": 12}


def weather(event, context):
    city = event["queryStringParameters"].get("city", "shenzhen")
    return {"isBase64Encoded": False, "statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"city": city, "temperature": FORECASTS.get(city), "units": os.environ["UNITS"]})}


def alerts(event, context):
    return [record["CMQ"]["msgBody"] for record in event["Records"]]


def refresh(event, context):
    return {"refreshed": sorted(FORECASTS), "trigger": event["TriggerName"], "time": event["Time"]}
