"""Serve-mode scenarios in one handler, picked by the event's "action" (aliyun passes the raw body: decoded here).

count (default): a module-level counter, {"count", "pid"}; crash: os._exit(3); sleep: sleeps event["seconds"]
(default 60, for timeouts), then counts; oom: allocates 16 MB at a time until stopped; raise: ValueError;
flood: writes "flood-begin" straight to fd 1, then event["mb"] MB of log lines (half os.write to fd 1, half print),
then "flood-end"; echo: returns the event; hold: creates the file event["marker"] (the request is in flight), then
waits until the file event["release"] exists (at most event["seconds"], default 60), then counts (or, with "then":
"crash", ends as crash does), so a test signals the server while an invocation is known to run and lets it finish
when it chooses.
"""
import json
import os
import sys
import time

STATE = {"count": 0}
LINE = b"flood-line " + b"x" * 1012 + b"\n"  # 1 KiB


def parse(event):
    if isinstance(event, (bytes, bytearray)):
        event = event.decode("utf-8")
    if not isinstance(event, dict):
        event = json.loads(event or "{}")
    return event


def count():
    STATE["count"] += 1
    return {"count": STATE["count"], "pid": os.getpid()}


def flood(megabytes):
    os.write(1, b"flood-begin\n")
    block = LINE * 64
    for index in range(megabytes * 16):
        if index % 2:
            os.write(1, block)
        else:
            sys.stdout.write(block.decode("ascii"))
    sys.stdout.flush()
    os.write(1, b"flood-end\n")
    return {"flooded_mb": megabytes, "count": count()["count"]}


def hold(marker, release, seconds):
    with open(marker, "w") as mark:
        mark.write(str(os.getpid()))
    deadline = time.time() + seconds
    while not os.path.exists(release) and time.time() < deadline:
        time.sleep(0.005)
    result = count()
    result["released"] = os.path.exists(release)
    return result


def handler(event, context):
    event = parse(event)
    action = event.get("action", "count")
    if action == "crash":
        print("about to crash")
        os._exit(3)
    if action == "sleep":
        time.sleep(event.get("seconds", 60))
        return count()
    if action == "oom":
        held = []
        while True:
            held.append(b"\x01" * (16 * 1024 * 1024))
            time.sleep(0.002)
    if action == "raise":
        raise ValueError("serve_mix was asked to raise")
    if action == "flood":
        return flood(int(event.get("mb", 50)))
    if action == "echo":
        return event
    if action == "hold":
        result = hold(event["marker"], event["release"], event.get("seconds", 60))
        if event.get("then") == "crash":
            os._exit(3)
        return result
    return count()


main_handler = handler
