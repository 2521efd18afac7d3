"""The HTTP section of `make bench`: `POST /invoke` keep-alive under wrk at 1, 8 and 32 connections, the runtime with
`--instances 1` and `--instances 2` against Google's functions-framework under gunicorn with a worker per CPU, and at
8 connections the serving side's ceiling (`copies.server_alone_copy`) and the two serving designs' floors
(bench/floors/lend.py: the server relaying to its workers, as the runtime does, or lending them the connections)
with the runtime's per-invocation essentials in their workers.
"""
import json
import os
import shutil
import subprocess
import tempfile

import load
import measure
from copies import server_alone_copy
from machine import BENCH, ROOT, TRIVIAL, BOOTSTRAP, ensure_wrk, host_python, log, python_version

#: The serving designs' floors (bench/floors/lend.py), measured at 8 connections: name -> (design, instances).
FLOORS = {"floor: relay, 1 worker": ("relay", 1), "floor: relay, 2 workers": ("relay", 2),
          "floor: lend, 1 worker": ("lend", 1), "floor: lend, 2 workers": ("lend", 2)}
LEND_FLOOR = os.path.join(BENCH, "floors", "lend.py")

#: functions-framework for the HTTP comparison, in a private venv of the host's Python 3.7.
FF_REQUIREMENTS = ["functions-framework==3.9.2", "cloudevents<1.11"]
FF_VENV = os.path.join(ROOT, ".cache", "bench-ff37")


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
    for name, (design, instances) in FLOORS.items():
        servers[name] = lambda port, design=design, instances=instances: (
            [python, LEND_FLOOR, str(port), str(instances), design], "http://127.0.0.1:%d/invoke" % port)
    results = {"python": python_version(python), "seconds": opts.http_seconds, "repeats": opts.repeats,
               "rounds_at_8": opts.http_rounds,
               "max_steal": opts.max_steal,
               "cpus": os.cpu_count(), "servers": {name: {} for name in servers}}
    # The host's steal swings from none to 40% of the CPUs within minutes here: each round waits for a calm host,
    # out of one budget for the section (a host that stays crowded costs it once, not at every round).
    steal_budget = [2.0 * opts.quiet_wait]
    for connections in HTTP_CONNECTIONS:
        # the targets are judged at 8 connections, round by round (verdicts.http_lines): more rounds there
        for repeat in range(opts.http_rounds if connections == 8 else opts.repeats):
            for name, make in servers.items():
                if (name == SERVER_ALONE or name in FLOORS) and connections != 8:
                    continue
                port = measure.free_port()
                argv, url = make(port)
                busy = load.wait_quiet(opts.max_load, opts.quiet_wait, log)
                steal = load.wait_calm_host(opts.max_steal, steal_budget, log)
                proc = http_server(argv, port, url)
                try:
                    measure.run_wrk(url, connections, 2, scratch)  # warm-up
                    load_before, steal_before = load.loadavg(), load.cpu_steal_counter()
                    figures = measure.run_wrk(url, connections, opts.http_seconds, scratch)
                    figures["steal"] = load.steal_between(steal_before, load.cpu_steal_counter())
                    figures["load"] = [load_before, load.loadavg()]
                    figures["busy_before"], figures["steal_before"] = busy, steal
                    if name.startswith("fnruntime"):
                        figures["memory"] = measure.tree_memory(proc.pid)
                finally:
                    stop(proc)
                results["servers"][name].setdefault(str(connections), []).append(figures)
                log("  %-26s c=%-2d %8.0f req/s  p50 %7.1f us  p99 %8.1f us  non-2xx %d  load %.2f  steal %.0f%%" % (
                    name, connections, figures["per_second"], figures["p50_us"] or 0, figures["p99_us"] or 0,
                    figures["non_2xx"], load_before, 100 * figures["steal"]))
    shutil.rmtree(scratch, ignore_errors=True)
    return results
