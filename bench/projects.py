"""What the host tools add: `fnruntime local invoke` against `docker run` of the same image and function (one cold
invocation each, alternated), and `fnruntime local start-api`'s warm request latency against a direct request to a
`--serve http` container of the same image and function (the gateway's own cost; target: under 1 ms at p50).
Prints a table and writes bench/projects.md, which bench/report.py puts into bench/results.md (here it is also put
there at once, between its own markers, the rest left alone).

    .venv/bin/python bench/projects.py [--runs 10] [--requests 2000] [--image runtime:py36-tencent]
"""
import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import provenance  # bench/ is the script's folder, first on sys.path

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
TRIVIAL = os.path.join(BENCH, "functions", "trivial")
GATEWAY = os.path.join(BENCH, "functions", "gateway")
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else "docker"
RESULTS = os.path.join(BENCH, "results.md")
SECTION = os.path.join(BENCH, "projects.md")
BEGIN, END = "<!-- section:projects (bench/projects.py) -->", "<!-- /section:projects -->"


def fnruntime_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNCTION_")}
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "host"), os.path.join(ROOT, "bootstrap")])
    return env


def timed(argv, env=None):
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit("%s failed (%d): %s" % (" ".join(argv), done.returncode, done.stderr.decode()[-2000:]))
    return elapsed


def local_invoke_vs_docker_run(image, runs, folder):
    template = os.path.join(folder, "template.yaml")
    with open(template, "w") as handle:
        handle.write("Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    trivial:\n"
                     "      Type: TencentCloud::Serverless::Function\n      Properties: {CodeUri: %s, "
                     "Handler: index.main_handler, Runtime: Python3.6}\n" % TRIVIAL)
    local = [sys.executable, "-m", "fnlocal", "local", "invoke", "-t", template, "--image", image, "-e", "{}"]
    plain = [DOCKER, "run", "--rm", "-v", "%s:/var/user:ro" % TRIVIAL, "-e", "FUNCTION_CODE_DIR=/var/user", image,
             "index.main_handler", "{}"]
    timed(local, fnruntime_env())
    timed(plain)  # warm the engine's caches for both
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(timed(local, fnruntime_env()))
        theirs.append(timed(plain))
    return statistics.median(ours), statistics.median(theirs), min(ours), min(theirs)


class Connection:
    def __init__(self, host, port):
        self.connection = http.client.HTTPConnection(host, port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        assert response.status == 200, (response.status, data[:500])
        return elapsed, data


def serving_address(process, log_path, what):
    """(host, port) once `fnruntime local WHAT` says in its log where it serves; SystemExit if it stops first."""
    deadline = time.monotonic() + 120
    while True:
        text = open(log_path, "rb").read().decode("utf-8", "replace")
        found = re.search(r"serving .* on http://([0-9.]+):(\d+)", text)
        if found:
            return found.group(1), int(found.group(2))
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("%s did not start:\n%s" % (what, text[-3000:]))
        time.sleep(0.05)


def blocks(requests, size=100):
    """The sizes of the alternated blocks of `requests` warm requests: blocks of `size`, the rest in a last one (a run
    of fewer than `size` requests is one block)."""
    return [size] * (requests // size) + ([requests % size] if requests % size else [])


def positive(text):
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, got %d" % value)
    return value


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def gateway_vs_direct(image, requests, folder):
    template = os.path.join(folder, "serverless.yml")
    with open(template, "w") as handle:
        handle.write("service: bench\nprovider:\n  name: tencent\n  runtime: Python3.6\nfunctions:\n  hello:\n"
                     "    handler: index.main_handler\n    events:\n      - apigw:\n          parameters: "
                     "{httpMethod: GET, path: /hello}\n")
    import shutil
    shutil.copy(os.path.join(GATEWAY, "index.py"), os.path.join(folder, "index.py"))  # the constant reply
    os.chmod(os.path.join(folder, "index.py"), 0o644)
    log = open(os.path.join(folder, "start-api.log"), "wb")
    api = subprocess.Popen([sys.executable, "-m", "fnlocal", "local", "start-api", "-t", template, "--port", "0",
                            "--image", image], env=dict(fnruntime_env()), stdout=subprocess.DEVNULL, stderr=log,
                           start_new_session=True, cwd=folder)
    direct = subprocess.run([DOCKER, "run", "-d", "--rm", "-v", "%s:/var/user:ro" % GATEWAY, "-e",
                             "FUNCTION_CODE_DIR=/var/user", image, "--serve", "http:0.0.0.0:9000"],
                            stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    try:
        gateway = Connection(*serving_address(api, log.name, "start-api"))
        address = subprocess.run([DOCKER, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", direct],
                                 stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        while subprocess.run([DOCKER, "logs", direct], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT).stdout.find(b"listening on") < 0:
            time.sleep(0.05)
        plain = Connection(address, 9000)
        # the event the gateway sends for GET /hello, built once: the direct path gets the same bytes
        _, body = gateway.request("GET", "/hello")
        event = json.dumps({"requestContext": {"serviceId": "service-local", "path": "/hello", "httpMethod": "GET",
                                               "requestId": "x", "identity": {}, "sourceIp": "127.0.0.1",
                                               "stage": "release"}, "headers": {"host": "127.0.0.1"},
                            "pathParameters": {}, "queryStringParameters": {}, "headerParameters": {},
                            "stageVariables": {"stage": "release"}, "path": "/hello", "queryString": {},
                            "httpMethod": "GET"}).encode()
        headers = {"Content-Type": "application/json"}
        for _ in range(200):
            gateway.request("GET", "/hello")
            plain.request("POST", "/invoke", event, headers)
        ours, theirs = [], []
        for size in blocks(requests):  # alternate blocks, so a change of load hits both
            for _ in range(size):
                ours.append(gateway.request("GET", "/hello")[0])
            for _ in range(size):
                theirs.append(plain.request("POST", "/invoke", event, headers)[0])
        return ours, theirs
    finally:
        api.send_signal(signal.SIGINT)
        api.wait(60)
        subprocess.run([DOCKER, "rm", "-f", direct], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_section(text):
    block = "%s\n%s\n%s" % (BEGIN, text.rstrip("\n"), END)
    with open(SECTION, "w") as handle:
        handle.write(block + "\n")
    with open(RESULTS) as handle:
        current = handle.read()
    if BEGIN in current:
        current = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda m: block, current, flags=re.S)
    else:
        marker = "## Analysis (hand-written)"
        current = current.replace(marker, block + "\n\n" + marker) if marker in current else current + "\n" + block
    with open(RESULTS, "w") as handle:
        handle.write(current)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=positive, default=10, help="cold invocations of each kind (default 10)")
    parser.add_argument("--requests", type=positive, default=2000,
                        help="warm requests of each kind, alternated in blocks of 100 (default 2000)")
    parser.add_argument("--image", default="runtime:py36-tencent")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fnlocal-bench-") as folder:
        os.chmod(folder, 0o755)
        ours, theirs, ours_min, theirs_min = local_invoke_vs_docker_run(options.image, options.runs, folder)
    with tempfile.TemporaryDirectory(prefix="fnlocal-bench-") as folder:
        os.chmod(folder, 0o755)
        gateway, direct = gateway_vs_direct(options.image, options.requests, folder)
    g50, d50 = percentile(gateway, 0.5) * 1e3, percentile(direct, 0.5) * 1e3
    g99, d99 = percentile(gateway, 0.99) * 1e3, percentile(direct, 0.99) * 1e3
    load = os.getloadavg()[0]
    lines = [
        "## Projects: `fnruntime local invoke` and `local start-api`",
        "",
        provenance.stamp_line(options.image),
        "",
        "`bench/projects.py` (image %s, trivial handler; 1-minute load %.1f at the end, 2 cores):" % (options.image,
                                                                                                   load),
        "",
        "| measurement | fnruntime | peer | ratio / difference |",
        "|---|---|---|---|",
        "| one cold invocation, median of %d (min) | `local invoke`: %.0f ms (%.0f) | `docker run --rm`: %.0f ms "
        "(%.0f) | x%.2f |" % (options.runs, ours * 1e3, ours_min * 1e3, theirs * 1e3, theirs_min * 1e3,
                              ours / theirs),
        "| warm request p50, %d each, keep-alive | `start-api` GET /hello: %.3f ms | direct `POST /invoke` to the "
        "container: %.3f ms | +%.3f ms |" % (len(gateway), g50, d50, g50 - d50),
        "| warm request p99 | %.3f ms | %.3f ms | +%.3f ms |" % (g99, d99, g99 - d99),
        "",
        "Target: the gateway adds under 1 ms at p50: %s (+%.3f ms)." % ("PASS" if g50 - d50 < 1.0 else "FAIL",
                                                                       g50 - d50),
        "`local invoke` runs the host tool itself (Python start, template reading, the Docker SDK's create, attach, "
        "start, wait, remove) around the same container as `docker run`.",
    ]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if not options.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
