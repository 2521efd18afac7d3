"""Turns bench/results.json into bench/results.md (tables and PASS/FAIL target lines) and the latency plot.

`render(results, png_path, stale)` returns the Markdown text; `targets_text(results, stale)` the target lines alone.
`stale` maps (section, version or None) to why those figures no longer describe the code (run.py asks
provenance.py); they are marked STALE wherever they show. A verdict is FAIL whenever a measured run had an error
answer (framed `"ok": false`, HTTP non-2xx, socket errors), whatever its speed.
The hand-written analysis in bench/analysis.md is appended to the generated page as it is.
"""
import copy
import os
import statistics

BENCH = os.path.dirname(os.path.abspath(__file__))
VERSIONS = ("27", "36", "37")
#: The targets of issue 6.
COLD_RATIO = 1.1
WARM_RATIO = 1.3
SOCKET_P50_US = 100.0
HTTP_RATIO = 3.0
#: The targets of issue 12: requests/s at 8 connections against functions-framework with a worker per CPU.
HTTP_TARGETS = (("fnruntime --instances 2", 3.0), ("fnruntime", 2.5))
RSS_MB = 30.0


def median_of(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def spread(runs, key, fmt="%.1f"):
    """`median (min-max)` over the repeats."""
    values = [r[key] for r in runs if r.get(key) is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return fmt % values[0]
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(values), min(values), max(values))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def sections(results):
    return results.get("sections", {})


def versions_of(section):
    return [v for v in VERSIONS if v in section]


def annotated(results, stale):
    """A copy of `results` whose stale figures carry `_stale` (the reason)."""
    results = copy.deepcopy(results)
    for (name, version), reason in (stale or {}).items():
        section = results.get("sections", {}).get(name)
        if section is None:
            continue
        target = section.get(version) if version else section
        if isinstance(target, dict):
            target["_stale"] = reason
    return results


def stale_mark(*figures):
    """` **STALE** (why)` when any of `figures` is stale, else ``."""
    reasons = [f["_stale"] for f in figures if isinstance(f, dict) and f.get("_stale")]
    return " **STALE** (%s)" % reasons[0] if reasons else ""


def answer_problems(runs):
    """What went wrong in the answers of these measured runs: error frames, non-2xx answers, socket errors."""
    problems = []
    errors = sum(r.get("error_answers") or 0 for r in runs)
    if errors:
        problems.append("%d error answers" % errors)
    non_2xx = sum(r.get("non_2xx") or 0 for r in runs)
    if non_2xx:
        problems.append("%d non-2xx answers" % non_2xx)
    sockets = [r["socket_errors"] for r in runs if r.get("socket_errors")]
    if sockets:
        problems.append("socket errors: %s" % "; ".join(sockets[:2]))
    return problems


def checked(ok, runs):
    """(verdict, note): FAIL with what went wrong when any run had error answers, else PASS/FAIL on `ok`."""
    problems = answer_problems(runs)
    if problems:
        return "FAIL", " — answers failed: %s" % ", ".join(problems)
    return verdict(ok), ""


# -- targets -------------------------------------------------------------------------------------------------------

def target_lines(results, stale=None):
    s = sections(annotated(results, stale) if stale else results)
    lines = []
    cold = s.get("docker-cold", {})
    for v in versions_of(cold):
        f = cold[v]
        if "skipped" in f:
            lines.append("- NOT MEASURED cold one-shot py%s: %s" % (v, f["skipped"]))
            continue
        lines.append("- %s cold one-shot py%s within %.1fx of `docker run ... python -c pass`: x%.3f (%.0f vs %.0f ms, "
                     "+%.0f ms)%s" % (verdict(f["ratio"] <= COLD_RATIO), v, COLD_RATIO, f["ratio"],
                                      f["subject_ms"]["median"], f["floor_ms"]["median"], f["overhead_ms"],
                                      stale_mark(f)))
    warm = s.get("docker-warm", {})
    for v in versions_of(warm):
        f = warm[v]
        if "skipped" in f:
            lines.append("- NOT MEASURED warm py%s: %s" % (v, f["skipped"]))
            continue
        for channel, label in (("stdio", "`docker run -i` stdio"), ("unix", "bind-mounted unix socket")):
            pair = f[channel]
            ours, floor = median_of(pair["subject"], "p50_us"), median_of(pair["floor"], "p50_us")
            result, note = checked(ours <= WARM_RATIO * floor, pair["subject"] + pair["floor"])
            lines.append("- %s warm p50 py%s over %s within %.1fx of its echo floor: x%.2f (%.1f vs %.1f us)%s%s" % (
                result, v, label, WARM_RATIO, ours / floor, ours, floor, note, stale_mark(f)))
        ours = median_of(f["unix"]["subject"], "p50_us")
        result, note = checked(ours < SOCKET_P50_US, f["unix"]["subject"])
        lines.append("- %s warm p50 py%s on the bind-mounted socket under %.0f us: %.1f us%s%s" % (
            result, v, SOCKET_P50_US, ours, note, stale_mark(f)))
    http = s.get("http", {})
    if "servers" in http:
        # The peer at its best run: gunicorn's workers share one listening socket, and when one of them accepts most
        # of wrk's connections the peer runs at half speed (its runs at 8 connections spread over 2x): ours is held
        # to the peer's best requests/s and p50 of the repeats, not to their median.
        peer_runs = [r for r in http["servers"]["functions-framework"].get("8", []) if r.get("per_second")]
        peer = max(r["per_second"] for r in peer_runs) if peer_runs else None
        peer_p50 = min(r["p50_us"] for r in peer_runs if r.get("p50_us")) if peer_runs else None
        every_run = [r for runs in http["servers"].values() for rs in runs.values() for r in rs]
        for name, ratio in HTTP_TARGETS:
            runs = http["servers"].get(name, {}).get("8", [])
            ours, p99 = median_of(runs, "per_second"), median_of(runs, "p99_us")
            if not (ours and peer):
                continue
            result, note = checked(ours >= ratio * peer, every_run)
            lines.append("- %s HTTP `%s` at 8 connections at least %.1fx functions-framework at its best of %d runs "
                         "(gunicorn, %s workers; Python %s): x%.2f (%.0f vs %.0f requests/s)%s%s" % (
                             result, name, ratio, len(peer_runs), http.get("cpus", "?"), http["python"], ours / peer,
                             ours, peer, note, stale_mark(http)))
            if p99 and peer_p50:
                result, note = checked(p99 < peer_p50, every_run)
                lines.append("- %s HTTP `%s` p99 at 8 connections below functions-framework's best p50: %.0f vs %.0f us"
                             "%s%s" % (result, name, p99, peer_p50, note, stale_mark(http)))
    elif "skipped" in http:
        lines.append("- NOT MEASURED HTTP: %s" % http["skipped"])
    for where, section in (("image", warm), ("host", s.get("host-warm", {}))):
        for v in versions_of(section):
            memory = section[v].get("unix", {}).get("memory") if "skipped" not in section[v] else None
            if memory:
                lines.append("- %s warm instance py%s (%s) under %.0f MB RSS, supervisor + worker: %.1f MB "
                             "(PSS %.1f MB)%s" % (verdict(memory["rss_mb"] < RSS_MB), v, where, RSS_MB,
                                                  memory["rss_mb"], memory["pss_mb"], stale_mark(section[v])))
    return lines


def targets_text(results, stale=None):
    return "Targets:\n" + "\n".join(target_lines(results, stale))


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
                         sum(r.get("non_2xx", 0) for r in runs), busy_load(runs)])
    return rows


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
                "the worker's counts get written. Round trip: per framed invocation over stdio, from the difference "
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
                "with the server." % (http["seconds"], http.get("cpus", "?"), http["python"]), "", meta_line(http), "",
                table(["server", "connections", "requests/s", "p50 us", "p99 us", "non-2xx", "busy / load"],
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


# -- plot ----------------------------------------------------------------------------------------------------------

def representative(runs):
    """The repeat whose p50 is the median one."""
    ordered = sorted(runs, key=lambda r: r["p50_us"])
    return ordered[len(ordered) // 2]


def plot(results, png_path):
    """CDFs of the warm round-trip latencies, one panel per channel; False when there is nothing to plot."""
    s = sections(results)
    panels = []
    for name, where in (("docker-warm", "image"), ("host-warm", "host")):
        for channel in ("stdio", "unix"):
            curves = [(v, s[name][v][channel]) for v in versions_of(s.get(name, {}))
                      if "skipped" not in s[name][v]]
            if curves:
                panels.append(("%s, %s" % (where, "docker run -i stdio" if where == "image" and channel == "stdio"
                                           else "bind-mounted unix socket" if where == "image" else channel), curves))
    if not panels:
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    columns = 2
    rows = (len(panels) + 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(12, 4.2 * rows), squeeze=False)
    colours = {"27": "tab:blue", "36": "tab:orange", "37": "tab:green"}
    for ax, (title, curves) in zip(axes.flat, panels):
        for version, pair in curves:
            for kind, style, label in (("subject", "-", "runtime"), ("floor", "--", "echo floor")):
                quantiles = representative(pair[kind])["quantiles_us"]
                ys = [100.0 * i / (len(quantiles) - 1) for i in range(len(quantiles))]
                ax.plot(quantiles, ys, style, color=colours[version], label="py%s %s" % (version, label))
        ax.set_xscale("log")
        ax.set_title(title)
        ax.set_xlabel("round-trip latency (us, log scale)")
        ax.set_ylabel("percent of invocations")
        ax.axvline(SOCKET_P50_US, color="grey", linewidth=0.6, linestyle=":")
        ax.grid(True, which="both", linewidth=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle("Warm framed round trips, trivial handler: runtime (solid) vs echo floor (dashed)")
    fig.tight_layout()
    fig.savefig(png_path, dpi=90)
    plt.close(fig)
    return True
