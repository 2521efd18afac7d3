"""Closes every descriptor above the runtime's pipes (0 to 5), then opens files into the numbers freed and leaves them
open until its next invocation, which reports what they hold: the runtime must neither write into them nor read them
for its memory figures. Holds N MB while it runs.

Event (JSON; raw for aliyun): {"mb": N, "dir": PATH}. Returns {"allocated_mb": N, "written": {name: size}}, the
sizes of the files the invocation before left open.
"""
import json
import os

LEFT_OPEN = []


def handler(event, context):
    if not isinstance(event, dict):
        event = json.loads(event)
    written = {}
    for handle in LEFT_OPEN:
        written[os.path.basename(handle.name)] = os.path.getsize(handle.name)
    del LEFT_OPEN[:]
    os.closerange(6, 1024)
    for number in range(8):
        LEFT_OPEN.append(open(os.path.join(event["dir"], "file%d" % number), "wb+"))
    held = [b"\x01" * (1024 * 1024) for _ in range(int(event.get("mb", 0)))]
    return {"allocated_mb": len(held), "written": written}


main_handler = handler
