"""What `--debug-port` costs: the one-shot cold start without it against the same run of a baseline commit (the
debugger must cost nothing when it is not asked for), and the time from start to the first stop at a breakpoint
with it, on the host interpreters. Prints a table and writes bench/debugging.md.

    .venv/bin/python bench/debugging.py [--runs 15] [--baseline COMMIT]

The baseline is checked out with `git worktree` into .cache/ (default: the commit before the debugger came,
the first parent of the oldest commit that touched bootstrap/fnruntime/debugger.py). Runs of the two trees are
interleaved, so a change in the machine's load hits both alike; figures are medians, with min and max.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "tests", "debug"))
from dapclient import DapClient  # noqa: E402
from debugkit import CODE, DEBUGPY, TARGET, line_of  # noqa: E402

PYTHONS = {"2.7": "~/.pyenv/versions/2.7.18/bin/python2.7", "3.6": "~/.pyenv/versions/3.6.15/bin/python3.6",
           "3.7": "~/.pyenv/versions/3.7.16/bin/python3.7"}


def git(*args):
    return subprocess.run(["git", "-C", ROOT] + list(args), check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip()


def baseline_tree(commit):
    folder = os.path.join(ROOT, ".cache", "bench-baseline-" + commit[:12])
    if not os.path.isdir(folder):
        git("worktree", "add", "--detach", folder, commit)
    return folder


def one_shot(python, tree, extra=()):
    started = time.perf_counter()
    done = subprocess.run([python, os.path.join(tree, "bootstrap", "bootstrap.py"), "--code", CODE] + list(extra)
                          + ["index.main_handler", '{"name": "bench"}'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env={"PATH": os.defpath, "LANG": "C.UTF-8"})
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit("one-shot failed in %s: %s" % (tree, done.stderr.decode()))
    return elapsed * 1000.0


def time_to_stop(python, debugger_dir):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen([python, os.path.join(ROOT, "bootstrap", "bootstrap.py"), "--code", CODE,
                                "--debug-port", str(port), "index.main_handler", '{"name": "bench"}'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={"PATH": os.defpath, "LANG": "C.UTF-8", "FUNCTION_DEBUGGER_DIR": debugger_dir})
    client = DapClient("127.0.0.1", port)
    try:
        client.attach(TARGET, [line_of("handler")], CODE, CODE)
        thread, _ = client.stopped()
        stopped = time.perf_counter() - started
        client.resume(thread)
        process.communicate(timeout=60)
    finally:
        client.close()
        process.kill()
    return stopped * 1000.0


def debugger_for(version, python):
    target = os.path.join(ROOT, ".cache", "debugpy", "py" + version.replace(".", ""))
    if not os.path.isdir(os.path.join(target, "debugpy")):
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, DEBUGPY[version]],
                       check=True)
    return target


def summary(values):
    return "%.1f ms (min %.1f, max %.1f)" % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", help="commit to compare the cold start with (default: before the debugger)")
    options = parser.parse_args()
    first = git("log", "--format=%H", "--diff-filter=A", "--", "bootstrap/fnruntime/debugger.py").splitlines()[-1]
    baseline = options.baseline or git("rev-parse", first + "^")
    head = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--", "bootstrap"))
    base_tree = baseline_tree(baseline)
    rows = []
    for version, path in PYTHONS.items():
        python = os.path.expanduser(path)
        now, before = [], []
        for _ in range(options.runs):
            before.append(one_shot(python, base_tree))
            now.append(one_shot(python, ROOT))
        stops = [time_to_stop(python, debugger_for(version, python)) for _ in range(max(3, options.runs // 5))]
        rows.append((version, summary(before), summary(now),
                     "x%.3f" % (statistics.median(now) / statistics.median(before)), summary(stops)))
        print("Python %s: cold one-shot %s before, %s now; start to first stop with --debug-port: %s"
              % (version, rows[-1][1], rows[-1][2], rows[-1][4]), flush=True)
    lines = ["# Debugging: what --debug-port costs", "",
             "Measured by `bench/debugging.py` at %s%s against baseline %s (before the debugger), %d interleaved "
             "runs each, host interpreters, %s." % (head, " (dirty)" if dirty else "", baseline[:7], options.runs,
                                                    time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
             "", "| Python | cold one-shot, baseline | cold one-shot, now (no --debug-port) | ratio | "
                 "start to first stop at a breakpoint (--debug-port, DAP client attached) |",
             "|---|---|---|---|---|"]
    lines += ["| %s | %s | %s | %s | %s |" % row for row in rows]
    with open(os.path.join(BENCH, "debugging.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
