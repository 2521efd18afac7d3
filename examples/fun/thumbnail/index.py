# -*- coding: utf-8 -*-
# An OSS-triggered function: the event is the raw JSON of the notification.
import json
import logging

logger = logging.getLogger()
SIZES = []


def initializer(context):
    SIZES.extend([64, 256])


def handler(event, context):
    notification = json.loads(event)
    made = []
    for record in notification["events"]:
        bucket = record["oss"]["bucket"]["name"]
        key = record["oss"]["object"]["key"]
        logger.info("new object oss://%s/%s (%s)", bucket, key, record["eventName"])
        made.extend("%s/thumbs/%d/%s" % (bucket, size, key) for size in SIZES)
    return json.dumps({"thumbnails": made})
