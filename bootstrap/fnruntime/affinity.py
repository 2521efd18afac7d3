"""The serving process's CPU. With `--serve`, the server (the loop that supervises every instance) keeps to one of the
CPUs it may use, and every worker it forks gets all of them back (`release`), so a function's own CPU is what it was.

The server and a worker hand each request to each other through pipes. When the scheduler puts the worker that the
server just woke on the server's own CPU, one of the two waits for the other while another CPU idles: with
`--instances 2` at 8 connections on two CPUs, about a quarter of the two stood idle. Kept to one CPU, the server
leaves the others to the workers: with the hand-ahead of several instances (pipeline.py), 24% idle -> 12 to 16%,
3,410 -> 4,175 to 4,590 requests/s in interleaved runs; neither gained much alone (bench/analysis.md).

`FUNCTION_SERVER_CPU`: unset, the CPU the server starts on (so that servers started side by side spread out);
a number, that CPU; `any`, no pinning. Nothing changes with one CPU. Python 2.7 has no os.sched_setaffinity: there
libc's sched_setaffinity is called through `_ctypes` (libc.py), and the CPUs allowed are read from /proc/self/status;
where neither can be had, nothing changes and the setting is not read.
"""
from __future__ import absolute_import, division, print_function

import os

from . import libc
from .errors import UsageError

ENVIRONMENT = "FUNCTION_SERVER_CPU"
#: once `pin` kept the server to one CPU: the one pair (the function that set its CPUs, the CPUs it could use
#: before), for `release`; empty when it did not pin
PINNED = []


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


def cpu_list(text):
    """The CPUs of a kernel CPU list ("0-3,6"), as a set."""
    cpus = set()
    for part in text.strip().split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def own_cpus():
    """The CPUs this process may use, or None where that cannot be known."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    try:
        with open("/proc/self/status") as status:
            return cpu_list([line.split(":", 1)[1] for line in status if line.startswith("Cpus_allowed_list:")][0])
    except (IOError, OSError, IndexError, ValueError):
        return None


def setter():
    """A function keeping this process to a set of CPUs, or None where the interpreter cannot."""
    if hasattr(os, "sched_setaffinity"):
        return lambda cpus: os.sched_setaffinity(0, cpus)
    call = libc.function("sched_setaffinity")  # (pid, size of the mask in bytes, the mask: a bit per CPU)
    if call is None:
        return None

    def keep_to(cpus):
        mask = bytearray(8 * (max(cpus) // 64 + 1))  # whole unsigned longs, as the kernel's cpu_set_t
        for cpu in cpus:
            mask[cpu // 8] |= 1 << (cpu % 8)
        if call(0, len(mask), bytes(mask)) != 0:
            raise OSError("sched_setaffinity(%s) failed" % sorted(cpus))
    return keep_to


def pin(environ):
    """Keep this (the server's) process to one CPU, as FUNCTION_SERVER_CPU says: the CPU, or None."""
    keep_to, allowed = setter(), own_cpus()
    if keep_to is None or not allowed:
        return None
    cpu = choose(environ.get(ENVIRONMENT), allowed, current_cpu())
    if cpu is None:
        return None
    keep_to([cpu])
    PINNED[:] = [(keep_to, sorted(allowed))]
    return cpu


def release():
    """In a forked worker: every CPU the server could use before it pinned itself."""
    for keep_to, allowed in PINNED:
        keep_to(allowed)
