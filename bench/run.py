"""`make bench`: cold start, warm framed round trips, HTTP throughput, image sizes and memory, against floors and a peer.

Runs the measurements of issue 6 (`--help` lists the sections and options), merges their figures into bench/results.json
(a section re-run replaces only its own figures) and renders bench/results.md and bench/latency.png from it.
Targets are printed as PASS/FAIL lines in the results, never asserted.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import measure
import provenance
import report

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
BOOTSTRAP = os.path.join(ROOT, "bootstrap", "bootstrap.py")
TRIVIAL = os.path.join(BENCH, "functions", "trivial")
ECHO = os.path.join(BENCH, "floors", "echo.py")
RESULTS = os.path.join(BENCH, "results.json")
VERSIONS = ("27", "36", "37")
SECTIONS = ("host-start", "host-warm", "instructions", "http", "docker-cold", "docker-warm", "sizes")
DOCKER = "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else "docker"
#: functions-framework for the HTTP comparison, in a private venv of the host's Python 3.7.
FF_REQUIREMENTS = ["functions-framework==3.9.2", "cloudevents<1.11"]
FF_VENV = os.path.join(ROOT, ".cache", "bench-ff37")


def log(text):
    print(text, flush=True)


# -- tools ---------------------------------------------------------------------------------------------------------

def ensure_plotting():
    """matplotlib in this interpreter: the `bench` extra of pyproject.toml, installed when missing."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    import tomllib
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        requirements = tomllib.load(handle)["project"]["optional-dependencies"]["bench"]
    log("installing the bench extra of pyproject.toml: %s" % " ".join(requirements))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet"] + requirements, check=True)


def ensure_wrk():
    """Debian's wrk for the HTTP section: installed with apt-get when missing and we are root; else None."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("  installing Debian's wrk")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], env=env,
                       stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


# -- interpreters and images ---------------------------------------------------------------------------------------

def host_python(version):
    """The host interpreter for 27/36/37, its runtime byte-compiled: $BENCH_PY27..., else pyenv's newest X.Y.*;
    None when absent."""
    python = find_python(version)
    return compile_runtime(python) if python else None


def host_pythons(opts, results):
    """(version, host interpreter) for each version asked for; a version without one is noted in `results`."""
    for version in opts.versions:
        python = host_python(version)
        if python:
            yield version, python
        else:
            results[version] = {"skipped": "no host Python %s (set BENCH_PY%s)" % (version, version)}


def find_python(version):
    explicit = os.environ.get("BENCH_PY%s" % version)
    if explicit:
        return explicit
    dotted = "%s.%s" % (version[0], version[1:])
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python" % dotted)),
                        key=lambda p: [int(x) for x in p.split("/versions/")[1].split("/")[0].split(".")])
    if candidates:
        return candidates[-1]
    return shutil.which("python%s" % dotted)


def compile_runtime(python, tree=None):
    """Byte-compile the runtime for `python` (up-to-date files are skipped), as the image build does: a stale or
    missing .pyc would make every start compile the package (PYTHONDONTWRITEBYTECODE is set on the machines here)."""
    subprocess.run([python, "-m", "compileall", "-q", tree or os.path.join(ROOT, "bootstrap")], check=True,
                   stdout=subprocess.DEVNULL)
    return python


def python_version(python):
    out = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def docker_ready():
    try:
        return subprocess.run([DOCKER, "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def image_exists(tag):
    return subprocess.run([DOCKER, "image", "inspect", tag], capture_output=True).returncode == 0


def image_python(tag):
    out = subprocess.run([DOCKER, "run", "--rm", "--entrypoint", "python", tag, "-c",
                          "import sys; print('%d.%d.%d' % sys.version_info[:3])"], capture_output=True, text=True)
    return out.stdout.strip()


# -- sections ------------------------------------------------------------------------------------------------------

def section_host_start(opts):
    """The bootstrap's own start (one-shot, trivial handler) on the host interpreter vs `python -c pass`."""
    results = {}
    for version, python in host_pythons(opts, results):
        busy = measure.wait_quiet(opts.max_load, opts.quiet_wait, log)
        figures = measure.compare_starts(
            [python, "-c", "pass"],
            [python, BOOTSTRAP, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler", "{}"],
            runs=opts.start_runs, warmup=3, expect_stdout=b'{"ok": true}')
        figures["python"] = python_version(python)
        figures["busy_before"] = busy
        results[version] = figures
        log("  host %s: python -c pass %.1f ms, bootstrap %.1f ms (x%.2f)" % (
            figures["python"], figures["floor_ms"]["median"], figures["subject_ms"]["median"], figures["ratio"]))
    return results


def framed_pair(opts, floor_server, subject_server, label):
    """Floor and runtime over the same channel, repeated and interleaved; figures of every repeat."""
    runs = {"floor": [], "subject": []}
    memory = None
    for repeat in range(opts.repeats):
        for kind, factory in (("floor", floor_server), ("subject", subject_server)):
            busy = measure.wait_quiet(opts.max_load, opts.quiet_wait, log)
            server = factory()
            try:
                warmup_errors = measure.round_trips(server.channel, opts.warmup, 0)[2]
                pids = measure.descendants(server.root_pid())
                cpu_before = measure.cpu_seconds(pids)
                load_before = measure.loadavg()
                latencies, rate, errors = measure.round_trips(server.channel, opts.invocations, 0)
                cpu_after = measure.cpu_seconds(pids)
                figures = measure.latency_figures(latencies, rate)
                figures["error_answers"] = warmup_errors + errors
                figures["cpu_us_per_invocation"] = sum(cpu_after[p] - cpu_before[p] for p in pids) \
                    / opts.invocations * 1e6
                figures["load"] = [load_before, measure.loadavg()]
                figures["busy_before"] = busy
                figures["quantiles_us"] = measure.quantiles_for_plot(latencies)
                if kind == "subject" and memory is None:
                    memory = measure.tree_memory(server.root_pid())
            finally:
                server.close()
            runs[kind].append(figures)
            log("  %-28s %-7s p50 %7.1f us  p99 %8.1f us  %7.0f/s  cpu %6.1f us/inv  load %.2f" % (
                label, kind, figures["p50_us"], figures["p99_us"], figures["per_second"],
                figures["cpu_us_per_invocation"], figures["load"][0]))
    return {"floor": runs["floor"], "subject": runs["subject"], "memory": memory,
            "invocations": opts.invocations, "warmup": opts.warmup, "repeats": opts.repeats}


class HostServer(measure.Server):
    def root_pid(self):
        return self.proc.pid


def section_host_warm(opts):
    """Framed round trips on the host interpreters: over a pipe (stdio) and a unix socket, runtime vs echo floor."""
    results = {}
    for version, python in host_pythons(opts, results):
        directory = tempfile.mkdtemp(prefix="bench-sock-")
        floor_sock, subject_sock = os.path.join(directory, "echo.sock"), os.path.join(directory, "fn.sock")
        serve = [python, BOOTSTRAP, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler", "--serve"]
        results[version] = {
            "python": python_version(python),
            "stdio": framed_pair(opts, lambda: HostServer([python, ECHO, "stdio"], "stdio"),
                                 lambda: HostServer(serve + ["stdio"], "stdio"), "host %s stdio" % version),
            "unix": framed_pair(opts, lambda: HostServer([python, ECHO, "unix:" + floor_sock], floor_sock),
                                lambda: HostServer(serve + ["unix:" + subject_sock], subject_sock),
                                "host %s unix" % version),
        }
        shutil.rmtree(directory, ignore_errors=True)
    return results


class ContainerServer(measure.Server):
    """`docker run` of a framed server; its processes are found through the container's init pid."""

    def __init__(self, name, run_args, address):
        self.name = name
        argv = [DOCKER, "run", "--rm", "--name", name] + (["-i"] if address == "stdio" else []) + run_args
        measure.Server.__init__(self, argv, address, cleanup=self.stop, ready_timeout=120.0)

    def root_pid(self):
        for _ in range(100):
            pid = measure.container_pid(self.name, DOCKER)
            if pid:
                return pid
            time.sleep(0.1)
        raise RuntimeError("container %s has no pid" % self.name)

    def stop(self):
        subprocess.run([DOCKER, "stop", "-t", "10", self.name], capture_output=True)


def section_docker_warm(opts):
    """Framed round trips into containers: `docker run -i` stdio and a unix socket in a bind-mounted directory."""
    results = {}
    for version in opts.versions:
        tag = "runtime:py%s" % version
        if not image_exists(tag):
            results[version] = {"skipped": "image %s not built (make build PY=%s)" % (tag, version)}
            continue
        directory = tempfile.mkdtemp(prefix="bench-sock-")
        os.chmod(directory, 0o777)  # the container's user (uid 1000) creates its socket there
        code = ["-v", "%s:/var/task:ro" % TRIVIAL]
        floors = ["-v", "%s:/bench:ro" % os.path.dirname(ECHO), "--entrypoint", "python"]
        sockets = ["-v", "%s:/run/bench" % directory]
        name = "bench-%s-%d" % (version, os.getpid())

        def floor(channel):
            address = "stdio" if channel == "stdio" else os.path.join(directory, "echo.sock")
            target = "stdio" if channel == "stdio" else "unix:/run/bench/echo.sock"
            extra = [] if channel == "stdio" else sockets
            return lambda: ContainerServer(name + "-floor", extra + floors + [tag, "/bench/echo.py", target], address)

        def subject(channel):
            address = "stdio" if channel == "stdio" else os.path.join(directory, "fn.sock")
            target = "stdio" if channel == "stdio" else "unix:/run/bench/fn.sock"
            extra = [] if channel == "stdio" else sockets
            return lambda: ContainerServer(name + "-fn", extra + code + [
                tag, "--provider", "jdcloud", "--serve", target, "index.handler"], address)

        results[version] = {"image": tag, "python": image_python(tag),
                            "stdio": framed_pair(opts, floor("stdio"), subject("stdio"), "%s docker -i" % tag),
                            "unix": framed_pair(opts, floor("unix"), subject("unix"), "%s bind-mounted unix" % tag)}
        shutil.rmtree(directory, ignore_errors=True)
    return results


def section_docker_cold(opts):
    """`docker run --rm ... index.handler '{}'` vs `docker run --rm --entrypoint python ... -c pass`."""
    results = {}
    for version in opts.versions:
        tag = "runtime:py%s" % version
        if not image_exists(tag):
            results[version] = {"skipped": "image %s not built (make build PY=%s)" % (tag, version)}
            continue
        busy = measure.wait_quiet(opts.max_load, opts.quiet_wait, log)
        figures = measure.compare_starts(
            [DOCKER, "run", "--rm", "--entrypoint", "python", tag, "-c", "pass"],
            [DOCKER, "run", "--rm", "-v", "%s:/var/task:ro" % TRIVIAL, tag, "--provider", "jdcloud",
             "index.handler", "{}"],
            runs=opts.cold_runs, warmup=2, expect_stdout=b'{"ok": true}')
        figures["image"] = tag
        figures["busy_before"] = busy
        results[version] = figures
        log("  %s: floor %.0f ms, one-shot %.0f ms (x%.3f, +%.0f ms)" % (
            tag, figures["floor_ms"]["median"], figures["subject_ms"]["median"], figures["ratio"],
            figures["overhead_ms"]))
    return results


def section_sizes(opts):
    out = subprocess.run([DOCKER, "images", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}", "runtime"],
                         capture_output=True, text=True)
    sizes = {}
    for line in sorted(out.stdout.splitlines()):
        tag = line.split("\t")[0]
        inspect = subprocess.run([DOCKER, "image", "inspect", "-f", "{{.Size}}", tag], capture_output=True, text=True)
        if inspect.returncode == 0:
            sizes[tag] = int(inspect.stdout.strip())
            log("  %-24s %7.1f MB" % (tag, sizes[tag] / 1e6))
    return {"bytes": sizes}


# -- HTTP ----------------------------------------------------------------------------------------------------------

def ensure_functions_framework(python):
    """A private venv of the host's Python 3.7 with functions-framework (installed once, under .cache/)."""
    exe = os.path.join(FF_VENV, "bin", "functions-framework")
    if os.path.exists(exe):
        return exe
    log("  installing %s into %s" % (" ".join(FF_REQUIREMENTS), FF_VENV))
    subprocess.run([python, "-m", "venv", FF_VENV], check=True)
    subprocess.run([os.path.join(FF_VENV, "bin", "python"), "-m", "pip", "install", "--quiet"] + FF_REQUIREMENTS,
                   check=True)
    return exe


def ff_command(ff, port):
    """functions-framework's app under gunicorn with as many workers as CPUs (gthread, as functions-framework runs
    it), so that the peer may use every CPU as `--instances` does."""
    gunicorn = os.path.join(os.path.dirname(ff), "gunicorn")
    app = "functions_framework:create_app(target='invoke', source=%r)" % os.path.join(BENCH, "functions", "ff", "main.py")
    return [gunicorn, "--workers", str(os.cpu_count() or 1), "--worker-class", "gthread", "--threads", "8",
            "--bind", "127.0.0.1:%d" % port, "--timeout", "0", "--log-level", "error", app]


def http_server(argv, port, url, cwd=None):
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=cwd)
    try:
        measure.wait_http(port, 60, proc)
        status, body = measure.check_http(url)
        if status != 200 or json.loads(body) != {"ok": True}:
            raise RuntimeError("%s answered %s %r" % (url, status, body[:200]))
    except Exception:
        proc.kill()
        proc.wait()
        raise
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


#: The HTTP section's connection counts and the runtime's servers (--instances 1 and 2).
HTTP_CONNECTIONS = (1, 8, 32)
HTTP_INSTANCES = (1, 2)
#: The ceiling of the serving side, measured at 8 connections beside them: the runtime's server with a worker that
#: answers every request at once with a fixed response (`server_alone_copy`).
SERVER_ALONE = "fnruntime server alone (worker answers at once)"


def http_name(instances):
    return "fnruntime" if instances == 1 else "fnruntime --instances %d" % instances


def section_http(opts):
    """`POST /invoke` keep-alive with wrk at 1, 8 and 32 connections: ours with --instances 1 and 2 vs
    functions-framework under gunicorn with a worker per CPU, host Python 3.7."""
    if not ensure_wrk():
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    python = host_python("37")
    if not python:
        return {"skipped": "no host Python 3.7 for functions-framework"}
    ff = ensure_functions_framework(python)
    scratch = tempfile.mkdtemp(prefix="bench-wrk-")
    servers = dict((http_name(n), lambda port, n=n: (
        [python, BOOTSTRAP, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler", "--serve",
         "http:127.0.0.1:%d" % port, "--instances", str(n)], "http://127.0.0.1:%d/invoke" % port))
        for n in HTTP_INSTANCES)
    servers["functions-framework"] = lambda port: (ff_command(ff, port), "http://127.0.0.1:%d/" % port)
    alone = server_alone_copy(scratch)
    servers[SERVER_ALONE] = lambda port: (
        [python, alone, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler", "--serve",
         "http:127.0.0.1:%d" % port], "http://127.0.0.1:%d/invoke" % port)
    results = {"python": python_version(python), "seconds": opts.http_seconds, "repeats": opts.repeats,
               "cpus": os.cpu_count(), "servers": {name: {} for name in servers}}
    for connections in HTTP_CONNECTIONS:
        for repeat in range(opts.repeats):
            for name, make in servers.items():
                if name == SERVER_ALONE and connections != 8:
                    continue
                port = measure.free_port()
                argv, url = make(port)
                busy = measure.wait_quiet(opts.max_load, opts.quiet_wait, log)
                proc = http_server(argv, port, url)
                try:
                    measure.run_wrk(url, connections, 2, scratch)  # warm-up
                    load_before = measure.loadavg()
                    figures = measure.run_wrk(url, connections, opts.http_seconds, scratch)
                    figures["load"] = [load_before, measure.loadavg()]
                    figures["busy_before"] = busy
                    if name.startswith("fnruntime"):
                        figures["memory"] = measure.tree_memory(proc.pid)
                finally:
                    stop(proc)
                results["servers"][name].setdefault(str(connections), []).append(figures)
                log("  %-26s c=%-2d %8.0f req/s  p50 %7.1f us  p99 %8.1f us  non-2xx %d  load %.2f" % (
                    name, connections, figures["per_second"], figures["p50_us"] or 0, figures["p99_us"] or 0,
                    figures["non_2xx"], load_before))
    shutil.rmtree(scratch, ignore_errors=True)
    return results


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


def section_instructions(opts):
    """Instruction counts (valgrind's callgrind) of the same runs: repeatable whatever the machine's load."""
    if not shutil.which("valgrind"):
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    results = {}
    for version, python in host_pythons(opts, results):
        scratch = tempfile.mkdtemp(prefix="bench-copy-")
        try:
            bootstrap = measuring_copy(scratch)
            figures = {"python": python_version(python)}
            figures["python_pass"] = sum(measure.callgrind_totals([python, "-c", "pass"]).values())
            if bootstrap:
                compile_runtime(python, os.path.dirname(bootstrap))
                oneshot = [python, bootstrap, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler", "{}"]
                totals = measure.callgrind_totals(oneshot)
                pids = sorted(totals)
                figures["oneshot_supervisor"] = totals[pids[0]]
                figures["oneshot_worker"] = totals[pids[1]] if len(pids) > 1 else None
            figures["floor_round_trip"] = measure.instructions_per_round_trip([python, ECHO, "stdio"])
            if bootstrap:
                figures["runtime_round_trip"] = measure.instructions_per_round_trip(
                    [python, bootstrap, "--code", TRIVIAL, "--provider", "jdcloud", "--serve", "stdio",
                     "index.handler"])
            if bootstrap and version == "37" and opts.http_instructions:
                ff = ensure_functions_framework(python)
                figures["http_request"] = {
                    "fnruntime": measure.instructions_per_http_request(
                        lambda port: [python, bootstrap, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler",
                                      "--serve", "http:127.0.0.1:%d" % port], "/invoke"),
                    "functions-framework": measure.instructions_per_http_request(
                        lambda port: ff_command(ff, port), "/")}
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        results[version] = figures
        log("  %s: python -c pass %.1fM; one-shot supervisor %.1fM; round trip floor %.0fk, runtime %.0fk" % (
            figures["python"], figures["python_pass"] / 1e6, figures.get("oneshot_supervisor", 0) / 1e6,
            sum(figures["floor_round_trip"].values()) / 1e3,
            sum(figures.get("runtime_round_trip", {}).values()) / 1e3))
    return results


RUNNERS = {"host-start": section_host_start, "instructions": section_instructions, "host-warm": section_host_warm,
           "http": section_http,
           "docker-cold": section_docker_cold, "docker-warm": section_docker_warm, "sizes": section_sizes}
NEEDS_DOCKER = ("docker-cold", "docker-warm", "sizes")
#: Sections measured per Python version: a run of some versions keeps the others' figures, each with its own stamp.
PER_VERSION = ("host-start", "host-warm", "instructions", "docker-cold", "docker-warm")


# -- main ----------------------------------------------------------------------------------------------------------

def machine_facts():
    with open("/proc/cpuinfo") as handle:
        models = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
    return {"cpus": os.cpu_count(), "cpu": models[0] if models else platform.processor(),
            "kernel": platform.release(), "host_python": platform.python_version()}


def load_results():
    try:
        with open(RESULTS) as handle:
            return json.load(handle)
    except (IOError, ValueError):
        return {"sections": {}}


def git_head():
    out = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip()


def stamps_before(name, opts):
    """Each version's stamp (commit, dirty flag; for an image section the image's input hash against the source's),
    taken before the section measures; {None: stamp} for sections measured once."""
    if name not in PER_VERSION:
        return {None: provenance.stamp()}
    image = name in NEEDS_DOCKER
    return {version: provenance.stamp("runtime:py%s" % version if image else None) for version in opts.versions}


def stale_figures(results):
    """{(section, version or None): why its figures no longer describe the code at HEAD} for the stale ones."""
    stale = {}
    for name, section in results.get("sections", {}).items():
        kind = "image" if name in NEEDS_DOCKER else "host"
        keys = [v for v in VERSIONS if v in section and "skipped" not in section[v]] if name in PER_VERSION \
            else [None]
        for key in keys:
            figure = section[key] if key else section
            reason = provenance.stale_reason(figure.get("_stamp"), kind)
            if reason:
                stale[(name, key)] = reason
    return stale


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help="comma-separated sections to run (default all): %s" % ", ".join(SECTIONS))
    parser.add_argument("--py", default=",".join(VERSIONS), help="versions, e.g. 37 or 27,36 (default all)")
    parser.add_argument("--invocations", type=int, default=10000, help="measured framed round trips per run")
    parser.add_argument("--warmup", type=int, default=1000, help="framed round trips before measuring")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each warm measurement (interleaved)")
    parser.add_argument("--start-runs", dest="start_runs", type=int, default=40, help="host start timings")
    parser.add_argument("--cold-runs", dest="cold_runs", type=int, default=20, help="docker run timings per side")
    parser.add_argument("--http-seconds", dest="http_seconds", type=int, default=10, help="wrk duration")
    parser.add_argument("--max-busy", dest="max_load", type=float, default=0.2,
                        help="before each measurement, wait until other processes keep less than this fraction of "
                             "the CPUs busy (default 0.2)")
    parser.add_argument("--quiet-wait", dest="quiet_wait", type=int, default=120,
                        help="longest wait (s) for a quiet machine before measuring anyway")
    parser.add_argument("--no-http-instructions", dest="http_instructions", action="store_false",
                        help="skip the callgrind count of HTTP requests (functions-framework is slow to start under "
                             "valgrind)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 1,000 invocations, 1 repeat, short wrk, few cold runs")
    parser.add_argument("--report-only", dest="report_only", action="store_true",
                        help="render results.md and the plot from results.json without measuring")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.invocations, opts.warmup, opts.repeats = 1000, 100, 1
        opts.start_runs, opts.cold_runs, opts.http_seconds, opts.quiet_wait = 5, 3, 3, 0
    opts.sections = [s.strip() for s in opts.only.split(",") if s.strip()]
    unknown = [s for s in opts.sections if s not in SECTIONS]
    if unknown:
        parser.error("unknown section(s) %s; choose from %s" % (", ".join(unknown), ", ".join(SECTIONS)))
    opts.versions = [v.strip() for v in opts.py.split(",") if v.strip()]
    return opts


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    results = load_results()
    if not opts.report_only:
        engine = docker_ready() if any(s in NEEDS_DOCKER for s in opts.sections) else False
        for name in opts.sections:
            if name in NEEDS_DOCKER and not engine:
                log("%s: skipped, no Docker engine answers (make engine-up build)" % name)
                continue
            log("%s:" % name)
            stamps = stamps_before(name, opts)
            started = time.monotonic()
            figures = RUNNERS[name](opts)
            if name in PER_VERSION:
                for version, figure in figures.items():
                    if isinstance(figure, dict) and "skipped" not in figure:
                        figure["_stamp"] = stamps[version]
                section = results["sections"].setdefault(name, {})
                section.update(figures)  # a run of one version keeps the others' figures (and their stamps)
            else:
                figures["_stamp"] = stamps[None]
                results["sections"][name] = section = figures
            section["_meta"] = {"when": datetime.datetime.now().isoformat(timespec="seconds"),
                                "seconds": round(time.monotonic() - started, 1), "commit": git_head(),
                                "quick": opts.quick, "machine": machine_facts(),
                                "versions": sorted(v for v in figures if v in VERSIONS)}
            with open(RESULTS, "w") as handle:
                json.dump(results, handle, indent=1, sort_keys=True)
    ensure_plotting()
    markdown = report.render(results, os.path.join(BENCH, "latency.png"), stale_figures(results))
    with open(os.path.join(BENCH, "results.md"), "w") as handle:
        handle.write(markdown)
    log("\n" + report.targets_text(results, stale_figures(results)))
    log("wrote bench/results.md, bench/results.json, bench/latency.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
