"""Fork bomb: only the process limit (RLIMIT_NPROC for the non-root user, or `docker run --pids-limit`) stops it.

`handler`: every process forks forever and retries after a pause when fork fails; it never returns, so the timeout
ends it and must take every process of the bomb with it. `naive`: `while True: os.fork()` as written in anger: each
process raises OSError (EAGAIN) at its first failed fork, so forked copies of the worker return into the runtime.
`escapes`: children leave the worker's process group (setsid) and hold every free process slot for {"hold": S}
seconds (default 6), then the worker exits with status 7: the runtime cannot start a new worker until they end.
All refuse to run as root, where the process limit does not apply.
"""
import os
import sys
import time


def refuse_root():
    if os.geteuid() == 0:
        raise RuntimeError("refusing to fork-bomb as root: RLIMIT_NPROC does not apply to root")


def handler(event, context):
    refuse_root()
    print("fork bomb starting")
    sys.stdout.flush()
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.05)


main_handler = handler


def naive(event, context):
    refuse_root()
    sys.stdout.flush()
    while True:
        os.fork()


def hold_slots(end):
    """In a child: grab every process slot that frees up until `end`, then leave."""
    os.setsid()
    while time.time() < end:
        try:
            if os.fork() == 0:
                time.sleep(max(0.0, end - time.time()))
                os._exit(0)
        except OSError:
            time.sleep(0.0005)
    os._exit(0)


def escapes(event, context):
    refuse_root()
    end = time.time() + float(event.get("hold", 6))
    sys.stdout.flush()
    while True:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            hold_slots(end)
    os._exit(7)
