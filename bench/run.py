"""`make bench`: cold start, warm framed round trips, HTTP throughput, image sizes and memory, against floors and a peer.

Runs the measurements of issue 6 (`--help` lists the sections and options), merges their figures into bench/results.json
(a section re-run replaces only its own figures) and renders bench/results.md and bench/latency.png from it.
Targets are printed as PASS/FAIL lines in the results, never asserted. This file holds the command, the host and
Docker sections and the merging; machine.py what they run on, httpbench.py and instructions.py the HTTP and the
instruction-count sections, copies.py the runtime copies those measure.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import load
import measure
import provenance
import report
from httpbench import section_http
from instructions import section_instructions
from machine import (BENCH, BOOTSTRAP, DOCKER, ECHO, ROOT, TRIVIAL, VERSIONS, docker_ready, ensure_plotting,
                     host_pythons, image_exists, image_python, log, python_version)

RESULTS = os.path.join(BENCH, "results.json")
SECTIONS = ("host-start", "host-warm", "instructions", "http", "docker-cold", "docker-warm", "sizes")


# -- sections ------------------------------------------------------------------------------------------------------

def section_host_start(opts):
    """The bootstrap's own start (one-shot, trivial handler) on the host interpreter vs `python -c pass`."""
    results = {}
    for version, python in host_pythons(opts, results):
        busy = load.wait_quiet(opts.max_load, opts.quiet_wait, log)
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
            busy = load.wait_quiet(opts.max_load, opts.quiet_wait, log)
            server = factory()
            try:
                warmup_errors = measure.round_trips(server.channel, opts.warmup, 0)[2]
                pids = measure.descendants(server.root_pid())
                cpu_before = measure.cpu_seconds(pids)
                load_before = load.loadavg()
                latencies, rate, errors = measure.round_trips(server.channel, opts.invocations, 0)
                cpu_after = measure.cpu_seconds(pids)
                figures = measure.latency_figures(latencies, rate)
                figures["error_answers"] = warmup_errors + errors
                figures["cpu_us_per_invocation"] = sum(cpu_after[p] - cpu_before[p] for p in pids) \
                    / opts.invocations * 1e6
                figures["load"] = [load_before, load.loadavg()]
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
        busy = load.wait_quiet(opts.max_load, opts.quiet_wait, log)
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
    parser.add_argument("--http-rounds", dest="http_rounds", type=int, default=5,
                        help="HTTP rounds at 8 connections, where the targets are judged round by round (the other "
                             "connection counts run --repeats rounds)")
    parser.add_argument("--max-busy", dest="max_load", type=float, default=0.2,
                        help="before each measurement, wait until other processes keep less than this fraction of "
                             "the CPUs busy (default 0.2)")
    parser.add_argument("--max-steal", dest="max_steal", type=float, default=0.05,
                        help="HTTP rounds wait (within twice --quiet-wait in all) while the host steals more than this "
                             "fraction of the CPUs' time, probed with every CPU busy")
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
        opts.invocations, opts.warmup, opts.repeats, opts.http_rounds = 1000, 100, 1, 1
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
