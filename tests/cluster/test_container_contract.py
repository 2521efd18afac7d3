"""The container's side of the clusters' runtime contract (Knative's, Cloud Run's, OpenFaaS's), against the real
engine: `--serve http` answers on $PORT; the probes before, during and after a slow cold start and with an import that
fails; a read-only root filesystem with /tmp as the only writable place (every built-in library imported, the function
writing /tmp, and nothing written anywhere else); SIGTERM under load (every request answered or refused, never cut,
exit 0); a cgroup memory limit below --memory said at start."""
import json
import os
import shutil
import socket
import sys
import threading
import time

import pytest

from clusterkit import EXAMPLE, REPO, docker_run, image_exists, image_labels

pytestmark = [pytest.mark.docker, pytest.mark.timeout(600)]

FUNCTIONS = os.path.join(REPO, "tests", "functions")
TAGS = ("py27", "py36", "py37")


def image_for(tag):
    return os.environ.get("FNRUNTIME_IMAGE_" + tag.upper()) or "runtime:%s" % tag


@pytest.fixture(scope="module")
def current():
    """current(tag) -> the image name, failing when it is missing or built from other sources than this checkout."""
    sys.path.insert(0, REPO)
    import build
    hashes = build.input_hashes()

    def check(tag):
        name = image_for(tag)
        if not image_exists(name):
            pytest.fail("%s is not built: run `make build PY=%s`" % (name, tag[2:]))
        if name == "runtime:%s" % tag and image_labels(name).get("runtime.input-hash") != hashes[tag]:
            pytest.fail("%s is stale: run `make build PY=%s`" % (name, tag[2:]))
        return name
    return check


class Container(object):
    def __init__(self, cid):
        self.cid = cid

    def logs(self):
        done = docker_run("logs", self.cid, check=False)
        return done.stdout + done.stderr

    def port(self, inside):
        text = docker_run("port", self.cid, "%d/tcp" % inside).stdout.split()[0]
        return int(text.rsplit(":", 1)[1])

    def wait_log(self, text, timeout=90, unless=None):
        deadline = time.time() + timeout
        while text not in self.logs():
            assert unless is None or unless not in self.logs(), self.logs()[-3000:]
            state = docker_run("inspect", "--format", "{{.State.Running}}", self.cid, check=False).stdout.strip()
            assert state == "true", "the container ended:\n%s" % self.logs()[-3000:]
            assert time.time() < deadline, "no %r in the log within %ds:\n%s" % (text, timeout, self.logs()[-3000:])
            time.sleep(0.05)

    def exists(self, path):
        return docker_run("exec", self.cid, "test", "-e", path, check=False).returncode == 0

    def touch(self, path):
        docker_run("exec", "-u", "1000", self.cid, "touch", path)

    def exit_status(self, timeout=60):
        return int(docker_run("wait", self.cid, timeout=timeout).stdout.strip())

    def remove(self):
        docker_run("rm", "-f", self.cid, check=False)


@pytest.fixture
def run_container():
    started = []

    def run(image, args, code, publish=(), options=(), env=None):
        command = ["run", "-d", "-v", "%s:/var/task:ro" % code]
        for port in publish:
            command += ["-p", "127.0.0.1::%d" % port]
        for key, value in (env or {}).items():
            command += ["-e", "%s=%s" % (key, value)]
        command += list(options) + [image] + list(args)
        container = Container(docker_run(*command).stdout.strip())
        started.append(container)
        return container

    yield run
    for container in started:
        container.remove()


def http(port, path, method="GET", body=b"", timeout=30):
    """(status, headers dict, body) over a fresh connection (Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(("%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                      % (method, path, len(body))).encode() + body)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return parse_response(data)


def parse_response(data):
    """A whole HTTP response, or AssertionError naming how it was cut."""
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, "no complete head: %r" % data[:200]
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict((k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
    assert len(body) == int(headers["content-length"]), "cut: %d of %s body bytes" % (len(body), headers["content-length"])
    return status, headers, body


def wait_answering(port, timeout=60):
    deadline = time.time() + timeout
    while True:
        try:
            return http(port, "/_/health", timeout=5)
        except (OSError, AssertionError):
            assert time.time() < deadline, "nothing answered on port %d" % port
            time.sleep(0.05)


def test_port_variable_chooses_the_serving_port(current, run_container):
    container = run_container(current("py36"), ["--serve", "http", "index.main_handler"], EXAMPLE, publish=[9090],
                              env={"PORT": "9090", "K_SERVICE": "hello"})
    container.wait_log("cold start at start")
    logs = container.logs()
    assert "listening on http:0.0.0.0:9090" in logs and "function hello" in logs, logs
    port = container.port(9090)
    status, _, body = http(port, "/invoke", "POST", b'{"name": "port"}')
    assert status == 200 and json.loads(body)["greeting"] == "Hello, port!"
    assert http(port, "/_/ready")[0] == 200
    inside = docker_run("exec", container.cid, "python", "-c", "import socket; s = socket.socket(); "
                        "print(s.connect_ex(('127.0.0.1', 8080)))").stdout.strip()
    assert inside != "0", "nothing listens on 8080 when PORT says 9090"


def test_probes_through_a_slow_cold_start(current, run_container):
    container = run_container(current("py36"), ["--serve", "http", "index.handler"],
                              os.path.join(FUNCTIONS, "slow_import"), publish=[8080],
                              env={"IMPORT_STARTED": "/tmp/import-started", "IMPORT_RELEASE": "/tmp/import-release"},
                              options=["--read-only", "--tmpfs", "/tmp"])
    port = container.port(8080)
    before = wait_answering(port)  # the server answers its probes before the cold start ends
    assert before[0] == 200
    deadline = time.time() + 60
    while not container.exists("/tmp/import-started"):
        assert time.time() < deadline, container.logs()
        time.sleep(0.05)
    for _ in range(3):
        status, headers, body = http(port, "/_/ready")
        assert status == 503 and json.loads(body)["status"] == "starting", body
        assert http(port, "/_/health")[0] == 200
    container.touch("/tmp/import-release")
    container.wait_log("fnruntime: cold start at start: index.handler imported in")
    status, _, body = http(port, "/_/ready")
    assert status == 200 and json.loads(body) == {"status": "ready"}
    status, headers, body = http(port, "/invoke", "POST", b"{}")
    assert status == 200 and json.loads(body)["tmp"] == "written" and "x-function-init-duration-ms" in headers


@pytest.mark.parametrize("tag", TAGS)
def test_readiness_with_a_failing_import(current, run_container, tag):
    container = run_container(current(tag), ["--serve", "http", "index.handler"],
                              os.path.join(FUNCTIONS, "import_error_inside"), publish=[8080])
    container.wait_log("cold start at start failed")
    port = container.port(8080)
    status, headers, body = http(port, "/_/ready")
    answer = json.loads(body)
    assert status == 503 and answer["errorType"] == headers["x-function-error-type"] == "ImportModuleError", body
    assert "Unable to import module 'index'" in answer["errorMessage"] or "Import module 'index' error" in \
        answer["errorMessage"], answer
    assert http(port, "/_/health")[0] == 200


def builtin_function(tmp_path, tag):
    """A function that imports every library the image's tables promise as importable, at module level (the cold
    start), and writes /tmp in its handler."""
    sys.path.insert(0, REPO)
    import build
    cat = build.load_catalogue()
    plan = [p for p in build.plan(cat) if p.tag == tag][0]
    names = sorted({m for s in plan.specs if s.version and s.import_error is None for m in s.imports})
    code = tmp_path / ("builtins-" + tag)
    code.mkdir()
    (code / "index.py").write_text(
        "import os\nNAMES = %r\nfor name in NAMES:\n    __import__(name)\n\n\n"
        "def handler(event, context):\n"
        "    path = '/tmp/written-by-the-function'\n"
        "    with open(path, 'w') as handle:\n        handle.write('ok')\n"
        "    return {'imported': len(NAMES), 'tmp': open(path).read()}\n\n\nmain_handler = handler\n" % names)
    os.chmod(str(code), 0o755)
    os.chmod(str(code / "index.py"), 0o644)
    return str(code), names


@pytest.mark.parametrize("tag", TAGS)
def test_read_only_root_with_tmp_and_no_write_elsewhere(current, run_container, tmp_path, tag):
    code, names = builtin_function(tmp_path, tag)
    # tensorflow and the rest take more than the default 128 MB, and on a busy machine more than 30 s to import
    args = ["--serve", "http", "--memory", "1024", "--timeout", "150", "index.handler"]
    container = run_container(current(tag), args, code, publish=[8080], options=["--read-only", "--tmpfs", "/tmp"])
    container.wait_log("cold start at start: index.handler imported", timeout=200, unless="cold start at start failed")
    port = container.port(8080)
    status, _, body = http(port, "/invoke", "POST", b"{}")
    assert status == 200 and json.loads(body) == {"imported": len(names), "tmp": "ok"}, body
    assert "Read-only file system" not in container.logs()
    # The same on a writable root: the engine's diff of the container shows every file written outside the tmpfs
    writable = run_container(current(tag), args, code, publish=[8080], options=["--tmpfs", "/tmp"])
    writable.wait_log("cold start at start: index.handler imported", timeout=200, unless="cold start at start failed")
    assert http(writable.port(8080), "/invoke", "POST", b"{}")[0] == 200
    changed = docker_run("diff", writable.cid).stdout.split("\n")
    assert [line for line in changed if line.strip()] == [], "the runtime wrote outside /tmp:\n%s" % "\n".join(changed)


def raw_request(port, body=b"{}", timeout=60):
    """One POST /invoke on a fresh connection: the status of a whole response, "refused" (no connection), or
    "closed-before-any-byte"; a response cut midway fails (parse_response)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                         % len(body) + body)
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except (ConnectionRefusedError, ConnectionResetError):
        return "refused"
    return parse_response(data)[0] if data else "closed-before-any-byte"


def test_sigterm_under_load(current, run_container):
    container = run_container(current("py36"), ["--serve", "http", "index.handler"],
                              os.path.join(FUNCTIONS, "serve_mix"), publish=[8080],
                              env={"FUNCTION_INSTANCES": "2", "FUNCTION_TIMEOUT": "30"})
    container.wait_log("cold start at start")
    port = container.port(8080)
    held, queued = [], []

    def hold(index):
        event = json.dumps({"action": "hold", "marker": "/tmp/held-%d" % index, "release": "/tmp/release"}).encode()
        held.append(http(port, "/invoke", "POST", event, timeout=90))

    holders = [threading.Thread(target=hold, args=(i,)) for i in (1, 2)]
    for thread in holders:
        thread.start()
    deadline = time.time() + 60
    while not (container.exists("/tmp/held-1") and container.exists("/tmp/held-2")):  # both instances busy
        assert time.time() < deadline, container.logs()[-3000:]
        time.sleep(0.05)
    waiting = [threading.Thread(target=lambda: queued.append(raw_request(port))) for _ in range(6)]
    for thread in waiting:
        thread.start()
    docker_run("kill", "--signal", "TERM", container.cid)
    later = []
    deadline = time.time() + 30
    while "refused" not in later:  # the listener closes: new connections are refused
        later.append(raw_request(port, timeout=10))
        assert time.time() < deadline, later[-10:]
    container.touch("/tmp/release")  # the invocations in flight finish now
    for thread in holders + waiting:
        thread.join(90)
    assert container.exit_status() == 0, container.logs()[-3000:]
    assert [status for status, _, _ in held] == [200, 200], "the in-flight invocations finished and were answered"
    assert all(json.loads(body)["released"] for _, _, body in held)
    assert len(queued) == 6 and set(queued) <= {503, "refused", "closed-before-any-byte"}, queued
    assert set(later) <= {503, "refused", "closed-before-any-byte"}, later
    logs = container.logs()
    report = [line for line in logs.splitlines() if line.startswith("fnruntime: SIGTERM: stopped in ")]
    assert report and "2 invocations in flight finished and answered" in report[0] and report[0].endswith("exit 0"), \
        logs[-3000:]


def test_memory_limit_below_the_functions_is_said_at_start(current, run_container):
    container = run_container(current("py36"), ["--serve", "http", "--memory", "128", "index.main_handler"], EXAMPLE,
                              options=["--memory", "96m"])
    container.wait_log("cold start at start")
    assert "the container's memory limit is 96 MB" in container.logs() and "below the function's 128 MB" in \
        container.logs(), container.logs()
    roomy = run_container(current("py36"), ["--serve", "http", "--memory", "128", "index.main_handler"], EXAMPLE,
                          options=["--memory", "256m"])
    roomy.wait_log("cold start at start")
    assert "memory limit" not in roomy.logs()
