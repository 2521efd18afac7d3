"""`--debug-port` on the host interpreters (2.7, 3.6, 3.7) with a real debugpy and a Debug Adapter Protocol client:
breakpoints in the handler and in module-level code stop, locals are read, `continue` gives the right result, the
timeout is suspended while the debugger holds the instance, user code cannot import the debugger, and bad input
(a port in use, no debugger installed, a debugger that never comes) is answered with what to do.
"""
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from dapclient import DapClient
from debugkit import BOOTSTRAP, CODE, TARGET, line_of


def start(python, debugger_dir, args, env=None, stdin=None):
    environ = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp"),
               "FUNCTION_DEBUGGER_DIR": debugger_dir}
    environ.update(env or {})
    return subprocess.Popen([python.path, BOOTSTRAP, "--code", CODE] + list(args), stdin=stdin or subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ, start_new_session=True)


def finish(process, seconds=60):
    try:
        out, err = process.communicate(timeout=seconds)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
    return out, err.decode("utf-8", "replace"), process.returncode


@pytest.fixture
def session():
    opened = []

    def connect(port):
        client = DapClient("127.0.0.1", port)
        opened.append(client)
        return client
    yield connect
    for client in opened:
        client.close()


def test_breakpoint_in_the_handler_stops_shows_the_event_and_the_invocation_answers(python, debugger_dir, free_port,
                                                                                    session):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "index.main_handler",
                                           '{"name": "debugger"}'])
    client = session(free_port)
    breakpoints = client.attach(TARGET, [line_of("handler")], CODE, CODE)
    assert breakpoints[0]["verified"], breakpoints
    thread, frame = client.stopped()
    assert (frame["name"], frame["line"]) == ("main_handler", line_of("handler"))
    assert os.path.realpath(frame["source"]["path"]) == os.path.realpath(TARGET)
    local = client.locals_of(frame)
    assert local["name"].lstrip("ub") == "'debugger'", local  # u'...' on 2.7 where the event is unicode
    client.resume(thread)
    out, err, status = finish(process)
    assert status == 0, err
    assert json.loads(out) == {"greeting": "hello debugger", "module_state": "loaded"}
    assert "listening on 0.0.0.0:%d" % free_port in err and "Debugger attached" in err, err


def test_breakpoint_in_module_code_stops_during_the_cold_start(python, debugger_dir, free_port, session):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "index.main_handler", "{}"])
    client = session(free_port)
    client.attach(TARGET, [line_of("module")], CODE, CODE)
    thread, frame = client.stopped()
    assert (frame["name"], frame["line"]) == ("<module>", line_of("module"))
    assert "Init Report" not in process_stderr_so_far(process)
    client.resume(thread)
    out, err, status = finish(process)
    assert status == 0, err
    assert json.loads(out)["greeting"] == "hello nobody"


def process_stderr_so_far(process):
    """What the process wrote to stderr until now, without waiting (the pipe is non-blocking for this read)."""
    import fcntl
    fd = process.stderr.fileno()
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        return (process.stderr.read() or b"").decode("utf-8", "replace")
    except (IOError, OSError):
        return ""
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags)


def test_a_stop_longer_than_the_timeout_does_not_time_out(python, debugger_dir, free_port, session):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "--timeout", "3", "index.main_handler",
                                           '{"name": "patient"}'])
    client = session(free_port)
    client.attach(TARGET, [line_of("handler")], CODE, CODE)
    thread, frame = client.stopped()
    held = time.monotonic()
    time.sleep(10)  # the person at the breakpoint: the test's subject is this wait, not a synchronisation
    client.resume(thread)
    out, err, status = finish(process)
    assert time.monotonic() - held >= 10
    assert status == 0, err
    assert json.loads(out)["greeting"] == "hello patient"
    assert "timeout is suspended: a debugger is attached on port %d" % free_port in err, err


def test_detaching_mid_invocation_lets_it_answer(python, debugger_dir, free_port, session):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "index.main_handler", '{"name": "x"}'])
    client = session(free_port)
    client.attach(TARGET, [line_of("handler")], CODE, CODE)
    client.stopped()
    client.request("disconnect", terminateDebuggee=False)
    client.close()
    out, err, status = finish(process)
    assert status == 0, err
    assert json.loads(out)["greeting"] == "hello x"


def test_user_code_cannot_import_the_debugger(python, debugger_dir, free_port):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "--debug-no-wait", "index.imports"])
    out, err, status = finish(process)
    assert status == 0, err
    found = json.loads(out)
    assert set(found) == {"debugpy", "ptvsd", "pydevd"}
    assert all(value.startswith(("ImportError", "ModuleNotFoundError")) for value in found.values()), found
    assert "No module named" in found["debugpy"]


def test_no_wait_runs_at_once(python, debugger_dir, free_port):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "--debug-no-wait", "index.main_handler",
                                           '{"name": "now"}'])
    out, err, status = finish(process)
    assert status == 0, err
    assert json.loads(out)["greeting"] == "hello now"
    assert "Not waiting for it (--debug-no-wait)" in err


def test_a_port_in_use_is_a_usage_error(python, debugger_dir):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out, err, status = finish(start(python, debugger_dir, ["--debug-port", str(port), "index.main_handler"]))
    assert (status, out) == (2, b""), err
    assert "--debug-port %d: cannot listen on that port" % port in err and "choose a free port" in err, err
    assert "Traceback" not in err


def test_a_bad_port_is_a_usage_error(python, debugger_dir):
    out, err, status = finish(start(python, debugger_dir, ["--debug-port", "http", "index.main_handler"]))
    assert (status, out) == (2, b""), err
    assert "debug port must be a TCP port number" in err and "'http'" in err


def test_a_missing_debugger_is_a_clear_error(python, tmp_path, free_port):
    out, err, status = finish(start(python, str(tmp_path), ["--debug-port", str(free_port), "index.main_handler"]))
    assert status == 1, err
    assert "the debugger is not installed in %s" % tmp_path in out.decode() + err
    assert "Traceback" not in err


def test_a_debugger_that_never_comes_is_awaited_with_reminders(python, debugger_dir, free_port):
    process = start(python, debugger_dir, ["--debug-port", str(free_port), "index.main_handler"],
                    env={"FNRUNTIME_DEBUG_NOTICE_SECONDS": "0.5"})
    deadline = time.monotonic() + 30
    seen = ""
    while time.monotonic() < deadline and seen.count("Still waiting for a debugger") < 2:
        time.sleep(0.2)
        seen += process_stderr_so_far(process)
    assert process.poll() is None, seen  # still waiting: neither a timeout nor an exit
    os.killpg(process.pid, signal.SIGTERM)
    finish(process)
    assert seen.count("Still waiting for a debugger to attach on port %d" % free_port) >= 2, seen


def test_serve_mode_waits_for_the_debugger_at_the_cold_start_and_stays_warm(python, debugger_dir, free_port, session,
                                                                            tmp_path):
    import http.client
    import threading
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        http_port = probe.getsockname()[1]
    process = start(python, debugger_dir, ["--serve", "http:127.0.0.1:%d" % http_port, "--debug-port", str(free_port),
                                           "--timeout", "2", "index.main_handler"])
    answers = []

    def invoke(name):
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=120)
                connection.request("POST", "/invoke", body=json.dumps({"name": name}))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())))
    caller = threading.Thread(target=invoke, args=("first",))
    caller.start()
    client = session(free_port)
    client.attach(TARGET, [line_of("handler")], CODE, CODE)
    thread, frame = client.stopped()
    assert client.locals_of(frame)["name"].lstrip("ub") == "'first'"
    time.sleep(3)  # held past the 2 s timeout at the breakpoint
    client.resume(thread)
    caller.join(60)
    assert answers == [(200, {"greeting": "hello first", "module_state": "loaded"})]
    client.request("setBreakpoints", source={"path": TARGET}, breakpoints=[])
    invoke("second")  # warm: the same instance, no new wait for a debugger
    assert answers[1] == (200, {"greeting": "hello second", "module_state": "loaded"})
    os.killpg(process.pid, signal.SIGTERM)
    out, err, status = finish(process)
    assert err.count("Waiting for the debugger to attach") == 1, err


def test_instances_become_one_while_debugging(python, debugger_dir, free_port):
    """Three requests at once to a handler that sleeps: three instances would serve them side by side; one does."""
    import http.client
    import threading
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        http_port = probe.getsockname()[1]
    process = start(python, debugger_dir, ["--serve", "http:127.0.0.1:%d" % http_port, "--instances", "3",
                                           "--debug-port", str(free_port), "--debug-no-wait", "index.sleepy"])
    served = []

    def invoke():
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
                connection.request("POST", "/invoke", body="{}")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        response = connection.getresponse()
        response.read()
        served.append((response.status, response.getheader("X-Function-Instance")))
    try:
        callers = [threading.Thread(target=invoke) for _ in range(3)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(60)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
    out, err, status = finish(process)
    assert "serving one instance at a time while debugging (not the 3 of --instances)" in err, err
    assert served == [(200, "1")] * 3, served
