"""Turns bench/results.json into bench/results.md (tables and PASS/FAIL target lines) and the latency plot.

`render(results, png_path, stale)` returns the Markdown text; `targets_text(results, stale)` the target lines alone.
`stale` maps (section, version or None) to why those figures no longer describe the code (run.py asks
provenance.py); they are marked STALE wherever they show. A verdict is FAIL whenever a measured run had an error
answer (framed `"ok": false`, HTTP non-2xx, socket errors), whatever its speed.
The hand-written analysis in bench/analysis.md is appended to the generated page as it is. The figures' helpers are
in figures.py, the target lines in verdicts.py, the plot in plot.py.
"""
import os

from figures import BENCH, annotated, median_of, sections, spread, stale_mark, versions_of  # noqa: F401
from plot import plot
from verdicts import target_lines, targets_text  # noqa: F401

# -- tables --------------------------------------------------------------------------------------------------------

def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return "\n".join(out)


def start_rows(section, label_key):
    rows = []
    for v in versions_of(section):
        f = section[v]
        if "skipped" in f:
            rows.append([v, f["skipped"], "", "", "", "", ""])
            continue
        floor = f["floor_ms"]
        rows.append([str(f.get(label_key, v)) + stale_mark(f),
                     "%.1f (%.1f-%.1f)" % (floor["median"], floor["p10"], floor["p90"]),
                     "%.1f (%.1f-%.1f)" % (f["subject_ms"]["median"], f["subject_ms"]["p10"], f["subject_ms"]["p90"]),
                     "x%.3f" % f["ratio"], "+%.1f" % f["overhead_ms"], f["runs"], busy_load([f])])
    return rows


def warm_rows(section, where):
    rows = []
    for v in versions_of(section):
        f = section[v]
        if "skipped" in f:
            rows.append(["%s py%s" % (where, v), f["skipped"]] + [""] * 7)
            continue
        for channel in ("stdio", "unix"):
            pair = f[channel]
            floor, ours = pair["floor"], pair["subject"]
            ratio = median_of(ours, "p50_us") / median_of(floor, "p50_us")
            rows.append(["%s %s (Python %s)%s" % (where, channel, f.get("python", v), stale_mark(f)),
                         spread(floor, "p50_us"), spread(ours, "p50_us"), "x%.2f" % ratio,
                         "%s / %s" % (spread(floor, "p99_us", "%.0f"), spread(ours, "p99_us", "%.0f")),
                         "%s / %s" % (spread(floor, "per_second", "%.0f"), spread(ours, "per_second", "%.0f")),
                         "%s / %s" % (spread(floor, "cpu_us_per_invocation", "%.0f"),
                                      spread(ours, "cpu_us_per_invocation", "%.0f")),
                         len(ours), busy_load(floor + ours)])
    return rows


def memory_rows(s):
    rows = []
    for where, section in (("image", s.get("docker-warm", {})), ("host", s.get("host-warm", {}))):
        for v in versions_of(section):
            if "skipped" in section[v]:
                continue
            for channel in ("stdio", "unix"):
                memory = section[v][channel].get("memory")
                if not memory:
                    continue
                procs = ", ".join("%s %.1f MB" % (p["cmdline"].split()[-1] if i == 0 else "worker",
                                                  p.get("rss_kb", 0) / 1024.0)
                                  for i, p in enumerate(memory["processes"]))
                rows.append(["%s py%s %s%s" % (where, v, channel, stale_mark(section[v])), "%.1f" % memory["rss_mb"],
                             "%.1f" % memory["pss_mb"], procs])
    http = s.get("http", {}).get("servers", {}).get("fnruntime", {})
    for connections, runs in sorted(http.items()):
        memory = runs[0].get("memory")
        if memory:
            rows.append(["host py37 http after wrk c=%s" % connections, "%.1f" % memory["rss_mb"],
                         "%.1f" % memory["pss_mb"], "%d processes" % len(memory["processes"])])
    return rows


def instruction_rows(section):
    def millions(value):
        return "%.1fM" % (value / 1e6) if value else "-"

    def trip(figures):
        return "%.0fk (%.0fk + %.0fk)" % (sum(figures.values()) / 1e3, figures["server"] / 1e3,
                                          figures["worker"] / 1e3) if figures else "-"
    rows = []
    for v in versions_of(section):
        f = section[v]
        if "skipped" in f:
            rows.append([v, f["skipped"], "", "", "", "", ""])
            continue
        floor, runtime = f.get("floor_round_trip"), f.get("runtime_round_trip")
        ratio = "x%.1f" % (sum(runtime.values()) / sum(floor.values())) if floor and runtime else "-"
        rows.append([f["python"] + stale_mark(f), millions(f["python_pass"]), millions(f.get("oneshot_supervisor")),
                     millions(f.get("oneshot_worker")), trip(floor), trip(runtime), ratio])
    return rows


def http_rows(http):
    rows = []
    names = [name for name in http["servers"] if name != "functions-framework"] + ["functions-framework"]
    for connections in sorted(set(c for runs in http["servers"].values() for c in runs), key=int):
        for name in names:
            runs = http["servers"].get(name, {}).get(connections, [])
            if not runs:
                continue
            rows.append([name + stale_mark(http), connections, spread(runs, "per_second", "%.0f"),
                         spread(runs, "p50_us", "%.0f"), spread(runs, "p99_us", "%.0f"),
                         sum(r.get("non_2xx", 0) for r in runs), busy_load(runs), steal_range(runs)])
    return rows


def steal_range(runs):
    """The share of the CPUs' time the host stole during the runs (lowest-highest), or - where not recorded."""
    steals = [r["steal"] for r in runs if r.get("steal") is not None]
    return "%.0f-%.0f%%" % (100 * min(steals), 100 * max(steals)) if steals else "-"


def busy_load(runs):
    """`busy% / load`: the share of the CPUs others kept busy just before, and the 1-minute load at the start."""
    busy = [r["busy_before"] for r in runs if r.get("busy_before") is not None]
    loads = [r["load"][0] for r in runs if r.get("load")]
    text = "%.1f-%.1f" % (min(loads), max(loads)) if loads else "-"
    if busy:
        text = "%.0f-%.0f%% / %s" % (100 * min(busy), 100 * max(busy), text)
    return text


def stamp_text(stamp):
    if not stamp:
        return "no stamp"
    text = "commit %s%s" % (stamp["commit"][:12], ", dirty" if stamp.get("dirty") else "")
    if "image" in stamp:
        text += ", %s %s" % (stamp["image"], "built from this source" if stamp.get("image_current")
                             else "built from other sources")
    return text


def meta_line(section):
    """When the section last ran, and the stamp of each version's figures (or of the section's), STALE ones said."""
    meta = section.get("_meta", {})
    if not meta:
        return ""
    line = "_Last run %s in %.0f s%s._" % (meta.get("when"), meta.get("seconds", 0),
                                          " (--quick smoke run)" if meta.get("quick") else "")
    versions = versions_of(section)
    if versions:
        stamps = ["py%s: %s%s" % (v, stamp_text(section[v].get("_stamp")), stale_mark(section[v]))
                  for v in versions if "skipped" not in section[v]]
    else:
        stamps = ["%s%s" % (stamp_text(section.get("_stamp")), stale_mark(section))]
    return line + " Measured at: " + "; ".join(stamps) + "."


def render(results, png_path, stale=None):
    results = annotated(results, stale)
    s = sections(results)
    plotted = plot(results, png_path)
    machine = next((sec["_meta"]["machine"] for sec in s.values() if "_meta" in sec), {})
    out = ["# Benchmark results", "",
           "Generated by `make bench` (`bench/run.py`; `--help` for the options) from `bench/results.json`; the "
           "analysis at the end is hand-written (`bench/analysis.md`). Machine: %s CPUs (%s), kernel %s, possibly "
           "shared with other jobs: each measurement waits (up to 2 minutes) until other processes keep less "
           "than 20%% of the CPUs busy, `busy / load` beside each figure gives that share just before and the "
           "1-minute load average; every warm measurement is repeated, floor and runtime interleaved; figures are `median (min-max)` over the "
           "repeats." % (machine.get("cpus", "?"), machine.get("cpu", "?"), machine.get("kernel", "?")), "",
           "## Targets", ""]
    out.extend(target_lines(results) or ["- nothing measured yet"])
    if "docker-cold" in s:
        out += ["", "## Cold one-shot in the images", "",
                "`docker run --rm -v trivial:/var/task:ro runtime:pyXY index.handler '{}'` against the floor "
                "`docker run --rm --entrypoint python runtime:pyXY -c pass`, timed alternately; milliseconds, "
                "median (p10-p90).", "", meta_line(s["docker-cold"]), "",
                table(["image", "floor ms", "one-shot ms", "ratio", "overhead ms", "runs", "busy / load"],
                      start_rows(s["docker-cold"], "image"))]
    if "host-start" in s:
        out += ["", "## The bootstrap's own start on the host", "",
                "`python bootstrap/bootstrap.py --code bench/functions/trivial index.handler '{}'` (supervisor, "
                "worker fork, handler load, one invocation) against `python -c pass`, same interpreter, timed "
                "alternately; milliseconds.", "", meta_line(s["host-start"]), "",
                table(["Python", "python -c pass", "bootstrap one-shot", "ratio", "overhead ms", "runs",
                       "busy / load"], start_rows(s["host-start"], "python"))]
    warm = warm_rows(s.get("docker-warm", {}), "image") + warm_rows(s.get("host-warm", {}), "host")
    if warm:
        out += ["", "## Warm framed round trips", "",
                "One client on the host sends a request frame, waits for the response, and sends the next: "
                "`{\"id\": n, \"event\": {}}` to the trivial handler, %s measured round trips after a warm-up. "
                "The floor is `bench/floors/echo.py` over the same channel in the same interpreter: a supervisor "
                "process that forwards each frame to a forked worker over pipes, the worker decoding it once. "
                "`stdio` in an image is `docker run -i`; `unix` in an image is a socket in a bind-mounted host "
                "directory. Latencies in microseconds; `cpu` is the CPU time of the server's processes per "
                "invocation (less sensitive to the machine's load than latency)." % _invocations(s), "",
                meta_line(s.get("docker-warm", {})) or meta_line(s.get("host-warm", {})), "",
                table(["channel", "floor p50", "runtime p50", "p50 ratio", "p99 floor / runtime",
                       "invocations/s floor / runtime", "cpu us/inv floor / runtime", "repeats", "busy / load"], warm)]
        if plotted:
            out += ["", "![latency distributions](latency.png)"]
    instructions = s.get("instructions", {})
    if versions_of(instructions):
        out += ["", "## Instruction counts (load-independent)", "",
                "The same runs under valgrind's callgrind on the host interpreters: user-space instructions, the same "
                "from one run to the next whatever else the machine does (kernel work, context switches and waiting "
                "are not counted). One-shot: the supervisor process from the interpreter's start to its exit, and "
                "the worker (a fork: its count includes what the supervisor ran before forking it); measured on a "
                "copy of the runtime whose supervisor ends the idle worker with SIGTERM rather than SIGKILL so that "
                "the worker's counts get written, and whose timed looks at a busy worker (the serve loop's tick, "
                "the memory sampling: every 10 ms) come 50 times less often, as often per invocation as at full speed "
                "(copies.CALLGRIND_SLOWDOWN). Round trip: per framed invocation over stdio, from the difference "
                "between 600 and 100 invocations.", "", meta_line(instructions), "",
                table(["Python", "python -c pass", "one-shot supervisor", "one-shot worker", "round trip floor "
                       "(supervisor + worker)", "round trip runtime (supervisor + worker)", "ratio"],
                      instruction_rows(instructions))]
        http_counts = [(v, instructions[v]["http_request"]) for v in versions_of(instructions)
                       if "http_request" in instructions[v]]
        for v, counts in http_counts:
            ours, peer = counts["fnruntime"], counts["functions-framework"]
            out += ["", "HTTP, Python %s: one keep-alive `POST` costs %.0fk instructions across the runtime's processes "
                    "(supervisor + worker) and %.0fk across functions-framework's (gunicorn arbiter + worker): at "
                    "equal CPU the runtime serves x%.2f as many requests." % (
                        instructions[v]["python"], ours / 1e3, peer / 1e3, peer / ours)]
    http = s.get("http", {})
    if "servers" in http:
        out += ["", "## HTTP `POST /invoke`, keep-alive", "",
                "`wrk -t1 -cN -d%ds --latency` posting `{}`, against `--serve http:127.0.0.1:PORT` and Google's "
                "functions-framework 3.9.2 (under gunicorn, gthread, with as many workers as CPUs: %s) serving the "
                "same trivial handler, both on the host's Python %s; a 2-second warm-up first. wrk shares the CPUs "
                "with the server. A round runs each server once, one after the other (%s rounds at 8 connections, "
                "where the targets set each round of ours against the peer's run of the same round; %s at 1 and 32). "
                "Each round waits for a calm host (CPU steal under %s, probed with every CPU busy, "
                "within one budget for the section); `steal` is the share of the CPUs' time the host took during the "
                "runs." % (http["seconds"], http.get("cpus", "?"), http["python"],
                           http.get("rounds_at_8", http.get("repeats", "?")), http.get("repeats", "?"),
                           "%.0f%%" % (100 * http["max_steal"]) if "max_steal" in http else "a bound (not recorded)"),
                "", meta_line(http), "",
                table(["server", "connections", "requests/s", "p50 us", "p99 us", "non-2xx", "busy / load", "steal"],
                      http_rows(http))]
    memory = memory_rows(s)
    if memory:
        out += ["", "## Memory of a warm instance", "",
                "Resident set of the runtime's own processes (supervisor, worker) after the warm runs with the "
                "trivial handler, from `/proc/PID/status` (VmRSS) and `/proc/PID/smaps_rollup` (PSS: shared pages "
                "divided between the processes that share them; the forked worker shares most of its pages with "
                "the supervisor, so RSS counts them twice).", "",
                table(["instance", "RSS MB", "PSS MB", "processes (RSS)"], memory)]
    sizes = s.get("sizes", {}).get("bytes")
    if sizes:
        out += ["", "## Image sizes", "", meta_line(s["sizes"]), "",
                table(["tag", "size MB"], [[tag, "%.1f" % (size / 1e6)] for tag, size in sorted(sizes.items())])]
    for own in ("projects.md", "sdk.md"):  # bench/projects.py's and bench/sdk.py's own sections, measured apart
        section = os.path.join(BENCH, own)
        if os.path.exists(section):
            with open(section) as handle:
                out += ["", handle.read().rstrip()]
    analysis = os.path.join(BENCH, "analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as handle:
            out += ["", handle.read().rstrip()]
    return "\n".join(out) + "\n"


def _invocations(s):
    for name in ("docker-warm", "host-warm"):
        for v in versions_of(s.get(name, {})):
            f = s[name][v]
            if "stdio" in f:
                return "{:,}".format(f["stdio"]["invocations"])
    return "10,000"


