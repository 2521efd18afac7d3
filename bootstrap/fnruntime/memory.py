"""Memory as a memory cgroup holds it: the figure that sets off `OutOfMemory` and that "Max Memory Used" reports.

The rule: anonymous plus shared memory (`RssAnon + RssShmem` of /proc/PID/status) summed over the instance, the
worker and every process it started (processtree.Family). Clean file-backed pages (mapped shared libraries, files
read through mmap, counted in `RssFile`) do not count: under a memory cgroup the kernel reclaims them before it
kills anything, so a function whose libraries take 70 MB of file pages and 102 MB of its own memory runs in 128 MB.
A page shared by several processes of the instance (copy-on-write after a fork) is counted once, as a cgroup
charges it: with more than one process, each one's proportional share is summed (`Pss_Anon + Pss_Shmem` of
/proc/PID/smaps_rollup). Sources: Linux's Documentation/admin-guide/cgroup-v2.rst ("Memory": anonymous, page cache and shmem are charged;
reclaim before the OOM killer; page cache is reclaimable) and proc(5) (`RssAnon`, `RssFile`, `RssShmem`, since
Linux 4.5; before that `statm`'s resident minus shared is taken, which leaves shmem out). The clouds run each
function instance in such a cgroup (PROVIDERS.md, limits).

The supervisor samples the sum while an invocation runs (every 10 ms) and kills the instance when a sample is over
the limit. The worker measures itself when it answers (`own_kb`): memory its handler held and freed on returning
is gone by then, so for its own process it takes the peak the kernel kept since the invocation began (`VmHWM`,
reset through /proc/self/clear_refs) less the file pages mapped now (`RssFile`), when that is more than what it
holds now. Max Memory Used is the largest of those figures. Known difference from a cgroup: file pages mapped and
unmapped within one invocation (a file read through mmap, then closed) raise that peak estimate, so Max Memory Used
can show them although they never count toward the kill.
"""
from __future__ import absolute_import, division, print_function

import errno
import os

from .processtree import descendants

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
FIELDS = (b"RssAnon:", b"RssShmem:")


def process_kb(pid):
    """The anonymous and shared memory of one process, in kB; 0 when it is gone."""
    try:
        with open("/proc/%d/status" % pid, "rb") as handle:
            status = handle.read()
    except (IOError, OSError):
        return 0
    total, found = 0, False
    for line in status.split(b"\n"):
        if line.startswith(FIELDS):
            total += int(line.split()[1])
            found = True
    if found:
        return total
    try:  # a kernel before 4.5: resident pages minus the file-backed and shared ones
        with open("/proc/%d/statm" % pid, "rb") as handle:
            fields = handle.read().split()
        return max(0, int(fields[1]) - int(fields[2])) * PAGE_KB
    except (IOError, OSError, IndexError, ValueError):
        return 0


PSS_FIELDS = (b"Pss_Anon:", b"Pss_Shmem:")


def shared_out_kb(pid):
    """The anonymous and shared memory of one process with each page shared with other processes (a fork's
    copy-on-write pages) divided among them (`Pss_Anon + Pss_Shmem` of /proc/PID/smaps_rollup, Linux 5.x); the
    unshared figure where the kernel lacks them."""
    try:
        with open("/proc/%d/smaps_rollup" % pid, "rb") as handle:
            rollup = handle.read()
    except (IOError, OSError):
        return process_kb(pid)
    total, found = 0, False
    for line in rollup.split(b"\n"):
        if line.startswith(PSS_FIELDS):
            total += int(line.split()[1])
            found = True
    return total if found else process_kb(pid)


def instance_kb(pids):
    """The figure of the rule for an instance of `pids`, in kB. One process: its RssAnon + RssShmem. Several: each
    page counted once, as a cgroup charges it (a forked child shares its parent's pages until it writes them), by
    proportional shares (smaps_rollup walks the page tables: dearer, so only then)."""
    if len(pids) == 1:
        return process_kb(pids[0])
    return sum(shared_out_kb(pid) for pid in pids)


#: os.pread (Python 3.3+): a read at offset 0 that leaves the descriptor's offset alone; None on 2.7 (lseek + read).
PREAD = getattr(os, "pread", None)


class OwnFile(object):
    """A file of /proc/self kept open by the process that opened it (the worker reads its status and resets its peak
    on every invocation: a kept descriptor spares the open and close). A process forked from it opens its own, and
    so does one whose descriptor the function closed or reused: its identity is checked (fstat) before every write
    and every lseek + read; a file whose text can be recognised (`looks_right`) is instead read with pread, which
    moves no offset of a file the descriptor may now be the function's, and is reopened when the text is not its."""

    def __init__(self, name, flags, looks_right=None):
        self.name, self.flags, self.looks_right = name, flags, looks_right
        self.pid = self.fd = self.identity = None

    def descriptor(self, pid, checked=True):
        if self.pid == pid:
            if not checked:
                return self.fd
            try:
                found = os.fstat(self.fd)
                if (found.st_dev, found.st_ino) == self.identity:
                    return self.fd
            except OSError:
                pass
        fd = os.open("/proc/%d/%s" % (pid, self.name.replace("self", str(pid))), self.flags)
        try:
            import fcntl
            fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.fcntl(fd, fcntl.F_GETFD) | fcntl.FD_CLOEXEC)
        except (ImportError, IOError, OSError):
            pass
        found = os.fstat(fd)
        self.pid, self.fd, self.identity = pid, fd, (found.st_dev, found.st_ino)
        return fd

    def read(self, pid=None):
        """The whole file as it is now; b"" when it cannot be read."""
        pid = pid or os.getpid()
        if PREAD is not None and self.looks_right is not None and self.pid == pid:
            try:
                data = PREAD(self.fd, 65536, 0)
                if len(data) < 65536 and self.looks_right(data):
                    return data
            except (IOError, OSError):
                pass
            self.pid = None  # not our file any more: open it afresh
        try:
            fd = self.descriptor(pid)
            if PREAD is not None:
                parts = [PREAD(fd, 65536, 0)]
                while len(parts[-1]) == 65536:
                    parts.append(PREAD(fd, 65536, 65536 * len(parts)))
                return b"".join(parts)
            os.lseek(fd, 0, os.SEEK_SET)
            parts = []
            while True:
                part = os.read(fd, 65536)
                parts.append(part)
                if len(part) < 65536:
                    return b"".join(parts)
        except (IOError, OSError):
            self.pid = None
            return b""

    def write(self, data, pid=None):
        try:
            os.write(self.descriptor(pid or os.getpid()), data)
        except (IOError, OSError):
            self.pid = None


OWN_STATUS = OwnFile("status", os.O_RDONLY, looks_right=lambda text: text.startswith(b"Name:"))
OWN_CLEAR_REFS = OwnFile("clear_refs", os.O_WRONLY)
#: The children of this process's main thread (a process of one thread has no others).
OWN_CHILDREN = OwnFile("task/self/children", os.O_RDONLY)
#: Whether the last `own_kb` found the kernel's peak (VmHWM) at the resident size (VmRSS): nothing held since the
#: last reset was freed, so a reset now would change nothing (`reset_peak` may be skipped until something is).
PEAK_AT_REST = [False]


def status_field(status, name):
    """The number of the field `name` (bytes, with the colon) in a /proc/PID/status text (in kB for sizes); None
    when absent. (A find per field: one regular expression for all of them would cost its compilation, about 0.6 ms,
    on every cold start.)"""
    at = status.find(b"\n" + name)
    if at < 0:
        return None
    start = at + len(name) + 1
    end = status.find(b"\n", start)
    try:
        return int(status[start:end if end >= 0 else len(status)].split()[0])
    except (ValueError, IndexError):
        return None


#: The size fields `own_kb` reads, in the order Linux (4.5 and later) writes them, one after the other.
SIZE_FIELDS = [b"VmHWM:", b"VmRSS:", b"RssAnon:", b"RssFile:", b"RssShmem:"]


def size_fields(status):
    """(VmHWM, VmRSS, RssAnon, RssFile, RssShmem) of a /proc/PID/status text, in kB, None for those absent: read in
    one go where they stand together, as they do since Linux 4.5 (once per invocation: it is worth it), else one by
    one."""
    at = status.find(b"\nVmHWM:")
    if at >= 0:
        lines = [line.split() for line in status[at + 1:at + 512].split(b"\n", 5)[:5]]
        try:
            if [line[0] for line in lines] == SIZE_FIELDS:
                return [int(line[1]) for line in lines]
        except (IndexError, ValueError):
            pass
    return [status_field(status, name) for name in SIZE_FIELDS]


#: os.waitid (Python 3.3+) with WNOWAIT: whether this process has any child, of any of its threads, in one system
#: call that reaps nothing; None on 2.7 (the main thread's children file is read instead).
WAITID = getattr(os, "waitid", None)


def has_children():
    """Whether this process has a child (running or not yet reaped), for any of its threads; True when unknown."""
    if WAITID is None:
        return True
    try:
        WAITID(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except OSError as exc:
        return exc.errno != errno.ECHILD
    return True


def reset_peak(pid=None):
    """Start this process's kernel-kept peak (VmHWM) afresh: at the start of each invocation (Linux 4.0+)."""
    OWN_CLEAR_REFS.write(b"5", pid)


def own_kb(pid=None):
    """The figure of the rule for this process (its peak estimate, see above) and every process under it now."""
    me = pid or os.getpid()
    status = OWN_STATUS.read(me)
    hwm, rss, anon, file_kb, shmem = size_fields(status)
    now = anon + (shmem or 0) if anon is not None else process_kb(me)
    peak = (hwm or 0) - file_kb if file_kb is not None else 0
    PEAK_AT_REST[0] = hwm is not None and rss is not None and hwm <= rss
    others = []
    if has_children():  # `pid` is this process's own (the worker passes it to spare a getpid)
        if status_field(status, b"Threads:") == 1:  # one thread: its children are the main thread's
            others = [int(pid) for pid in OWN_CHILDREN.read(me).split()]
            others = descendants(others) if others else []
        else:
            others = descendants([me])[1:]
    if others:  # shares of pages the children still share with this process are its own already
        now = shared_out_kb(me)
        return max(now, peak) + sum(shared_out_kb(pid) for pid in others)
    return max(now, peak)
