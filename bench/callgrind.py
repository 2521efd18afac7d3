"""Instruction counts under valgrind's callgrind: figures that do not depend on the machine's load. Every process a
command forks writes its own count; per round trip and per HTTP request they are the difference between a long and
a short run, so start-up cancels out.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from measure import Server, descendants, free_port, round_trips, wait_http


def callgrind_totals(argv, env=None, cwd=None, stdin=None, drive=None):
    """Run `argv` under callgrind; {pid: instructions} of every process it forked (each dumps its own file).

    `drive(server)` talks to a framed server over stdio (see `Server`) before it is told to stop; a worker is then
    ended with SIGTERM (not SIGKILL, which would lose its counts)."""
    directory = tempfile.mkdtemp(prefix="bench-cg-")
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s/cg.%%p" % directory] + argv
    env = dict(env or os.environ, PYTHONHASHSEED="0")
    try:
        if drive is None:
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=env, cwd=cwd, timeout=600)
        else:
            server = Server(command, "stdio", env=env)
            try:
                drive(server)
                for pid in descendants(server.proc.pid)[1:]:
                    os.kill(pid, signal.SIGTERM)
                time.sleep(2)
                server.proc.stdin.close()
                server.proc.wait(timeout=120)
            finally:
                if server.proc.poll() is None:
                    server.proc.kill()
                    server.proc.wait()
        totals = {}
        for name in os.listdir(directory):
            with open(os.path.join(directory, name)) as handle:
                for line in handle:
                    if line.startswith("summary:"):
                        totals[int(name.split(".")[1])] = int(line.split()[1])
                        break
        return totals
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def instructions_per_round_trip(argv, small=100, large=600):
    """Instructions per framed round trip of the server process and of its worker(s): the difference between a run
    of `large` and one of `small` round trips, divided by their difference (start-up cancels out)."""
    def run(count):
        box = {}

        def drive(server):
            box["pid"] = server.proc.pid
            round_trips(server.channel, count, 0)
        totals = callgrind_totals(argv, drive=drive)
        server = totals.pop(box["pid"], 0)
        return server, sum(totals.values())
    (s1, w1), (s2, w2) = run(small), run(large)
    return {"server": (s2 - s1) / float(large - small), "worker": (w2 - w1) / float(large - small)}


def http_posts(port, path, count):
    """`count` POSTs of `{}` on one keep-alive connection; each must answer 200."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for _ in range(count):
            connection.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError("POST %s answered %d" % (path, response.status))
    finally:
        connection.close()


def instructions_per_http_request(make_argv, path, small=100, large=600):
    """Instructions per keep-alive `POST` over every process of an HTTP server (difference of two runs under
    callgrind); `make_argv(port)` is the server's command line. The server is stopped with SIGTERM."""
    def run(count):
        port = free_port()
        directory = tempfile.mkdtemp(prefix="bench-cg-")
        command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s/cg.%%p" % directory] + make_argv(port)
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONHASHSEED="0"))
        try:
            wait_http(port, 300, proc)
            http_posts(port, path, 10 + count)
            proc.send_signal(signal.SIGTERM)  # the server ends its own workers, which write their counts
            proc.wait(timeout=120)
            time.sleep(2)
            total = 0
            for name in os.listdir(directory):
                with open(os.path.join(directory, name)) as handle:
                    total += next((int(line.split()[1]) for line in handle if line.startswith("summary:")), 0)
            return total
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            shutil.rmtree(directory, ignore_errors=True)
    return (run(large) - run(small)) / float(large - small)
