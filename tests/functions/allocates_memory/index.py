"""Allocates a given amount of memory and returns: the reported Max Memory Used must follow it.

Event (JSON; raw for aliyun): {"mb": N}. Writes N MB and keeps them until the handler returns {"allocated_mb": N}.
"""
import json


def handler(event, context):
    if not isinstance(event, dict):
        event = json.loads(event)
    megabytes = int(event.get("mb", 0))
    held = [b"\x01" * (1024 * 1024) for _ in range(megabytes)]
    return {"allocated_mb": len(held)}


main_handler = handler
