"""Cuts its own answer short: the worker dies (os._exit(9)) while the runtime is writing its 5.5 MB result, and a
forked copy of the worker keeps the answer pipe open, so no end of file ever comes. The runtime must neither wait
forever for the rest of the frame nor take the torn frame for an answer: ProcessExited, exit status 9.

A watcher thread looks for the runtime's `write_all_fd` in the main thread's stack (for 2 s at most) and exits there.
"""
import os
import sys
import threading
import time


def watch(main_id):
    deadline = time.time() + 2
    while time.time() < deadline:
        frame = sys._current_frames().get(main_id)
        while frame is not None:
            if frame.f_code.co_name == "write_all_fd":
                os._exit(9)
            frame = frame.f_back
        time.sleep(0.0001)


def handler(event, context):
    sys.stdout.flush()
    if os.fork() == 0:  # holds the worker's descriptors (the answer pipe among them) open
        time.sleep(60)
        os._exit(0)
    watcher = threading.Thread(target=watch, args=(threading.current_thread().ident,))
    watcher.daemon = True
    watcher.start()
    return "c" * (5 * 1024 * 1024 + 512 * 1024)


main_handler = handler
