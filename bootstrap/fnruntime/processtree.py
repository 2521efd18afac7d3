"""The processes of one function instance: its worker and every process the worker started, found in /proc.

A cloud instance is a cgroup: when it is replaced, every process in it ends, detached ones included. Here the
instance is a process tree instead, held together by two rules:

- The supervisor is a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, Linux 3.4+, through ctypes: `adopt_orphans`),
  so a process whose parent ends (a double-forked, `setsid` daemon) becomes the supervisor's child instead of
  init's, and can still be found. (Inside a container the supervisor is PID 1 and adopts orphans anyway.)
- The instance (`Family`) is the worker, its descendants (from /proc/PID/task/TID/children), and the supervisor's
  adopted children that belong to it: those in the worker's session (the worker calls setsid, so its session id is
  its pid), those seen in its tree before, their descendants, and, when this supervisor process has no other live
  worker, every adopted child (processes of another instance are never taken for this one's when it has one).

`Family.end` stops every process of the instance (SIGSTOP, until no new one appears: a stopped process cannot fork),
then kills them all (SIGKILL), so that a fork bomb cannot outrun it. Nothing is killed by uid.
"""
from __future__ import absolute_import, division, print_function

import os

from . import libc
from .compat import signal

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
#: The pids of the live workers of this process (all supervisors), to tell an adopted orphan's instance.
LIVE_WORKERS = set()
#: Rounds of SIGSTOP before giving up on a family that keeps growing (each round stops all it found).
STOP_ROUNDS = 50
#: How long ending an instance waits for its killed processes to be gone (a process in uninterruptible sleep may
#: take longer; it is then left to be reaped later).
REAP_SECONDS = 5.0


def adopt_orphans():
    """Make this process a child subreaper (once); False where the kernel or libc does not allow it. The supervisor
    does it when serving, after its first fork (while that worker loads the user's module: ctypes costs 7 to 23 ms to
    import); a one-shot run ends with its process, and inside a container that is PID 1, which adopts orphans anyway."""
    if getattr(adopt_orphans, "done", None) is not None:
        return adopt_orphans.done
    prctl = libc.function("prctl")
    adopt_orphans.done = prctl is not None and prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    return adopt_orphans.done


def end_with_parent(parent):
    """In a worker just forked by the supervisor `parent`: be killed (SIGKILL) when that process ends
    (`prctl(PR_SET_PDEATHSIG)`), even if stopped then or running user code that never reads its requests again. A
    worker whose supervisor ended before this took effect ends at once."""
    prctl = libc.function("prctl")
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def children(pid):
    """The pids of `pid`'s children (all its threads'); [] when it is gone."""
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid), "rb") as handle:
                found.extend(int(p) for p in handle.read().split())
        except (IOError, OSError, ValueError):
            continue
    return found


def session_of(pid):
    """The session id of `pid`, None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return int(fields[3])  # state ppid pgrp session
    except (IOError, OSError, IndexError, ValueError):
        return None


def descendants(roots):
    """`roots` and every process under them (breadth first, each once)."""
    seen = []
    known = set()
    queue = list(roots)
    while queue:
        pid = queue.pop(0)
        if pid in known:
            continue
        known.add(pid)
        seen.append(pid)
        queue.extend(children(pid))
    return seen


class Family(object):
    """One worker's instance: the worker and every process it started (see the module's rules)."""

    def __init__(self, worker_pid):
        self.worker_pid = worker_pid
        self.seen = set()
        LIVE_WORKERS.add(worker_pid)

    def adopted(self):
        """The supervisor's children that are orphans of this instance."""
        others = LIVE_WORKERS - set([self.worker_pid])
        found = []
        for pid in children(os.getpid()):
            if pid == self.worker_pid or pid in LIVE_WORKERS:
                continue
            if not others or pid in self.seen or session_of(pid) == self.worker_pid:
                found.append(pid)
        return found

    def members(self, worker_alive=True):
        """The pids of the instance now, the worker first while it is not reaped (a reaped worker's pid may be
        another process's already)."""
        pids = descendants(([self.worker_pid] if worker_alive else []) + self.adopted())
        self.seen.update(pids)
        return pids

    def end(self, worker_alive=True):
        """Stop, then kill, every process of the instance, the worker too (while not reaped); the pids killed. The
        caller reaps them (`until_reaped`): a killed process holds its slot of the process limit until then."""
        stopped = set()
        for _ in range(STOP_ROUNDS):
            fresh = [p for p in self.members(worker_alive) if p not in stopped]
            if not fresh:
                break
            for pid in fresh:
                signal_pid(pid, signal.SIGSTOP)
                stopped.add(pid)
        for pid in stopped:  # SIGKILL ends a stopped process too
            signal_pid(pid, signal.SIGKILL)
        LIVE_WORKERS.discard(self.worker_pid)
        return stopped

    def forget(self):
        LIVE_WORKERS.discard(self.worker_pid)


def until_reaped(pids, reap, seconds=REAP_SECONDS):
    """Wait until each of `pids` (killed) has ended and the ones that are this process's children (adopted) are
    reaped, calling `reap()` (non-blocking) meanwhile; at most `seconds`."""
    import time
    me = os.getpid()
    deadline = time.time() + seconds
    pending = set(pids)
    while True:
        reap()
        pending = set(p for p in pending if dying(p, me))
        if not pending or time.time() > deadline:
            return not pending
        time.sleep(0.001)


def dying(pid, me):
    """Whether a killed `pid` still runs, or is a zombie that `me` must reap."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (IOError, OSError):
        return False
    return fields[0] != b"Z" or int(fields[1]) == me


def signal_pid(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:
        pass
