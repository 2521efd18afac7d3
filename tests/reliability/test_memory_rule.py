"""Issue 11, item 3: memory is held as a memory cgroup holds it, for the whole instance (bootstrap/fnruntime/memory.py).

Anonymous and shared memory count, summed over the worker and every process it started; clean file-backed pages (a
file read through mmap, mapped libraries) do not. On the host interpreters (framed stdio, `--memory 128`), and for
the built-in libraries in runtime:py36 and runtime:py27.
"""
import json
import subprocess
import time
import uuid

import pytest

import rkit
import targets

HANDLER = "memory_rule/index.handler"
VERSIONS = ["2.7", "3.6", "3.7"]
LIMIT_MB = 128


@pytest.fixture(params=VERSIONS)
def server(request, tmp_path):
    if targets.host_python(request.param) is None:
        pytest.skip("Python %s is not on this host" % request.param)
    target = targets.StdioServer(request.param, "tencent", str(tmp_path / "server.stderr"), handler=HANDLER)
    yield target
    target.close()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (IOError, OSError):
        return False


def test_a_mapped_file_read_whole_does_not_count(server):
    reply = server.invoke({"use": "mmap", "mb": 300}, timeout=120)
    assert reply.ok, reply
    during = reply.result["during"]
    assert during["RssFile"] > 250 * 1024, "the file's pages were resident while mapped: %r" % during
    assert during["VmRSS"] > LIMIT_MB * 1024, "resident over the limit, yet not killed: %r" % during


def test_anonymous_memory_over_the_limit_is_out_of_memory(server):
    reply = server.invoke({"use": "anon", "mb": 200}, timeout=60)
    assert not reply.ok and reply.error_type == "OutOfMemory", reply
    used = float(rkit.re.search(r"MemUsage:([\d.]+)MB", reply.log).group(1))
    assert used > LIMIT_MB, "a function killed for its memory is shown over its limit: %r" % reply.log


def test_a_child_process_counts_and_ends_with_the_instance(server, tmp_path):
    pidfile = str(tmp_path / ("child-%s.pid" % uuid.uuid4().hex[:8]))
    reply = server.invoke({"use": "child", "mb": 200, "pidfile": pidfile}, timeout=60)
    assert not reply.ok and reply.error_type == "OutOfMemory", reply
    child = int(open(pidfile).read())
    deadline = time.time() + 10
    while alive(child) and time.time() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the child %d that held the memory outlived its instance" % child
    after = server.invoke({"use": "none"})
    assert after.ok, after


def run_builtins(tag, memory_mb):
    argv = [rkit.docker_cli(), "run", "--rm", "-i", "-v", "%s:/var/task:ro" % rkit.FUNCTIONS,
            "-e", "FUNCTION_MEMORY_SIZE=%d" % memory_mb, "-e", "FUNCTION_TIMEOUT=120"] + rkit.runtime_mounts() + \
        [rkit.image(tag), HANDLER]
    done = subprocess.run(argv, input=b'{"use": "builtins"}', stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=300)
    return rkit.Reply.from_oneshot(done.stdout, done.stderr, done.returncode)


@pytest.mark.docker
@pytest.mark.parametrize("tag", ["py36", "py27"])
def test_the_built_in_libraries_run_in_128_mb_if_their_anonymous_memory_fits(docker_ready, tag):
    measured = run_builtins(tag, 3008)
    assert measured.ok, measured
    figures = measured.result["figures"]
    counted = figures["RssAnon"] + figures.get("RssShmem", 0)
    peak = max(counted, figures["VmHWM"] - figures["RssFile"])  # the runtime's own estimate (memory.py)
    print("\nruntime:%s, the built-in libraries imported (%s): VmRSS %.1f MB = RssAnon %.1f + RssFile %.1f + "
          "RssShmem %.1f MB; counted now %.1f MB, at the peak of the imports %.1f MB (VmHWM %.1f - RssFile); "
          "Max Memory Used %s" % (
              tag, ", ".join(measured.result["imported"]), figures["VmRSS"] / 1024.0, figures["RssAnon"] / 1024.0,
              figures["RssFile"] / 1024.0, figures.get("RssShmem", 0) / 1024.0, counted / 1024.0, peak / 1024.0,
              figures["VmHWM"] / 1024.0, rkit.re.search(r"MemUsage:([\d.]+MB)", measured.log).group(1)))
    assert figures["VmRSS"] > counted, figures
    reply = run_builtins(tag, LIMIT_MB)
    fits = peak < LIMIT_MB * 1024
    assert reply.ok == fits, "counted %.0f MB at the peak against %d MB: %r" % (peak / 1024.0, LIMIT_MB, reply)
    if not fits:
        assert reply.body.get("statusCode") == 434, reply
