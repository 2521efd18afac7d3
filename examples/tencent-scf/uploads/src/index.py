# -*- coding: utf8 -*-
import logging

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger()


def main_handler(event, context):
    done = []
    for record in event["Records"]:
        cos = record["cos"]
        logger.info("%s %s", record["event"]["eventName"], cos["cosObject"]["key"])
        done.append({"bucket": cos["cosBucket"]["name"], "key": cos["cosObject"]["key"],
                     "size": cos["cosObject"]["size"]})
    return {"processed": done}
