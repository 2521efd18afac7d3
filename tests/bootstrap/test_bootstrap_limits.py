"""Contract section 4, Timeout and Memory, and crash survival (ARCHITECTURE.md, Process model): a handler past its
timeout is stopped with the provider's timeout error and the process that ran it (its process group) is gone; past
its memory limit it gets a clear out-of-memory error; sys.exit, os._exit, a segfault or SIGKILL in user code are
function errors naming the exit status or signal, never a crash of the runtime.
"""
import re
import time

import pytest

import json

from oneshot_support import PROVIDERS, assert_function_error, describe, error_message, invoke, one_frame, user_output

TIMEOUT_MESSAGE = {
    "tencent": r"^Invoking task timed out after %s seconds$",
    "aliyun": r"^Function timed out after %s seconds \(maxMemoryUsage: \d+(\.\d+)?MB\)$",
    "jdcloud": r"^Time out after %s seconds$",
}
MEMORY_MESSAGE = {
    "tencent": r"^Memory limit exceeded: the function used more than 128 MB$",
    "aliyun": r"^Function exceeded its memory limit of 128 MB \(maxMemoryUsage: \d+(\.\d+)?MB\)$",
    "jdcloud": r"^Out of Memory: more than 128 MB used$",
}


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except (IOError, OSError):
        return False


def assert_error_framed(run, provider, body):
    """A failed invocation's frame says so: tencent an ERROR line with the body, jdcloud the message as its last line;
    aliyun the End line's
    `, Error: Unhandled function error`. Returns the frame's reported duration (ms)."""
    _, frames, _ = one_frame(run, provider)
    if provider == "aliyun":
        assert frames["end"][0][1].group("error"), "FC Invoke End must carry the error; " + describe(run)
    elif provider == "jdcloud":  # no ERROR line in JD's log: the runtime's message, after JD's prefix, before End
        assert user_output(run, provider)[-1] == body["error_message"], describe(run)
    else:
        assert len(frames["error"]) == 1, "one ERROR line expected; " + describe(run)
        assert json.loads(frames["error"][0][1].group("body")) == body, describe(run)
    return float(frames["report"][0][1].group("duration"))


def wait_gone(pids, seconds=5.0):
    deadline = time.time() + seconds
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("function", ["handler", "spin"])
def test_timeout_stops_the_handler_and_its_children(bootstrap, function_dir, tmp_path, provider, function):
    pidfile = tmp_path / "pids"
    started = time.time()
    run = invoke(bootstrap, function_dir("sleeps_forever"), "index." + function, {"pidfile": str(pidfile)},
                 provider, options=["--timeout", "1"], timeout=30)
    elapsed = time.time() - started
    body = assert_function_error(run, provider, "FunctionTimeout")
    assert re.match(TIMEOUT_MESSAGE[provider] % "1", error_message(body)), error_message(body)
    assert elapsed < 10, "a 1 s timeout took %.1f s to answer" % elapsed
    pids = [int(p) for p in pidfile.read_text().split()]
    assert not wait_gone(pids), "the worker or its child outlived the timeout: %s" % pids
    assert "sleeping" in run.stderr, "output before the timeout stays in the log; " + describe(run)
    duration = assert_error_framed(run, provider, body)
    assert 1000 <= duration < 10000, "the reported duration covers the time until the timeout: %s ms" % duration


@pytest.mark.parametrize("provider", PROVIDERS)
def test_fractional_timeout_prints_as_g(bootstrap, function_dir, tmp_path, provider):
    seconds = "1.5" if provider == "jdcloud" else "0.5"  # JD's timeouts start at 1 s (its Restrictions page)
    run = invoke(bootstrap, function_dir("sleeps_forever"), "index.handler", {"pidfile": str(tmp_path / "p")},
                 provider, options=["--timeout", seconds], timeout=30)
    body = assert_function_error(run, provider, "FunctionTimeout")
    assert re.match(TIMEOUT_MESSAGE[provider] % re.escape(seconds), error_message(body)), error_message(body)


def test_default_timeout_is_3_seconds(bootstrap, function_dir, tmp_path):
    started = time.time()
    run = invoke(bootstrap, function_dir("sleeps_forever"), "index.handler", {"pidfile": str(tmp_path / "p")},
                 timeout=30)
    elapsed = time.time() - started
    body = assert_function_error(run, "tencent", "FunctionTimeout")
    assert error_message(body) == "Invoking task timed out after 3 seconds", body
    assert 3 <= elapsed < 12, elapsed


def test_handler_finishing_inside_the_timeout_succeeds(bootstrap, tmp_path):
    (tmp_path / "index.py").write_text("import time\n\ndef handler(event, context):\n    time.sleep(0.5)\n"
                                       "    return 'in time'\n")
    run = invoke(bootstrap, tmp_path, "index.handler", {}, options=["--timeout", "2"])
    assert run.status == 0 and run.stdout == b'"in time"', describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_memory_limit(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("memory_bomb"), "index.handler", "{}", provider,
                 options=["--memory", "128", "--timeout", "20"], timeout=60)
    assert "allocated 2048 MB and still alive" not in run.stderr, "the limit was not enforced; " + describe(run)
    body = assert_function_error(run, provider, "OutOfMemory")
    assert re.match(MEMORY_MESSAGE[provider], error_message(body)), error_message(body)
    assert_error_framed(run, provider, body)


def test_memory_under_the_limit_is_fine(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("allocates_memory"), "index.handler", {"mb": 40},
                 options=["--memory", "128"])
    assert run.status == 0, describe(run)


CRASHES = [
    ("sys_exit", "index.exit0", r"\(.*\bexit status 0\)$"),
    ("sys_exit", "index.exit3", r"\(.*\bexit status 3\)$"),
    ("os_exit", "index.handler", r"\(.*\bexit status 3\)$"),
    ("segfault", "index.handler", r"\(.*\bkilled by signal 11: SIGSEGV\)$"),
    ("kill_self", "index.handler", r"\(.*\bkilled by signal 9: SIGKILL\)$"),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("scenario, handler, detail", CRASHES, ids=[c[1].replace("index.", c[0] + ".")
                                                                  for c in CRASHES])
def test_crash_is_a_function_error(bootstrap, function_dir, provider, scenario, handler, detail):
    run = invoke(bootstrap, function_dir(scenario), handler, "{}", provider, timeout=30)
    body = assert_function_error(run, provider, "ProcessExited")
    message = error_message(body)
    assert message.startswith("Process exited unexpectedly before completing request"), message
    assert re.search(detail, message), message
    assert_error_framed(run, provider, body)


def test_crash_output_before_dying_is_in_the_log(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("segfault"), "index.handler", {})
    assert run.status == 1, describe(run)
    assert "about to crash" in run.stderr, describe(run)


def test_runtime_process_is_not_the_one_that_crashes(bootstrap, function_dir):
    """os._exit(3) in the handler: the runtime still exits with the contract's status 1, not the handler's 3."""
    run = invoke(bootstrap, function_dir("os_exit"), "index.handler", {})
    assert run.status == 1, describe(run)


def test_process_limits_are_set(bootstrap, tmp_path):
    """1024 open files and 1024 processes, as in the clouds."""
    (tmp_path / "index.py").write_text(
        "import resource\n\ndef handler(event, context):\n"
        "    return [resource.getrlimit(resource.RLIMIT_NOFILE)[0], resource.getrlimit(resource.RLIMIT_NPROC)[0]]\n")
    run = invoke(bootstrap, tmp_path, "index.handler", {})
    assert run.status == 0 and run.stdout == b"[1024, 1024]", describe(run)


LOAD_LIMIT_MESSAGE = (r"^Loading module 'index' exceeded the load limit of 1 seconds: its import \(module-level code\) "
                      r"was still running and the handler never ran; the limit is the longer of --load-timeout "
                      r"\[FUNCTION_LOAD_TIMEOUT\], default 30, and --timeout$")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_import_over_the_load_limit_says_so_not_the_timeout(bootstrap, function_dir, tmp_path, provider):
    """The module's import never ends (slow_import, never released): the load limit stops it, and the error names
    the module, the limit and how to change it, instead of the handler's timeout text."""
    started = tmp_path / "import-started"
    run = invoke(bootstrap, function_dir("slow_import"), "index.handler", {}, provider,
                 options=["--timeout", "1", "--load-timeout", "1"], timeout=30,
                 env={"IMPORT_STARTED": str(started), "IMPORT_RELEASE": str(tmp_path / "never")})
    assert started.exists(), describe(run)
    body = assert_function_error(run, provider, "FunctionTimeout")
    assert re.match(LOAD_LIMIT_MESSAGE, error_message(body)), error_message(body)


def test_the_load_limit_is_an_environment_variable_too(bootstrap, function_dir, tmp_path):
    run = invoke(bootstrap, function_dir("slow_import"), "index.handler", {}, "tencent", options=["--timeout", "1"],
                 timeout=30, env={"FUNCTION_LOAD_TIMEOUT": "1", "IMPORT_RELEASE": str(tmp_path / "never")})
    body = assert_function_error(run, "tencent", "FunctionTimeout")
    assert re.match(LOAD_LIMIT_MESSAGE, error_message(body)), error_message(body)
