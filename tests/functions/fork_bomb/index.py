"""Fork bomb: only the process limit (RLIMIT_NPROC for the non-root user, or `docker run --pids-limit`) stops it.

`handler`: every process forks forever and retries after a pause when fork fails; it never returns, so the timeout
ends it and must take every process of the bomb with it. `naive`: `while True: os.fork()` as written in anger: each
process raises OSError (EAGAIN) at its first failed fork, so forked copies of the worker return into the runtime.
Both refuse to run as root, where the process limit does not apply.
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
