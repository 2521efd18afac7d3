"""Sleeps forever (and a busy loop): the timeout must stop it, its child process included.

The event (JSON, raw for aliyun) names a `pidfile`: the handler starts a child `sleep 600`, writes "<own pid> <child
pid>" there, prints "sleeping", then `handler` sleeps and `spin` burns CPU without ever returning.
"""
import json
import os
import subprocess
import time


def start(event):
    if not isinstance(event, dict):
        event = json.loads(event)
    child = subprocess.Popen(["sleep", "600"])
    with open(event["pidfile"], "w") as out:
        out.write("%d %d" % (os.getpid(), child.pid))
    print("sleeping")


def handler(event, context):
    start(event)
    while True:
        time.sleep(1)


main_handler = handler


def spin(event, context):
    start(event)
    count = 0
    while True:
        count += 1
