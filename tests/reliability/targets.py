"""The function behind each way of calling it: `Target.invoke(event) -> rkit.Reply`.

Targets: one-shot on a host interpreter or in an image (`docker run -i`, the event on standard input); the framed
protocol over `--serve stdio` (host) or `--serve tcp:` (image, one persistent connection, so a stray extra frame
would surface as the answer to the next request); `--serve http:` (image, `POST /invoke`). Serving targets stay warm
for the whole session, so every fault is survived by the same server process.
"""
import glob
import http.client
import itertools
import json
import os
import re
import subprocess
import time

import rkit

TIMEOUT_S = 3
MEMORY_MB = 128
PYTHONS_VARIABLE = "FNRUNTIME_TEST_PYTHONS"


def host_python(version):
    """Path of the host interpreter for `version` (FNRUNTIME_TEST_PYTHONS, else the newest pyenv build), or None."""
    setting = os.environ.get(PYTHONS_VARIABLE, "")
    for item in filter(None, (p.strip() for p in setting.split(","))):
        key, _, path = item.partition("=")
        if key.strip() == version and os.access(path.strip(), os.X_OK):
            return path.strip()
    if setting:
        return None
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = [d for d in glob.glob(os.path.join(root, "versions", version + ".*"))
             if re.match(r"^\d+\.\d+\.\d+$", os.path.basename(d))]
    found.sort(key=lambda d: [int(x) for x in os.path.basename(d).split(".")], reverse=True)
    for folder in found:
        path = os.path.join(folder, "bin", "python" + version)
        if os.access(path, os.X_OK):
            return path
    return None


def runtime_env(provider, extra=None):
    env = {"FUNCTION_PROVIDER": provider, "FUNCTION_TIMEOUT": str(TIMEOUT_S), "FUNCTION_MEMORY_SIZE": str(MEMORY_MB)}
    env.update(extra or {})
    return env


def event_bytes(event):
    return event if isinstance(event, bytes) else json.dumps(event).encode("utf-8")


class Target(object):
    mode = None
    where = None
    warm = True

    def __init__(self, version, provider):
        self.version = version
        self.provider = provider
        self.ids = itertools.count(1)

    @property
    def label(self):
        return "%s-py%s-%s-%s" % (self.where, self.version.replace(".", ""), self.mode, self.provider)

    def invoke(self, event, timeout=90, options=()):
        """One invocation; `options` are command-line options for a one-shot run (a server has its own)."""
        raise NotImplementedError

    def close(self):
        pass


class OneShot(Target):
    mode = "oneshot"
    warm = False

    def __init__(self, version, provider, argv, env=None):
        Target.__init__(self, version, provider)
        self.argv = argv
        self.env = env

    def invoke(self, event, timeout=90, options=()):
        argv = self.argv[:-1] + list(options) + self.argv[-1:]
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=self.env, start_new_session=True)
        try:
            out, err = process.communicate(event_bytes(event), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            out, err = process.communicate()
            raise AssertionError("one-shot run did not end within %ss: %s\nstderr ...%s" % (
                timeout, " ".join(argv), err[-3000:].decode("utf-8", "replace")))
        return rkit.Reply.from_oneshot(out, err, process.returncode)


def host_oneshot(version, provider, env=None):
    argv = [host_python(version), rkit.BOOTSTRAP, "--code", rkit.FUNCTIONS, rkit.FAULTS_HANDLER]
    target = OneShot(version, provider, argv, rkit.clean_env(runtime_env(provider, env)))
    target.where = "host"
    return target


def image_oneshot(tag, provider, env=None, extra=()):
    argv = [rkit.docker_cli(), "run", "--rm", "-i", "-v", "%s:/var/task:ro" % rkit.FUNCTIONS]
    for key, value in sorted(runtime_env(provider, env).items()):
        argv += ["-e", "%s=%s" % (key, value)]
    argv += rkit.runtime_mounts() + list(extra) + [rkit.image(tag), rkit.FAULTS_HANDLER]
    target = OneShot(rkit.VERSION_OF_TAG[tag], provider, argv, None)
    target.where = "image"
    return target


class Framed(Target):
    """Requests and responses as frames over one stream; each response must carry its request's id."""

    def exchange(self, request, timeout):
        raise NotImplementedError

    def invoke(self, event, timeout=90, options=()):
        frame_id = next(self.ids)
        request = {"id": frame_id}
        if isinstance(event, bytes):
            import base64
            request["event_b64"] = base64.b64encode(event).decode("ascii")
        else:
            request["event"] = event
        return rkit.Reply.from_frame(self.exchange(request, timeout), frame_id)


class StdioServer(Framed):
    """`--serve stdio` in a host process: frames on its stdin and stdout; its stderr goes to a file."""

    mode = "stdio"
    where = "host"

    def __init__(self, version, provider, stderr_path, env=None, handler=rkit.FAULTS_HANDLER):
        Framed.__init__(self, version, provider)
        argv = [host_python(version), rkit.BOOTSTRAP, "--code", rkit.FUNCTIONS, "--serve", "stdio", handler]
        self.stderr_path = stderr_path
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=open(stderr_path, "wb"), env=rkit.clean_env(runtime_env(provider, env)),
                                        start_new_session=True)

    def exchange(self, request, timeout):
        assert self.process.poll() is None, "the stdio server exited (%s); stderr ...%s" % (
            self.process.returncode, open(self.stderr_path, "rb").read()[-3000:])
        self.process.stdin.write(rkit.pack(request))
        self.process.stdin.flush()
        fd = self.process.stdout.fileno()
        deadline = time.time() + timeout

        def recv(count):
            if not rkit.wait_readable(fd, max(0.0, deadline - time.time())):
                raise AssertionError("no response frame within %ss" % timeout)
            return os.read(fd, count)
        return rkit.read_frame(recv)

    def supervisor_stats(self):
        pid = self.process.pid
        with open("/proc/%d/status" % pid) as status:
            rss = int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
        return rss, len(os.listdir("/proc/%d/fd" % pid))

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()


class TcpServer(Framed):
    """`--serve tcp:0.0.0.0:9000` in a container published on 127.0.0.1; one persistent connection."""

    mode = "tcp"
    where = "image"

    def __init__(self, tag, provider, env=None, extra=()):
        Framed.__init__(self, rkit.VERSION_OF_TAG[tag], provider)
        self.container = rkit.Container(tag, ["--serve", "tcp:0.0.0.0:9000", rkit.FAULTS_HANDLER],
                                        env=runtime_env(provider, env), port=9000, extra=extra)
        self.sock = None

    def exchange(self, request, timeout):
        if self.sock is None:
            self.sock = rkit.connect(self.container.address, timeout)
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(rkit.pack(request))
            return rkit.read_frame(self.sock.recv)
        except Exception:
            self.sock.close()
            self.sock = None
            raise

    def wait_ready(self, seconds=90):
        def ready():
            try:
                return self.invoke({"nonce": "ready"}, timeout=10).ok
            except (OSError, EOFError, ValueError, AssertionError):
                self.sock = None
                return False
        if not rkit.wait_until(ready, seconds, pause=0.5):
            raise AssertionError("runtime:py%s did not answer on %s; its log:\n%s" % (
                self.version.replace(".", ""), self.container.address, self.container.logs()[-3000:]))

    def supervisor_stats(self):
        return self.container.supervisor_stats()

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.container.remove()


class HttpServer(Target):
    """`--serve http:0.0.0.0:8080` in a container: `POST /invoke` with the event as the body."""

    mode = "http"
    where = "image"

    def __init__(self, tag, provider, env=None, extra=()):
        Target.__init__(self, rkit.VERSION_OF_TAG[tag], provider)
        self.container = rkit.Container(tag, ["--serve", "http:0.0.0.0:8080", rkit.FAULTS_HANDLER],
                                        env=runtime_env(provider, env), port=8080, extra=extra)

    def request(self, method, path, body=None, headers=None, timeout=90):
        connection = http.client.HTTPConnection(self.container.address[0], self.container.address[1],
                                                timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def invoke(self, event, timeout=90, options=()):
        """POST /invoke asking for the log's tail (`X-Log-Type: Tail`, answered base64 in `X-Log-Result`)."""
        status, headers, body = self.request("POST", "/invoke", event_bytes(event),
                                             {"Content-Type": "application/json", "X-Log-Type": "Tail"}, timeout)
        return rkit.Reply.from_http(status, headers, body)

    def wait_ready(self, seconds=90):
        def ready():
            try:
                return self.invoke({"nonce": "ready"}, timeout=10).ok
            except (OSError, ValueError, AssertionError, http.client.HTTPException):
                return False
        if not rkit.wait_until(ready, seconds, pause=0.5):
            raise AssertionError("runtime:py%s did not answer HTTP on %s; its log:\n%s" % (
                self.version.replace(".", ""), self.container.address, self.container.logs()[-3000:]))

    def supervisor_stats(self):
        return self.container.supervisor_stats()

    def close(self):
        self.container.remove()
