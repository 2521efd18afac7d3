"""Helpers of the serve suites: start `bootstrap.py --serve ...` on a host interpreter, reach it, stop it.

`start(python, mode, code_dir, ...)` runs the real bootstrap in its own session with standard error in a file (it is
never a pipe nobody reads) and waits until it listens; `Served.client()` is the package's own host client
(`fnruntime.client.Client`), over the socket or, for stdio, over the process's pipes.
"""
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import pytest



def _root_conftest():
    """tests/conftest.py as pytest loaded it (several suites have a conftest.py, so `import conftest` is ambiguous)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py")
    for module in list(sys.modules.values()):
        if os.path.abspath(getattr(module, "__file__", None) or "") == path:
            return module
    import importlib.util  # another suite's conftest took the name: load a private copy of the helpers
    spec = importlib.util.spec_from_file_location("_fnruntime_tests_root_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[spec.name] = module
    return module


_ROOT = _root_conftest()
BOOTSTRAP, FUNCTIONS, REPO, clean_environment = _ROOT.BOOTSTRAP, _ROOT.FUNCTIONS, _ROOT.REPO, _ROOT.clean_environment
sys.path.insert(0, os.path.join(REPO, "bootstrap"))
from fnruntime.client import Client  # noqa: E402  (the package under test, host side)
from fnruntime.protocol import fd_reader, write_all_fd  # noqa: E402

FRAMED_MODES = ("stdio", "unix", "tcp")
SOCKET_MODES = ("unix", "tcp")
ALL_MODES = FRAMED_MODES + ("http",)
LISTENING = re.compile(r"fnruntime: listening on (\S+)")
START_SECONDS = 30


class Served(object):
    """A running server: its process, address (`unix:...`, `tcp:...`, `http:...` or `stdio`) and standard error."""

    def __init__(self, process, mode, address, stderr_path, socket_dir):
        self.process = process
        self.mode = mode
        self.address = address
        self.stderr_path = stderr_path
        self.socket_dir = socket_dir
        self.stdio_client = None

    @property
    def host_port(self):
        host, port = self.address.split(":", 1)[1].rsplit(":", 1)
        return host, int(port)

    def stderr(self):
        with open(self.stderr_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def client(self, timeout=120):
        """A framed-protocol client: a new connection (sockets) or the one stdio stream."""
        if self.mode == "stdio":
            if self.stdio_client is None:
                out_fd, in_fd = self.process.stdout.fileno(), self.process.stdin.fileno()
                self.stdio_client = Client(fd_reader(out_fd), lambda data: write_all_fd(in_fd, data),
                                           lambda: None, "stdio server")
            return self.stdio_client
        return Client.connect(self.address, timeout=timeout)

    def raw_socket(self, timeout=30):
        """A plain connected socket (unix or tcp/http) for tests that send bytes the client would not."""
        if self.address.startswith("unix:"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(self.address[5:])
            return sock
        sock = socket.create_connection(self.host_port, timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def alive(self):
        return self.process.poll() is None

    def stop(self, signum=signal.SIGTERM, timeout=30):
        """Send `signum` and wait for the exit status (fails the test if it does not exit in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill(self.process)
            pytest.fail("the server did not exit within %ss of signal %d; stderr:\n%s"
                        % (timeout, signum, self.stderr()[-3000:]))

    def close(self):
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        kill(self.process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        if self.socket_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)


def kill(process):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def start(python, mode, code_dir, workdir, args=(), env=None, handler=None, address=None):
    """Start `bootstrap.py --code DIR --serve ADDRESS [ARGS] [HANDLER]` and wait until it serves."""
    socket_dir = None
    if address is not None:
        pass
    elif mode == "stdio":
        address = "stdio"
    elif mode == "unix":
        socket_dir = tempfile.mkdtemp(prefix="fnr-")  # short: unix socket paths are limited to 107 bytes
        address = "unix:" + os.path.join(socket_dir, "function.sock")
    else:
        address = "%s:127.0.0.1:0" % mode
    stderr_path = os.path.join(str(workdir), "server-%s-%d.err" % (mode, time.time() * 1e6))
    argv = [python.path, BOOTSTRAP, "--code", str(code_dir), "--serve", address] + list(args)
    if handler:
        argv.append(handler)
    stderr = open(stderr_path, "wb")
    try:
        process = subprocess.Popen(argv, stdin=subprocess.PIPE if mode == "stdio" else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE if mode == "stdio" else subprocess.DEVNULL, stderr=stderr,
                                   env=clean_environment(env), start_new_session=True, bufsize=0)
    finally:
        stderr.close()
    served = Served(process, mode, address, stderr_path, socket_dir)
    if mode != "stdio":
        served.address = wait_listening(served)
    return served


def wait_listening(served):
    deadline = time.time() + START_SECONDS
    while time.time() < deadline:
        match = LISTENING.search(served.stderr())
        if match:
            return match.group(1)
        if not served.alive():
            pytest.fail("the server exited with status %s before listening; stderr:\n%s"
                        % (served.process.returncode, served.stderr()))
        time.sleep(0.02)
    served.close()
    pytest.fail("the server did not listen within %ss; stderr:\n%s" % (START_SECONDS, served.stderr()))


# -- raw frames (for what the client would never send) ---------------------------------------------------------------

def frame(obj):
    payload = obj if isinstance(obj, bytes) else json.dumps(obj).encode("utf-8")
    return struct.pack(">I", len(payload)) + payload


def read_exact(sock, count):
    chunks = []
    while count:
        chunk = sock.recv(count)
        if not chunk:
            raise EOFError("connection closed with %d bytes of a frame missing" % count)
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_frame(sock):
    (length,) = struct.unpack(">I", read_exact(sock, 4))
    return json.loads(read_exact(sock, length).decode("utf-8"))


def closed_by_peer(sock, timeout=10):
    """True when the server closes the connection (EOF or reset) within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def function_dir(name):
    return os.path.join(FUNCTIONS, name)


def error_message(response):
    """The message inside a provider-shaped error body."""
    error = response["error"]
    return error.get("errorMessage") or error.get("error_message") or ""


# -- raw HTTP (for what http.client would never send) -----------------------------------------------------------------

class RawResponse(object):
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (lower-case name, value)
        self.body = body

    def header(self, name):
        values = [v for k, v in self.headers if k == name.lower()]
        return values[0] if values else None

    def __repr__(self):
        return "<HTTP %d %s %r %r>" % (self.status, self.reason, self.headers, self.body[:300])


class HttpReader(object):
    """Reads HTTP/1.1 responses, one after another, from a socket (responses carry Content-Length)."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection; unread: %r" % self.buffer[:200])
        self.buffer += chunk

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buffer:
            self.fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        assert version == "HTTP/1.1", lines[0]
        headers = [(name.strip().lower(), value.strip()) for name, _, value in (l.partition(":") for l in lines[1:])]
        lengths = [v for k, v in headers if k == "content-length"]
        length = 0 if head_only or not lengths else int(lengths[0])
        while len(self.buffer) < length:
            self.fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return RawResponse(int(status), reason, headers, body)


def wait_for_path(path, served=None, timeout=60):
    """Wait until `path` exists (a marker a handler writes when its invocation runs); fail with the server's log
    when it does not appear within `timeout` or the server exits first."""
    deadline = time.time() + timeout
    while not os.path.exists(str(path)):
        if served is not None and not served.alive():
            raise AssertionError("the server exited before %s appeared:\n%s" % (path, served.stderr()))
        if time.time() > deadline:
            raise AssertionError("%s did not appear within %ss (the request never started)%s"
                                 % (path, timeout, "" if served is None else ":\n" + served.stderr()))
        time.sleep(0.005)


def hold_event(workdir, name):
    """The serve_mix "hold" event and its two files: (event, marker path, release path)."""
    marker, release = os.path.join(str(workdir), name + ".running"), os.path.join(str(workdir), name + ".release")
    return {"action": "hold", "marker": marker, "release": release}, marker, release


def release(path):
    with open(str(path), "w"):
        pass
