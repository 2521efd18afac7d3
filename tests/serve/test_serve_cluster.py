"""The cluster side of `--serve http` on the host interpreters (contract section 12; the images: tests/cluster):
`--serve http` listens on 0.0.0.0:$PORT (8080 unset), the name defaults from K_SERVICE, `/_/health` and `/_/ready`
answer before, during and after a cold start that the server does at start, and after an import that fails, SIGTERM
prints the time to exit, and the container's memory limit is read from the cgroup files."""
import http.client
import json
import os
import signal
import socket
import sys

import pytest

from servekit import BOOTSTRAP, REPO, clean_environment, function_dir, start, wait_for_path

sys.path.insert(0, os.path.join(REPO, "bootstrap"))
from fnruntime import cluster  # noqa: E402
from fnruntime.config import Config  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read()
    finally:
        connection.close()


def test_serve_http_listens_on_port_and_takes_the_name_from_k_service(python, tmp_path):
    port = free_port()
    served = start(python, "http", function_dir("hello_world"), tmp_path, address="http",
                   env={"PORT": port, "K_SERVICE": "hello-svc", "K_REVISION": "hello-svc-00001"},
                   handler="index.handler")
    try:
        assert served.address == "http:0.0.0.0:%d" % port
        assert "function hello-svc" in served.stderr()
        status, headers, body = get(port, "/invoke", "POST", b'{"name": "k"}')
        assert status == 200, body
        status, _, body = get(port, "/_/ready")
        assert (status, json.loads(body)) == (200, {"status": "ready"})
    finally:
        assert served.stop() == 0


def test_serve_http_without_port_is_8080_and_a_bad_port_is_a_usage_error(python, tmp_path):
    env = clean_environment({"PORT": "80a"})
    done = __import__("subprocess").run([python.path, BOOTSTRAP, "--code", str(function_dir("hello_world")),
                                         "--serve", "http", "index.handler"], env=env, capture_output=True,
                                        timeout=60)
    assert done.returncode == 2
    assert b"PORT='80a' is not a port number" in done.stderr
    assert cluster.platform_address("http", {}) == "http:0.0.0.0:8080"
    assert cluster.platform_address("http", {"PORT": "9090"}) == "http:0.0.0.0:9090"
    assert cluster.platform_address("http:127.0.0.1:1", {"PORT": "9090"}) is None


def test_k_service_is_the_last_source_of_the_name():
    def name(options, env):
        return Config.from_options(dict(options), dict(env, FUNCTION_CODE_DIR=os.path.join(REPO, "examples", "hello"))).name
    assert name({}, {"K_SERVICE": "svc"}) == "svc"
    assert name({}, {"K_SERVICE": "svc", "FUNCTION_NAME": "fn"}) == "fn"
    assert name({"name": "opt"}, {"K_SERVICE": "svc"}) == "opt"
    assert name({}, {}) == "function"


def test_probes_before_during_and_after_a_slow_cold_start(python, tmp_path):
    port = free_port()
    started, release = str(tmp_path / "import-started"), str(tmp_path / "import-release")
    served = start(python, "http", function_dir("slow_import"), tmp_path, address="http",
                   env={"PORT": port, "IMPORT_STARTED": started, "IMPORT_RELEASE": release}, handler="index.handler")
    try:
        wait_for_path(started, served)  # the cold start runs, before any request
        for _ in range(3):
            status, headers, body = get(port, "/_/ready")
            assert status == 503 and json.loads(body)["status"] == "starting", body
            assert get(port, "/_/health")[0] == 200
        assert get(port, "/_/ready", "HEAD")[0] == 503
        assert get(port, "/_/ready", "POST", b"")[0] == 405
        open(release, "w").close()
        wait_for_line(served, "fnruntime: cold start at start: index.handler imported in")
        status, _, body = get(port, "/_/ready")
        assert (status, json.loads(body)) == (200, {"status": "ready"})
        status, headers, body = get(port, "/invoke", "POST", b"{}")
        assert status == 200 and json.loads(body)["tmp"] == "written"
        assert "x-function-init-duration-ms" in headers, "the first request reports the cold start done at start"
        status, headers, body = get(port, "/invoke", "POST", b"{}")
        assert status == 200 and "x-function-init-duration-ms" not in headers
        assert get(port, "/_/ready")[0] == 200 and get(port, "/_/health")[0] == 200
    finally:
        assert served.stop() == 0


def test_readiness_fails_with_the_import_error_and_health_still_answers(python, tmp_path):
    port = free_port()
    served = start(python, "http", function_dir("import_error_inside"), tmp_path, address="http",
                   env={"PORT": port}, handler="index.handler")
    try:
        wait_for_line(served, "fnruntime: cold start at start failed: ImportModuleError")
        status, headers, body = get(port, "/_/ready")
        answer = json.loads(body)
        assert status == 503 and answer["status"] == "failed" and answer["errorType"] == "ImportModuleError"
        assert "Unable to import module 'index'" in answer["errorMessage"] and headers["x-function-error-type"] == \
            "ImportModuleError"
        assert get(port, "/_/health")[0] == 200
        status, headers, _ = get(port, "/invoke", "POST", b"{}")  # a request still gets its answer: the error
        assert status == 500 and headers["x-function-error-type"] == "ImportModuleError"
        assert get(port, "/_/ready")[0] == 503
    finally:
        assert served.stop() == 0


def test_an_import_over_the_load_limit_fails_readiness_and_requests_with_the_load_limit(python, tmp_path):
    """The cold start at start and the one a request starts again both stop at --load-timeout, and say so."""
    port = free_port()
    served = start(python, "http", function_dir("slow_import"), tmp_path, address="http",
                   args=["--timeout", "1", "--load-timeout", "1"], handler="index.handler",
                   env={"PORT": port, "IMPORT_RELEASE": str(tmp_path / "never")})
    try:
        wait_for_line(served, "fnruntime: cold start at start failed: FunctionTimeout")
        status, headers, body = get(port, "/_/ready")
        answer = json.loads(body)
        assert status == 503 and answer["status"] == "failed", body
        assert answer["errorMessage"].startswith("Loading module 'index' exceeded the load limit of 1 seconds"), body
        status, headers, body = get(port, "/invoke", "POST", b"{}")
        assert status == 500 and headers["x-function-error-type"] == "FunctionTimeout", body
        message = json.loads(body)["errorMessage"]
        assert message.startswith("Loading module 'index' exceeded the load limit of 1 seconds") and \
            "--load-timeout" in message, message
        assert get(port, "/_/health")[0] == 200
    finally:
        assert served.stop() == 0


def test_probe_paths_are_reserved_with_api_gateway_and_an_explicit_address(python, tmp_path):
    served = start(python, "http", function_dir("hello_world"), tmp_path, args=["--api-gateway"],
                   handler="index.handler")
    try:
        port = served.host_port[1]
        status, _, body = get(port, "/_/ready")
        assert status == 200 and json.loads(body)["status"] == "ready" and "first request" in json.loads(body)["detail"]
        assert get(port, "/_/health")[0] == 200
        assert "START RequestId" not in served.stderr(), "no probe reached the function"
    finally:
        assert served.stop() == 0


def test_sigterm_prints_the_time_to_exit(python, tmp_path):
    port = free_port()
    served = start(python, "http", function_dir("hello_world"), tmp_path, address="http", env={"PORT": port},
                   handler="index.handler")
    wait_for_line(served, "cold start at start")
    assert served.stop(signal.SIGTERM) == 0
    line = [l for l in served.stderr().splitlines() if l.startswith("fnruntime: SIGTERM: stopped in ")]
    assert line and line[0].endswith("; exit 0"), served.stderr()[-2000:]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def wait_for_line(served, text, timeout=60):
    import time
    deadline = time.time() + timeout
    while text not in served.stderr():
        assert served.alive(), "the server ended:\n%s" % served.stderr()[-3000:]
        assert time.time() < deadline, "no %r in 60 s:\n%s" % (text, served.stderr()[-3000:])
        time.sleep(0.02)


@pytest.mark.parametrize("layout", ["v2-namespace", "v2-host", "v1", "none"])
def test_container_memory_limit_from_the_cgroup_files(tmp_path, layout):
    root = tmp_path / "cgroup"
    proc = tmp_path / "proc-self-cgroup"
    if layout == "v2-namespace":
        proc.write_text("0::/\n")
        root.mkdir()
        (root / "memory.max").write_text("100663296\n")
        expected = (100663296, str(root / "memory.max"))
    elif layout == "v2-host":
        proc.write_text("0::/system.slice/docker-abc.scope\n")
        leaf = root / "system.slice" / "docker-abc.scope"
        leaf.mkdir(parents=True)
        (leaf / "memory.max").write_text("max\n")
        (root / "system.slice" / "memory.max").write_text("268435456\n")
        expected = (268435456, str(root / "system.slice" / "memory.max"))
    elif layout == "v1":
        proc.write_text("12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n")
        leaf = root / "memory" / "docker" / "abc"
        leaf.mkdir(parents=True)
        (leaf / "memory.limit_in_bytes").write_text("100663296\n")
        (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
        expected = (100663296, str(leaf / "memory.limit_in_bytes"))
    else:
        proc.write_text("0::/\n")
        root.mkdir()
        (root / "memory.max").write_text("max\n")
        expected = None
    limit = cluster.container_memory_limit(str(proc), str(root))
    assert limit == expected

    class Settings(object):
        memory_mb, instances = 128, 1
    warning = cluster.memory_warning(Settings, limit)
    if expected is not None and expected[0] < 128 << 20:
        assert "memory limit is 96 MB" in warning and "below the function's 128 MB" in warning
    elif expected is None:
        assert warning is None
    else:
        assert warning is None  # 256 MB for one 128 MB instance
