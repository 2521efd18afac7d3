"""Soak: N invocations through one warm serve-mode container; the supervisor's memory and descriptors stay flat.

    .venv/bin/python tests/reliability/soak.py --tag py36 --invocations 100000

Starts `runtime:TAG --serve tcp:0.0.0.0:9000 counter/index.handler`, sends N framed requests over one connection
(a window of requests in flight, ids checked in order), and samples PID 1 (the supervisor) from /proc: VmRSS and
open descriptors, after a warm-up and every tenth of the run. The counter function's module-level count proves that
every invocation ran in the same warm worker (no restart, nothing lost). Prints a table and a summary; exit 1 when
anything was lost or the supervisor grew. tests/reliability/test_soak.py runs it with the CI count.
"""
import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rkit  # noqa: E402

WARMUP = 1000
WINDOW = 8
#: Allowed growth of the supervisor's RSS between the warm-up sample and the end (allocator noise, not a leak).
RSS_SLACK_KB = 2048


def sample(container):
    rss, fds = container.supervisor_stats()
    return {"rss_kb": rss, "fds": fds}


def run_requests(sock, first_id, count, expect_count_from, counts=None):
    """Send `count` requests keeping WINDOW in flight; check each answer's id and the counter's value: with one
    instance it counts on from `expect_count_from`; with several (`counts`: instance -> its last count and pid) each
    instance's own counter goes up by one each time, in the same worker."""
    recv = sock.recv
    next_id = first_id
    last_id = first_id + count
    answered = 0
    while next_id < min(first_id + WINDOW, last_id):
        sock.sendall(rkit.pack({"id": next_id, "event": {}}))
        next_id += 1
    expected_id = first_id
    while answered < count:
        frame = rkit.read_frame(recv)
        if frame.get("id") != expected_id or not frame.get("ok"):
            raise AssertionError("request %d answered with %s" % (expected_id, rkit.short(frame)))
        result = frame["result"] if isinstance(frame["result"], dict) else json.loads(frame["result"])
        if counts is not None:
            last_count, last_pid = counts.get(frame["instance"], (0, result["pid"]))
            if result["count"] != last_count + 1 or result["pid"] != last_pid:
                raise AssertionError("instance %s answered count %s (pid %s) after %s (pid %s): a restart or a lost "
                                     "invocation" % (frame["instance"], result["count"], result["pid"], last_count,
                                                     last_pid))
            counts[frame["instance"]] = (result["count"], result["pid"])
        elif result["count"] != expect_count_from + answered:
            raise AssertionError("count %s for request %d, expected %d: a restart or a lost invocation"
                                 % (result["count"], expected_id, expect_count_from + answered))
        answered += 1
        expected_id += 1
        if next_id < last_id:
            sock.sendall(rkit.pack({"id": next_id, "event": {}}))
            next_id += 1
    return result


def soak(tag, invocations, out=sys.stdout, env=None, instances=1):
    """Run the soak; returns a dict of figures (raises AssertionError when an answer is wrong)."""
    container = rkit.Container(tag, ["--serve", "tcp:0.0.0.0:9000", "--instances", str(instances),
                                     "counter/index.handler"],
                               env=dict({"FUNCTION_TIMEOUT": "10"}, **(env or {})))
    counts = {} if instances > 1 else None
    try:
        deadline = time.time() + 90
        while True:
            try:
                sock = socket.create_connection(container.address, timeout=60)
                sock.sendall(rkit.pack({"id": 0, "event": {}}))
                first = rkit.read_frame(sock.recv)
                break
            except (OSError, EOFError, ValueError):
                if time.time() > deadline:
                    raise AssertionError("runtime:%s did not answer: %s" % (tag, container.logs()[-2000:]))
                time.sleep(0.5)
        assert first["ok"] and first["result"]["count"] == 1, first
        if counts is not None:
            counts[first["instance"]] = (1, first["result"]["pid"])
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        worker_pid = first["result"]["pid"]
        run_requests(sock, 1, WARMUP, 2, counts)
        samples = [dict(sample(container), done=0, seconds=0.0)]
        done = 0
        step = max(1, invocations // 10)
        started = time.time()
        out.write("soak runtime:%s: %d invocations after a warm-up of %d\n" % (tag, invocations, WARMUP + 1))
        out.write("%12s %10s %10s %6s\n" % ("invocations", "seconds", "RSS kB", "fds"))
        out.write("%12d %10.1f %10d %6d\n" % (0, 0.0, samples[0]["rss_kb"], samples[0]["fds"]))
        while done < invocations:
            batch = min(step, invocations - done)
            result = run_requests(sock, WARMUP + 1 + done, batch, WARMUP + 2 + done, counts)
            done += batch
            row = dict(sample(container), done=done, seconds=time.time() - started)
            samples.append(row)
            out.write("%12d %10.1f %10d %6d\n" % (done, row["seconds"], row["rss_kb"], row["fds"]))
            out.flush()
        sock.close()
        elapsed = time.time() - started
        if counts is not None:  # every instance's counter, summed; each instance kept its first worker (checked above)
            final_count, same_worker = sum(count for count, _ in counts.values()), True
        else:
            final_count, same_worker = result["count"], result["pid"] == worker_pid
        figures = {
            "tag": tag, "instances": instances, "invocations": invocations, "answered": done,
            "lost": invocations - done, "final_count": final_count, "same_worker": same_worker,
            "seconds": round(elapsed, 1), "per_second": round(done / elapsed, 1),
            "rss_kb_start": samples[0]["rss_kb"], "rss_kb_end": samples[-1]["rss_kb"],
            "rss_kb_max": max(s["rss_kb"] for s in samples),
            "fds_start": samples[0]["fds"], "fds_end": samples[-1]["fds"],
            "container_running": container.running(),
        }
        out.write("summary: %s\n" % json.dumps(figures, sort_keys=True))
        return figures
    finally:
        container.remove()


def verdict(figures):
    """Problems found in the figures (empty when the soak passed)."""
    problems = []
    if figures["lost"] or figures["final_count"] != figures["invocations"] + WARMUP + 1:
        problems.append("invocations lost or repeated: %s" % figures)
    if not figures["same_worker"]:
        problems.append("the warm worker was replaced during the soak")
    if figures["rss_kb_end"] - figures["rss_kb_start"] > RSS_SLACK_KB:
        problems.append("supervisor RSS grew from %d kB to %d kB" % (figures["rss_kb_start"], figures["rss_kb_end"]))
    if figures["fds_end"] != figures["fds_start"]:
        problems.append("supervisor descriptors went from %d to %d" % (figures["fds_start"], figures["fds_end"]))
    if not figures["container_running"]:
        problems.append("the container stopped")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="py36", choices=rkit.TAGS)
    parser.add_argument("--invocations", type=int, default=100000)
    parser.add_argument("--instances", type=int, default=1, help="serve with --instances N (default 1)")
    args = parser.parse_args(argv)
    figures = soak(args.tag, args.invocations, instances=args.instances)
    problems = verdict(figures)
    for problem in problems:
        print("FAIL: %s" % problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
