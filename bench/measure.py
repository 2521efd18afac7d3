"""Measuring primitives for bench/run.py: command start times, framed round trips, wrk, process memory (the
machine's load and CPU steal: load.py).

Everything here runs on the host (Python 3.11 in .venv) and drives real processes: host interpreters, containers
through Debian's Docker client, wrk. Each function returns plain figures (dicts of numbers) for the JSON results.
"""
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import tempfile
import time

from load import loadavg

HEADER = struct.Struct(">I")


def percentile(values, q):
    """The q-th percentile (0-100) of sorted `values`, nearest rank."""
    if not values:
        return None
    index = min(len(values) - 1, max(0, int(round(q / 100.0 * len(values) + 0.5)) - 1))
    return values[index]


def summary(values):
    ordered = sorted(values)
    return {"n": len(ordered), "median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1],
            "p10": percentile(ordered, 10), "p90": percentile(ordered, 90)}


# -- whole commands ---------------------------------------------------------------------------------------------------

def time_command(argv, expect_stdout=None, cwd=None):
    """Wall seconds of one run of `argv`; RuntimeError when it fails or prints something unexpected."""
    started = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or (expect_stdout is not None and proc.stdout.strip() != expect_stdout):
        raise RuntimeError("%s: exit %d, stdout %r, stderr %s" % (
            " ".join(argv), proc.returncode, proc.stdout[:200], proc.stderr.decode("utf-8", "replace")[-800:]))
    return elapsed


def compare_starts(floor_argv, subject_argv, runs, warmup, expect_stdout=None):
    """Interleaved timings (floor, subject, floor, ...), so a change of load hits both alike. Milliseconds."""
    for _ in range(warmup):
        time_command(floor_argv)
        time_command(subject_argv, expect_stdout)
    floor, subject = [], []
    load_before = loadavg()
    for _ in range(runs):
        floor.append(time_command(floor_argv) * 1000.0)
        subject.append(time_command(subject_argv, expect_stdout) * 1000.0)
    result = {"floor_ms": summary(floor), "subject_ms": summary(subject), "runs": runs,
              "load": [load_before, loadavg()]}
    result["ratio"] = result["subject_ms"]["median"] / result["floor_ms"]["median"]
    result["overhead_ms"] = result["subject_ms"]["median"] - result["floor_ms"]["median"]
    return result


# -- framed round trips -----------------------------------------------------------------------------------------------

def frame(obj):
    payload = json.dumps(obj, separators=(",", ":")).encode()
    return HEADER.pack(len(payload)) + payload


class Channel(object):
    """A byte stream to a framed server: `send(bytes)`, `recv_into(buffer)`."""

    def __init__(self, send, recv_into, close):
        self.send_all = send
        self.recv_into = recv_into
        self.close = close

    @classmethod
    def over_fds(cls, write_fd, read_fd):
        def send(data):
            view = memoryview(data)
            while len(view):
                view = view[os.write(write_fd, view):]
        return cls(send, lambda buf: os.readv(read_fd, [buf]), lambda: None)

    @classmethod
    def over_socket(cls, sock):
        return cls(sock.sendall, sock.recv_into, sock.close)


def read_response(channel, buf):
    """One response frame's payload (bytes)."""
    view = memoryview(buf)
    got = 0
    while got < 4:
        n = channel.recv_into(view[got:])
        if not n:
            raise RuntimeError("the server closed the stream")
        got += n
    length = HEADER.unpack_from(buf)[0]
    if length + 4 > len(buf):
        raise RuntimeError("response frame of %d bytes is larger than the benchmark expects" % length)
    while got < length + 4:
        n = channel.recv_into(view[got:])
        if not n:
            raise RuntimeError("the server closed the stream in the middle of a frame")
        got += n
    if got != length + 4:
        raise RuntimeError("the server sent more than one frame per request")
    return bytes(view[4:got])


def round_trips(channel, count, warmup, check_every=997):
    """Send `warmup + count` requests one at a time: latencies (microseconds) of the last `count`, their rate, and
    how many of all the answers were errors (`"ok": false`, looked for in every answer outside the timed span).
    Every `check_every`th answer is also decoded and must carry its request's id."""
    buf = bytearray(1 << 20)
    requests = [frame({"id": i, "event": {}}) for i in range(warmup + count)]
    latencies = []
    errors = 0
    clock = time.perf_counter_ns
    started = None
    for i, request in enumerate(requests):
        if i == warmup:
            started = clock()
        t0 = clock()
        channel.send_all(request)
        payload = read_response(channel, buf)
        t1 = clock()
        if i >= warmup:
            latencies.append((t1 - t0) / 1000.0)
        if b'"ok":false' in payload or b'"ok": false' in payload:
            errors += 1
        if i % check_every == 0 or i == len(requests) - 1:
            answer = json.loads(payload)
            if answer.get("id") != i:
                raise RuntimeError("bad response to request %d: %s" % (i, payload[:300]))
    elapsed = (clock() - started) / 1e9
    return latencies, count / elapsed, errors


def latency_figures(latencies, rate):
    ordered = sorted(latencies)
    return {"p50_us": percentile(ordered, 50), "p90_us": percentile(ordered, 90), "p99_us": percentile(ordered, 99),
            "p999_us": percentile(ordered, 99.9), "max_us": ordered[-1], "mean_us": statistics.fmean(ordered),
            "per_second": rate, "n": len(ordered)}


def quantiles_for_plot(latencies, points=200):
    """The latency distribution as `points` quantiles (for the CDF plot), so the JSON stays small."""
    ordered = sorted(latencies)
    return [ordered[min(len(ordered) - 1, int(i * len(ordered) / points))] for i in range(points)] + [ordered[-1]]


class Server(object):
    """A framed server process (host or `docker run`), and the channel to it."""

    def __init__(self, argv, address, cleanup=None, env=None, ready_timeout=60.0):
        self.argv = argv
        self.address = address  # "stdio" or a unix socket path on the host
        self.cleanup = cleanup
        self.stderr = tempfile.TemporaryFile()
        stdio = address == "stdio"
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdio else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE if stdio else subprocess.DEVNULL,
                                     stderr=self.stderr, env=env)
        if stdio:
            self.channel = Channel.over_fds(self.proc.stdin.fileno(), self.proc.stdout.fileno())
        else:
            self.channel = Channel.over_socket(self.connect(address, ready_timeout))

    def connect(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s: %s" % (self.proc.returncode, self.errors()))
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                return sock
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError("no server on %s after %ds: %s" % (path, timeout, self.errors()))
                time.sleep(0.05)

    def errors(self):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-2000:]

    def close(self):
        self.channel.close()
        if self.proc.stdin:
            self.proc.stdin.close()
        if self.cleanup:
            self.cleanup()
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.stderr.close()


# -- memory -----------------------------------------------------------------------------------------------------------

def descendants(pid):
    """`pid` and every process below it (from /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir("/proc/%d/task" % current):
                with open("/proc/%d/task/%s/children" % (current, task)) as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def process_memory(pid):
    """RSS and PSS (kB) and the command line of one process."""
    figures = {"pid": pid}
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                figures["rss_kb"] = int(line.split()[1])
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    figures["pss_kb"] = int(line.split()[1])
    except OSError:
        pass
    with open("/proc/%d/cmdline" % pid, "rb") as handle:
        figures["cmdline"] = handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()[:120]
    return figures


def cpu_seconds(pids):
    """User + system CPU seconds consumed so far by each of `pids` (from /proc/PID/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    figures = {}
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            figures[pid] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            figures[pid] = 0.0
    return figures


def tree_memory(pid):
    processes = [process_memory(p) for p in descendants(pid)]
    return {"processes": processes, "rss_mb": sum(p.get("rss_kb", 0) for p in processes) / 1024.0,
            "pss_mb": sum(p.get("pss_kb", 0) for p in processes) / 1024.0}


def container_pid(name, docker):
    out = subprocess.run([docker, "inspect", "-f", "{{.State.Pid}}", name], capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else None


# -- HTTP (wrk) -------------------------------------------------------------------------------------------------------

WRK_SCRIPT = 'wrk.method = "POST"\nwrk.body = "{}"\nwrk.headers["Content-Type"] = "application/json"\n'
UNITS_US = {"us": 1.0, "ms": 1000.0, "s": 1e6}


def wait_http(port, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("HTTP server exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nothing listens on port %d after %ds" % (port, timeout))


def check_http(url):
    """One POST of `{}`; the body and status, so a benchmark never measures error responses."""
    import urllib.request
    request = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def run_wrk(url, connections, seconds, script_dir):
    script = os.path.join(script_dir, "post.lua")
    with open(script, "w") as handle:
        handle.write(WRK_SCRIPT)
    argv = ["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--latency", "-s", script, url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError("wrk failed: %s" % out.stderr)
    return parse_wrk(out.stdout)


def parse_wrk(text):
    figures = {"raw": text}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    figures["per_second"] = float(rate.group(1)) if rate else None
    for label, key in (("50%", "p50_us"), ("90%", "p90_us"), ("99%", "p99_us")):
        match = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), text, re.M)
        figures[key] = float(match.group(1)) * UNITS_US[match.group(2)] if match else None
    total = re.search(r"(\d+) requests in", text)
    figures["requests"] = int(total.group(1)) if total else None
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    figures["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: (.*)", text)
    figures["socket_errors"] = errors.group(1).strip() if errors else None
    return figures


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def which(name):
    return shutil.which(name)
