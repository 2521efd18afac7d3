"""Copies of the runtime changed for one measurement (`patched_copy`), each checked to still find what it changes,
else it says what to update: `measuring_copy` for callgrind (instances end with SIGTERM so that every process writes
its counts; timed looks as often per invocation as at full speed), `server_alone_copy` for the serving side's ceiling
(a worker that answers at once).
"""
import os
import shutil

from machine import ROOT


def patched_copy(directory, changes, what):
    """A copy of bootstrap/ in `directory` where, for each fnruntime module of `changes` ({module: [(text,
    replacement), ...]}), each text is replaced; every text must occur in its module exactly once, else RuntimeError
    says which copy (`what`) to update. The copy's bootstrap.py."""
    copy = os.path.join(directory, "bootstrap")
    shutil.copytree(os.path.join(ROOT, "bootstrap"), copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for module, edits in sorted(changes.items()):
        path = os.path.join(copy, "fnruntime", module)
        with open(path) as handle:
            text = handle.read()
        missing = [old for old, _ in edits if text.count(old) != 1]
        if missing:
            raise RuntimeError("the %s needs one %s in %s: update bench/copies.py to the runtime's code" % (
                what, " and one ".join(repr(old) for old in missing), module))
        for old, new in edits:
            text = text.replace(old, new)
        with open(path, "w") as handle:
            handle.write(text)
    return os.path.join(copy, "bootstrap.py")


def server_alone_copy(directory):
    """A copy of the runtime whose worker answers each `POST /invoke` at once with a fixed 200 response and its two
    log lines, running no handler and measuring nothing: what the server side alone (the poll loop, HTTP parsing,
    the queue, the pool, the relay of the worker's answer, the access line) can serve on this machine."""
    start = '        line, _, body = payload.partition(b"\\n")\n'  # the first line of Worker.answer_http's own work
    canned = ('        response = (b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nX-Request-Id: "\n'
              '                    + to_bytes(request_id) + b"\\r\\nContent-Length: 12\\r\\n\\r\\n{\\"ok\\": true}")\n'
              '        opening = to_bytes(self.provider.start_line(request_id) + "\\n")\n'
              '        return self.write_answer(pack_rendered(response, 0, opening + b"END\\n", len(opening)))\n')
    return patched_copy(os.path.join(directory, "alone"), {"worker.py": [(start, canned + start)]},
                        "server-alone copy (Worker.answer_http)")


#: How much slower the runtime runs under callgrind than at full speed, about: the measuring copy's timed looks (the
#: serve loop's tick at a busy instance, the supervisor's memory sampling) are that much less frequent, so that their
#: count per invocation is about what it is at full speed instead of growing with how slowly valgrind runs.
CALLGRIND_SLOWDOWN = 50


def measuring_copy(directory):
    """A copy of the runtime for callgrind: its instances end their worker with SIGTERM alone instead of SIGSTOP then
    SIGKILL (processtree.Family.end), and its workers get SIGTERM, not SIGKILL, when their supervisor ends
    (processtree.end_with_parent), so that callgrind can write the worker's counts; and its timed looks at a busy
    worker (loop.TICK_SECONDS, workerprocess.POLL_SECONDS) come CALLGRIND_SLOWDOWN times less often, as often per
    invocation as at full speed. Nothing else differs."""
    return patched_copy(directory, {
        "processtree.py": [
            ("signal_pid(pid, signal.SIGSTOP)", "pass"),
            ("signal_pid(pid, signal.SIGKILL)", "signal_pid(pid, signal.SIGTERM)"),
            ("PR_SET_PDEATHSIG, int(signal.SIGKILL)", "PR_SET_PDEATHSIG, int(signal.SIGTERM)")],
        "loop.py": [("TICK_SECONDS = 0.01\n", "TICK_SECONDS = 0.01 * %d\n" % CALLGRIND_SLOWDOWN)],
        "workerprocess.py": [("POLL_SECONDS = 0.01\n", "POLL_SECONDS = 0.01 * %d\n" % CALLGRIND_SLOWDOWN)]},
        "measuring copy (the runtime's way of ending an instance, its timed looks)")
