"""The serving process's CPU. With `--serve`, the server (the loop that supervises every instance) keeps to one of the
CPUs it may use, and every worker it forks gets all of them back (`release`), so a function's own CPU is what it was.

The server and a worker hand each request to each other through pipes. When the scheduler puts the worker that the
server just woke on the server's own CPU, one of the two waits for the other while another CPU idles: with
`--instances 2` at 8 connections on two CPUs, about a quarter of the two stood idle. Kept to one CPU, the server
leaves the others to the workers: with the hand-ahead of several instances (pipeline.py), 24% idle -> 12 to 16%,
3,410 -> 4,175 to 4,590 requests/s in interleaved runs; neither gained much alone (bench/analysis.md).

`FUNCTION_SERVER_CPU`: unset, the CPU the server starts on (so that servers started side by side spread out);
a number, that CPU; `any`, no pinning. Nothing changes with one CPU, or where the interpreter cannot set a process's
CPUs (Python 2.7 has no os.sched_setaffinity).
"""
from __future__ import absolute_import, division, print_function

import os

from .errors import UsageError

ENVIRONMENT = "FUNCTION_SERVER_CPU"
#: the CPUs the process could use before `pin` (empty when it did not pin)
ALLOWED = []


def current_cpu():
    """The CPU this process runs on now (field 39 of /proc/self/stat), or None."""
    try:
        with open("/proc/self/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[36])
    except (IOError, OSError, IndexError, ValueError):
        return None


def choose(setting, allowed, now):
    """The CPU to keep the server on, from FUNCTION_SERVER_CPU's `setting`, the `allowed` CPUs and the one it runs on
    `now`; None for no pinning. UsageError when the setting names no CPU this process may use."""
    setting = (setting or "").strip().lower()
    if setting == "any":
        return None
    if setting:
        try:
            cpu = int(setting)
        except ValueError:
            cpu = None
        if cpu not in allowed:
            raise UsageError("%s=%s: not a CPU this process may use (%s), nor `any`; give one of them, or `any` for "
                             "no pinning" % (ENVIRONMENT, setting, ", ".join(str(c) for c in sorted(allowed))))
        return cpu
    if len(allowed) < 2:
        return None
    return now if now in allowed else max(allowed)


def pin(environ):
    """Keep this (the server's) process to one CPU, as FUNCTION_SERVER_CPU says: the CPU, or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = set(os.sched_getaffinity(0))
    cpu = choose(environ.get(ENVIRONMENT), allowed, current_cpu())
    if cpu is None:
        return None
    os.sched_setaffinity(0, [cpu])
    ALLOWED[:] = sorted(allowed)
    return cpu


def release():
    """In a forked worker: every CPU the server could use before it pinned itself."""
    if ALLOWED:
        os.sched_setaffinity(0, ALLOWED)
