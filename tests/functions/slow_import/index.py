"""A module whose import (the cold start) waits until the test releases it: it writes $IMPORT_STARTED, then waits for
$IMPORT_RELEASE to exist (at most 60 s). The handler writes /tmp and returns what it read back. Python 2.7 and 3.x."""
import os
import time

started = os.environ.get("IMPORT_STARTED")
release = os.environ.get("IMPORT_RELEASE")
if started:
    open(started, "w").close()
if release:
    deadline = time.time() + 60
    while not os.path.exists(release) and time.time() < deadline:
        time.sleep(0.01)


def handler(event, context):
    path = "/tmp/slow_import-%d" % os.getpid()
    with open(path, "w") as handle:
        handle.write("written")
    with open(path) as handle:
        return {"tmp": handle.read(), "pid": os.getpid()}


main_handler = handler
