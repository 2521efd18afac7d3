"""Initializer (Alibaba FC style `initializer(context)`): runs once per cold start, before the first invocation.

`initialize` appends a line to the file named by INIT_LOG (environment) and records the context it received;
`handler` returns {"init_calls", "init_context_type", "init_request_id"}. `initialize_fails` raises RuntimeError;
`initialize_sleeps` never returns (its own initializer timeout must stop it).
"""
import os
import time

STATE = {"calls": 0, "context_type": None, "request_id": None}


def initialize(context):
    STATE["calls"] += 1
    STATE["context_type"] = type(context).__name__
    STATE["request_id"] = getattr(context, "request_id", None)
    print("initializer ran")
    with open(os.environ["INIT_LOG"], "a") as log:
        log.write("init %d\n" % os.getpid())


def initialize_fails(context):
    raise RuntimeError("cannot reach the database")


def initialize_sleeps(context):
    print("initializer sleeping")
    while True:
        time.sleep(1)


def handler(event, context):
    return {"init_calls": STATE["calls"], "init_context_type": STATE["context_type"],
            "init_request_id": STATE["request_id"]}


main_handler = handler
