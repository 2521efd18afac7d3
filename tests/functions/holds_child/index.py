"""Starts a child process that holds memory and outlives the invocation: the invocations after it must count it in
Max Memory Used, although they run too briefly for the supervisor to sample (the worker measures its children when
it answers, memory.own_kb).

Event (JSON; raw for aliyun): {"start": true, "mb": N, "from": "handler" | "thread"}: the child (`python -c`)
touches N MB, says so on a pipe, then sleeps until the instance ends; it is started by the handler itself, or by a
thread the handler starts and joins (a child of another thread than the main one). Returns {"children": COUNT}. Any
other event returns at once.
"""
import json
import subprocess
import sys
import threading

CHILD = ("import sys, time\n"
         "held = bytearray(int(sys.argv[1]) << 20)\n"
         "for offset in range(0, len(held), 4096):\n"
         "    held[offset] = 1\n"
         "sys.stdout.write('ready\\n')\n"
         "sys.stdout.flush()\n"
         "time.sleep(120)\n")
children = []


def start(mb):
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(mb)], stdout=subprocess.PIPE)
    child.stdout.readline()
    children.append(child)


def handler(event, context):
    if not isinstance(event, dict):  # aliyun: the raw bytes
        event = json.loads(event or b"{}")
    if event.get("start"):
        mb = int(event.get("mb", 60))
        if event.get("from") == "thread":
            thread = threading.Thread(target=start, args=(mb,))
            thread.start()
            thread.join()
        else:
            start(mb)
    return {"children": len(children)}


main_handler = handler
