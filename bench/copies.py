"""Copies of the runtime changed for one measurement, each checked to still find what it changes (else it says what
to update): `measuring_copy` for callgrind (instances end with SIGTERM so that every process writes its counts),
`server_alone_copy` for the serving side's ceiling (a worker that answers at once).
"""
import os
import shutil

from machine import ROOT


def server_alone_copy(directory):
    """A copy of the runtime whose worker answers each `POST /invoke` at once with a fixed 200 response and its two
    log lines, running no handler and measuring nothing: what the server side alone (the poll loop, HTTP parsing,
    the queue, the pool, the relay of the worker's answer, the access line) can serve on this machine."""
    copy = os.path.join(directory, "alone", "bootstrap")
    shutil.copytree(os.path.join(ROOT, "bootstrap"), copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    path = os.path.join(copy, "fnruntime", "worker.py")
    with open(path) as handle:
        text = handle.read()
    start = '        line, _, body = payload.partition(b"\\n")\n'
    if text.count(start) != 1:
        raise RuntimeError("the server-alone copy needs one %r in worker.py (Worker.answer_http): update bench/run.py's "
                           "server_alone_copy to the worker's way of answering POST /invoke" % start)
    canned = ('        response = (b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nX-Request-Id: "\n'
              '                    + to_bytes(request_id) + b"\\r\\nContent-Length: 12\\r\\n\\r\\n{\\"ok\\": true}")\n'
              '        opening = to_bytes(self.provider.start_line(request_id) + "\\n")\n'
              '        return self.write_answer(pack_rendered(response, 0, opening + b"END\\n", len(opening)))\n')
    with open(path, "w") as handle:
        handle.write(text.replace(start, canned + start))
    return os.path.join(copy, "bootstrap.py")


def measuring_copy(directory):
    """A byte-compiled copy of the runtime whose instances end their worker with SIGTERM alone instead of SIGSTOP then
    SIGKILL (processtree.Family.end), and whose workers get SIGTERM, not SIGKILL, when their supervisor ends
    (processtree.end_with_parent), so that callgrind can write the worker's counts; nothing else differs."""
    copy = os.path.join(directory, "bootstrap")
    shutil.copytree(os.path.join(ROOT, "bootstrap"), copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    path = os.path.join(copy, "fnruntime", "processtree.py")
    with open(path) as handle:
        text = handle.read()
    stop, kill = "signal_pid(pid, signal.SIGSTOP)", "signal_pid(pid, signal.SIGKILL)"
    orphaned = "PR_SET_PDEATHSIG, int(signal.SIGKILL)"
    if text.count(stop) != 1 or text.count(kill) != 1 or text.count(orphaned) != 1:
        raise RuntimeError("the measuring copy needs one %r, one %r and one %r in processtree.py: update bench/run.py's "
                           "measuring_copy to the runtime's way of ending an instance" % (stop, kill, orphaned))
    with open(path, "w") as handle:
        handle.write(text.replace(stop, "pass").replace(kill, "signal_pid(pid, signal.SIGTERM)").replace(
            orphaned, "PR_SET_PDEATHSIG, int(signal.SIGTERM)"))
    return os.path.join(copy, "bootstrap.py")
