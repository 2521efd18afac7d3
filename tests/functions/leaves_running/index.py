"""Leaves work running after the handler returns, as background jobs do.

`thread`: a daemon thread printing "background-thread tick" every 50 ms, forever. `child`: a `sleep 600` child never
waited for; returns its pid. `detached`: a grandchild in its own session (double fork + setsid), out of reach of the
worker's process group; returns its pid. `thread_exits`: a thread that ends the worker with os._exit(5) 200 ms after
the handler returned (the worker dies between invocations). Each returns {"left": WHAT, "pid", ...}.
"""
import os
import subprocess
import sys
import threading
import time


def ticker():
    while True:
        print("background-thread tick")
        sys.stdout.flush()
        time.sleep(0.05)


def thread(event, context):
    worker = threading.Thread(target=ticker)
    worker.daemon = True
    worker.start()
    return {"left": "thread", "pid": os.getpid()}


def child(event, context):
    process = subprocess.Popen(["sleep", "600"])
    return {"left": "child", "pid": os.getpid(), "child": process.pid}


def detached(event, context):
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write_end, str(os.getpid()).encode("ascii"))
            os.close(write_end)
            os.execvp("sleep", ["sleep", "600"])
        os._exit(0)
    os.close(write_end)
    os.waitpid(first, 0)
    grandchild = int(os.read(read_end, 32).decode("ascii"))
    os.close(read_end)
    return {"left": "detached", "pid": os.getpid(), "child": grandchild}


def exit_later():
    time.sleep(0.2)
    os._exit(5)


def thread_exits(event, context):
    worker = threading.Thread(target=exit_later)
    worker.daemon = True
    worker.start()
    return {"left": "thread_exits", "pid": os.getpid()}


handler = main_handler = thread
