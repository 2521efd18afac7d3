"""The machine while bench/run.py measures: its 1-minute load, the share of the CPUs other processes keep busy, and the
share of the CPUs' time the host (the hypervisor) takes for other machines, CPU steal; and the waits for a quiet
machine and a calm host before a measurement. Everything is read from /proc.
"""
import os
import time


def loadavg():
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def cpu_times():
    """The ticks since boot of all CPUs together, by kind (/proc/stat's first line: user, nice, system, idle, iowait,
    irq, softirq, steal, ...)."""
    with open("/proc/stat") as handle:
        return [int(x) for x in handle.readline().split()[1:]]


def cpu_busy(interval=1.0):
    """The fraction of all CPUs busy over the next `interval` seconds (from /proc/stat), while we measure nothing."""
    before = cpu_times()
    time.sleep(interval)
    after = cpu_times()
    idle = (after[3] + after[4]) - (before[3] + before[4])  # idle + iowait
    return 1.0 - idle / float(max(1, sum(after) - sum(before)))


def cpu_steal_counter():
    """(all CPU time, the part of it the hypervisor gave to other machines: steal), in ticks since boot."""
    fields = cpu_times()
    return sum(fields), fields[7]


def steal_between(before, after):
    """The fraction of the CPUs' time that was steal between two `cpu_steal_counter` samples."""
    return (after[1] - before[1]) / float(max(1, after[0] - before[0]))


def probe_steal(seconds=0.5):
    """The fraction of the CPUs' time stolen while every CPU wants to run: a spinning child per CPU for `seconds`
    (an idle virtual CPU shows no steal, so an idle machine cannot tell a calm host from a crowded one)."""
    before, children = cpu_steal_counter(), []
    for _ in range(os.cpu_count() or 1):
        pid = os.fork()
        if pid == 0:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                pass
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return steal_between(before, cpu_steal_counter())


def wait_calm_host(max_steal, budget, log):
    """Wait while the host steals more than `max_steal` of the CPUs' time (probe_steal), at most the seconds left in
    `budget` (a one-item list, shared by the rounds of a section and spent here); returns the last steal seen, or
    None without probing (0.5 s of every CPU spinning) once the budget is spent."""
    if budget[0] <= 0:
        return None
    started, steal = time.monotonic(), probe_steal()
    if steal >= max_steal:
        log("  CPU steal %.0f%%: waiting up to %ds for the host to calm down" % (100 * steal, budget[0]))
    while steal >= max_steal and time.monotonic() - started < budget[0]:
        time.sleep(2.0)
        steal = probe_steal()
    budget[0] = max(0.0, budget[0] - (time.monotonic() - started))
    return steal


def wait_quiet(max_busy, timeout, log):
    """Wait until other processes keep less than `max_busy` of the CPUs busy (other engineers share the machine),
    at most `timeout` seconds; returns the last busy fraction seen."""
    deadline = time.monotonic() + timeout
    busy = cpu_busy()
    if busy >= max_busy:
        log("  CPUs %.0f%% busy: waiting up to %ds for a quieter machine" % (100 * busy, timeout))
    while busy >= max_busy and time.monotonic() < deadline:
        busy = cpu_busy(2.0)
    return busy
