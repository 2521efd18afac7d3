"""The host-side client's command line, `python -m fnruntime.client invoke ADDRESS [EVENT]`, run on the real 2.7, 3.6
and 3.7 interpreters (the client is part of the stdlib-only package) against live servers, and the `fnruntime`
console script of the development environment.

Result on standard output, the invocation's log on standard error; exit 0 success, 1 function error (the error body
on stdout), 2 bad usage, 3 the server could not be reached.
"""
import json
import os
import shlex
import subprocess

import pytest

import servekit

PACKAGE_DIR = os.path.join(servekit.REPO, "bootstrap")


def client(python, args, stdin=None, timeout=120):
    env = servekit.clean_environment({"PYTHONPATH": PACKAGE_DIR})
    done = subprocess.run([python.path, "-m", "fnruntime.client"] + list(args), input=stdin, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


@pytest.mark.parametrize("mode", ["unix", "tcp", "http"])
def test_invoke_prints_the_result_and_the_log(serve, python, mode):
    served = serve(mode, "serve_mix")
    status, out, err = client(python, ["invoke", served.address, '{"action": "echo", "text": "h\\u00e9"}'])
    assert status == 0, err
    assert json.loads(out) == {"action": "echo", "text": u"hé"}
    assert "START RequestId:" in err and "END RequestId:" in err, err
    status, out, err = client(python, ["invoke", served.address, '{"action": "raise"}'])
    assert status == 1, err
    error = json.loads(out)
    assert error["statusCode"] == 430 and error["errorMessage"] == "user code exception caught"
    status, out, err = client(python, ["invoke", "--quiet", served.address], stdin=b'{"action": "count"}')
    assert status == 0 and err == "" and json.loads(out)["count"] == 1


def test_invoke_over_stdio_spawns_the_server(python):
    command = " ".join(shlex.quote(part) for part in [python.path, servekit.BOOTSTRAP, "--code",
                                                       servekit.function_dir("serve_mix"), "--serve", "stdio"])
    status, out, err = client(python, ["invoke", "stdio:" + command, '{"action": "count"}'])
    assert status == 0, err
    assert json.loads(out)["count"] == 1 and "Init Report RequestId:" in err


def test_frame_raw_and_invocation_type_options(serve, python):
    served = serve("unix", "serve_mix", args=["--provider", "aliyun"], handler="index.handler")
    status, out, err = client(python, ["invoke", "--raw", "--frame", served.address, '{"action": "echo", "n": 1}'])
    assert status == 0, err
    frame = json.loads(out)
    assert frame["ok"] is True and frame["id"] == 1 and frame["result"] == {"action": "echo", "n": 1}
    assert "FC Invoke Start RequestId: %s" % frame["request_id"] in frame["log"]
    status, out, err = client(python, ["invoke", served.address, "--raw", "--invocation-type", "Event", "{}"])
    assert status == 0 and out == b"", (out, err)


@pytest.mark.parametrize("args, message", [
    (["invoke", "carrier-pigeon:home", "{}"], "bad address"),
    (["invoke", "tcp:nohost", "{}"], "bad address"),
    (["invoke", "tcp://127.0.0.1:9000", "{}"], "without //"),  # refused as `--serve` refuses it (address.py)
    (["invoke", "http://127.0.0.1:8080", "{}"], "without //"),
    (["invoke", "tcp:127.0.0.1:99999", "{}"], "port from 0 to 65535"),
    (["invoke", "tcp:127.0.0.1:1", "not json"], "not valid JSON"),
    (["invoke", "tcp:127.0.0.1:1", "--context", "[", "{}"], "--context is not valid JSON"),
    (["invoke", "stdio:", "{}"], "needs a command"),
])
def test_usage_errors_exit_2(python, args, message):
    status, out, err = client(python, args)
    assert status == 2 and message in err and out == b"", (status, out, err)


def test_unreachable_server_exits_3(python, tmp_path):
    status, out, err = client(python, ["invoke", "unix:%s" % (tmp_path / "nobody.sock"), "{}"])
    assert status == 3 and "cannot connect to unix:" in err, err


def test_console_script_of_the_dev_environment(serve):
    script = os.path.join(os.path.dirname(os.sys.executable), "fnruntime")
    if not os.path.exists(script):
        reason = "no fnruntime console script beside %s (make venv installs it)" % os.sys.executable
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    served = serve("tcp", "counter")
    done = subprocess.run([script, "invoke", "-q", served.address, "{}"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == 1
