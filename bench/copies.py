"""Copies of the runtime changed for one measurement (`patched_copy`), each checked to still find what it changes,
else it says what to update: `measuring_copy` for callgrind (instances end with SIGTERM so that every process writes
its counts), `server_alone_copy` for the serving side's ceiling (a worker that answers at once).
"""
import os
import shutil

from machine import ROOT


def patched_copy(directory, module, changes, what):
    """A copy of bootstrap/ in `directory` whose fnruntime/`module` has each (text, replacement) of `changes` applied;
    every text must occur there exactly once, else RuntimeError says which copy (`what`) to update. The copy's
    bootstrap.py."""
    copy = os.path.join(directory, "bootstrap")
    shutil.copytree(os.path.join(ROOT, "bootstrap"), copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    path = os.path.join(copy, "fnruntime", module)
    with open(path) as handle:
        text = handle.read()
    missing = [old for old, _ in changes if text.count(old) != 1]
    if missing:
        raise RuntimeError("the %s needs one %s in %s: update bench/copies.py to the runtime's code" % (
            what, " and one ".join(repr(old) for old in missing), module))
    for old, new in changes:
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
    return patched_copy(os.path.join(directory, "alone"), "worker.py", [(start, canned + start)],
                        "server-alone copy (Worker.answer_http)")


def measuring_copy(directory):
    """A copy of the runtime whose instances end their worker with SIGTERM alone instead of SIGSTOP then SIGKILL
    (processtree.Family.end), and whose workers get SIGTERM, not SIGKILL, when their supervisor ends
    (processtree.end_with_parent), so that callgrind can write the worker's counts; nothing else differs."""
    return patched_copy(directory, "processtree.py", [
        ("signal_pid(pid, signal.SIGSTOP)", "pass"),
        ("signal_pid(pid, signal.SIGKILL)", "signal_pid(pid, signal.SIGTERM)"),
        ("PR_SET_PDEATHSIG, int(signal.SIGKILL)", "PR_SET_PDEATHSIG, int(signal.SIGTERM)")],
        "measuring copy (the runtime's way of ending an instance)")
