"""Reliability kit: the ways to reach a function (one-shot, framed stdio/TCP, HTTP; host interpreter or image) behind
one `invoke(event) -> Reply`, and checks of error replies against each provider's documented body shape.

A Reply is decoded from what the caller really receives (stdout/exit status, a response frame, an HTTP response), so
a check fails when any of them is malformed. Nothing here knows the runtime's internals.
"""
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BOOTSTRAP = os.path.join(REPO, "bootstrap", "bootstrap.py")
FUNCTIONS = os.path.join(REPO, "tests", "functions")
TAGS = ("py27", "py36", "py37")
VERSION_OF_TAG = {"py27": "2.7", "py36": "3.6", "py37": "3.7"}
DEFAULT_PROVIDER = {"py27": "tencent", "py36": "tencent", "py37": "jdcloud"}
FAULTS_HANDLER = "faults/index.handler"

#: Tencent's body has no type field: its statusCode tells failures apart (ARCHITECTURE.md, Error bodies).
TENCENT_STATUS = {
    "UnhandledError": 430, "FunctionTimeout": 433, "OutOfMemory": 434, "HandlerNotFound": 437, "ProcessExited": 439,
    "ResultNotSerializable": 407, "ResultTooLarge": 407, "PayloadTooLarge": 406, "InvalidEvent": 406, "InvalidRequest": 406,
}
BODY_KEYS = {
    "tencent": {"errorCode", "errorMessage", "requestId", "stackTrace", "statusCode"},
    "aliyun": {"errorMessage", "errorType", "stackTrace"},
    "jdcloud": {"error_message", "error_type", "error_trace"},
}
HEADER = struct.Struct(">I")


# -- framing ------------------------------------------------------------------------------------------------------------

def pack(obj):
    data = json.dumps(obj).encode("utf-8")
    return HEADER.pack(len(data)) + data


def read_exact(recv, count):
    chunks = []
    while count:
        chunk = recv(min(count, 1 << 20))
        if not chunk:
            raise EOFError("stream closed with %d bytes of the frame missing" % count)
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_frame(recv):
    """One frame's JSON object; EOFError when the stream ends (or ended midway)."""
    (length,) = HEADER.unpack(read_exact(recv, 4))
    payload = read_exact(recv, length)
    return json.loads(payload.decode("utf-8"))


# -- replies ------------------------------------------------------------------------------------------------------------

class Reply(object):
    """One answer, as decoded from what the caller got. `error_type` is the stable type when the channel carries it
    (frames, HTTP header), else None (one-shot: only the body). `result` is the decoded JSON result (or raw text)."""

    def __init__(self, ok, result=None, body=None, error_type=None, log="", raw=None, init=None, request_id=None):
        self.ok = ok
        self.result = result
        self.body = body
        self.error_type = error_type
        self.log = log
        self.raw = raw
        self.init = init
        self.request_id = request_id

    def __repr__(self):
        return "Reply(ok=%r, error_type=%r, body=%s, result=%s, log=...%r)" % (
            self.ok, self.error_type, short(self.body), short(self.result), self.log[-1500:])

    @classmethod
    def from_frame(cls, frame, request_id=None):
        if request_id is not None:
            assert frame.get("id") == request_id, "response id %r for request %r: %s" % (
                frame.get("id"), request_id, short(frame))
        assert isinstance(frame.get("ok"), bool) and isinstance(frame.get("log"), str), short(frame)
        for key in ("request_id", "duration_ms", "billed_duration_ms", "max_memory_used_mb"):
            assert key in frame, "response frame lacks %r: %s" % (key, short(frame))
        if frame["ok"]:
            if "result_b64" in frame:
                import base64
                result = base64.b64decode(frame["result_b64"])
            else:
                result = frame.get("result")
            return cls(True, result=result, log=frame["log"], raw=frame, init=frame.get("init_duration_ms"),
                       request_id=frame["request_id"])
        assert isinstance(frame.get("error"), dict) and isinstance(frame.get("error_type"), str), short(frame)
        return cls(False, body=frame["error"], error_type=frame["error_type"], log=frame["log"], raw=frame,
                   init=frame.get("init_duration_ms"), request_id=frame["request_id"])

    @classmethod
    def from_oneshot(cls, stdout, stderr, status):
        log = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
        assert status in (0, 1), "one-shot exit status %r (0 success, 1 function error); stdout %r; stderr ...%s" % (
            status, stdout[:500], log[-3000:])
        try:
            decoded = json.loads(stdout.decode("utf-8")) if stdout else None
        except ValueError:
            decoded = stdout.decode("utf-8", "replace")
        if status == 0:
            return cls(True, result=decoded, log=log, raw=stdout)
        assert isinstance(decoded, dict), "a function error prints its JSON body; stdout %r; stderr ...%s" % (
            stdout[:500], log[-3000:])
        return cls(False, body=decoded, log=log, raw=stdout)

    @classmethod
    def from_http(cls, status, headers, body):
        headers = dict((k.lower(), v) for k, v in headers)
        error_type = headers.get("x-function-error-type")
        request_id = headers.get("x-request-id") or headers.get("x-fc-request-id") or headers.get("x-scf-request-id")
        log = ""
        if headers.get("x-log-result"):
            import base64
            log = base64.b64decode(headers["x-log-result"]).decode("utf-8", "replace")
        try:
            decoded = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            decoded = body.decode("utf-8", "replace")
        init = headers.get("x-function-init-duration-ms")
        if status == 200 and not error_type:
            return cls(True, result=decoded, raw=body, request_id=request_id, log=log, init=init)
        assert error_type, "HTTP %d without X-Function-Error-Type: %r" % (status, body[:500])
        assert status >= 400, "a function error (%s) answered with HTTP %d" % (error_type, status)
        assert isinstance(decoded, dict), "HTTP error body is not a JSON object: %r" % body[:500]
        return cls(False, body=decoded, error_type=error_type, raw=body, request_id=request_id, log=log, init=init)


def short(value, limit=600):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...(%d chars)" % len(text)


def error_message(body):
    return body.get("errorMessage", body.get("error_message"))


#: FC's own names in the aliyun body where they differ from the stable type (issue 18 item 6).
ALIYUN_BODY_TYPE = {"MalformedHandlerName": "InvalidHandleName", "ResultNotSerializable": "TypeError"}


def body_type(body, provider):
    """The type a provider's body shows: errorType / error_type, or tencent's statusCode."""
    return {"tencent": "statusCode", "aliyun": "errorType", "jdcloud": "error_type"}[provider]


def check_error(reply, provider, stable_type, shown_type=None, message=None, tencent_status=None):
    """A well-formed error reply of `stable_type`: the provider's exact key set, the type it shows (the exception
    class `shown_type` for handler exceptions, else the stable type; tencent: the statusCode), and a message that
    matches the regular expression `message` when given."""
    assert not reply.ok, "expected a %s error, got success: %r" % (stable_type, reply)
    body = reply.body
    assert set(body) == BODY_KEYS[provider], "%s body keys %s, expected %s: %r" % (
        provider, sorted(body), sorted(BODY_KEYS[provider]), reply)
    if reply.error_type is not None:
        assert reply.error_type == stable_type, "error type %r, expected %r: %r" % (reply.error_type, stable_type,
                                                                                   reply)
    if provider == "tencent":
        assert body["errorCode"] == -1 and isinstance(body["stackTrace"], str), reply
        status = tencent_status or TENCENT_STATUS[stable_type]
        assert body["statusCode"] == status, "tencent statusCode %r for %s, expected %r: %r" % (
            body["statusCode"], stable_type, status, reply)
        if stable_type == "UnhandledError":
            assert body["errorMessage"] == "user code exception caught", reply
    else:
        key = body_type(body, provider)
        shown = shown_type or (ALIYUN_BODY_TYPE.get(stable_type, stable_type) if provider == "aliyun" else stable_type)
        assert body[key] == shown, "%s %r, expected %r: %r" % (key, body[key], shown, reply)
        trace = body["stackTrace" if provider == "aliyun" else "error_trace"]
        assert isinstance(trace, list) and all(isinstance(f, list) and len(f) == 4 for f in trace), reply
    if message is not None and not (provider == "tencent" and stable_type == "UnhandledError"):
        assert re.search(message, error_message(body)), "message %r does not match %r" % (error_message(body),
                                                                                          message)
    assert "fnruntime" not in json.dumps(body), "a frame of the runtime shows in the body: %r" % reply
    return body


# -- docker -------------------------------------------------------------------------------------------------------------

def image(tag):
    """The image to test for a tag: runtime:TAG, or FNRUNTIME_IMAGE_<TAG> (e.g. FNRUNTIME_IMAGE_PY36=runtime:py36-tencent)
    when set, to try a candidate image."""
    return os.environ.get("FNRUNTIME_IMAGE_" + tag.upper()) or "runtime:%s" % tag


def runtime_mounts():
    """`-v` arguments for the bootstrap of this checkout over the image's (FNRUNTIME_MOUNT_BOOTSTRAP=1, or =DIR for
    another bootstrap folder; development only: it tests today's bootstrap in yesterday's image)."""
    if os.environ.get("FNRUNTIME_MOUNT_BOOTSTRAP", "") in ("", "0"):
        return []
    source = os.environ["FNRUNTIME_MOUNT_BOOTSTRAP"]
    return ["-v", "%s:/var/runtime:ro" % (source if os.path.isdir(source) else os.path.join(REPO, "bootstrap"))]


def docker_cli():
    explicit = os.environ.get("DOCKER")
    if explicit:
        return explicit
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    return shutil.which("docker") or "docker"


def docker(*args, **kwargs):
    """Run the docker client; CompletedProcess with bytes output."""
    timeout = kwargs.pop("timeout", 120)
    return subprocess.run([docker_cli()] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kwargs)


def engine_answers():
    try:
        return docker("info", timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def image_exists(tag):
    return docker("image", "inspect", image(tag), timeout=30).returncode == 0


class Container(object):
    """A detached serve-mode container; its published port, its logs, and facts about its PID 1 (the supervisor)."""

    def __init__(self, tag, command, env=None, mounts=((FUNCTIONS, "/var/task", "ro"),), port=9000, extra=(),
                 host_ip="127.0.0.1"):
        self.tag = tag
        self.name = "reliability-%s-%s" % (tag, uuid.uuid4().hex[:8])
        args = ["run", "-d", "--name", self.name, "--log-driver", "json-file", "--log-opt", "max-size=20m"]
        for source, target, mode in mounts:
            args += ["-v", "%s:%s:%s" % (source, target, mode)]
        for key, value in sorted((env or {}).items()):
            args += ["-e", "%s=%s" % (key, value)]
        if port:
            args += ["-p", "%s::%d" % (host_ip, port)]
        args += runtime_mounts() + list(extra) + [image(tag)] + list(command)
        done = docker(*args)
        if done.returncode != 0:
            raise RuntimeError("docker run failed: %s" % done.stderr.decode("utf-8", "replace"))
        self.id = done.stdout.decode().strip()
        self.port = port
        self.address = self.published(port) if port else None

    def published(self, port):
        deadline = time.time() + 30
        while True:
            done = docker("port", self.name, "%d/tcp" % port)
            text = done.stdout.decode().strip()
            if done.returncode == 0 and text:
                host, _, number = text.splitlines()[0].rpartition(":")
                return (host.strip("[]"), int(number))
            if time.time() > deadline:
                raise RuntimeError("port %d of %s was not published: %s%s" % (port, self.name, text,
                                                                               self.logs()[-2000:]))
            time.sleep(0.2)

    def logs(self):
        done = docker("logs", self.name, timeout=60)
        return (done.stdout + done.stderr).decode("utf-8", "replace")

    def running(self):
        done = docker("inspect", "-f", "{{.State.Running}}", self.name, timeout=30)
        return done.stdout.decode().strip() == "true"

    def exec_(self, *command):
        """Run a command in the container as root (not counted against the function user's process limit)."""
        done = docker("exec", "-u", "0", self.name, *command, timeout=60)
        return done.stdout.decode("utf-8", "replace")

    def supervisor_stats(self):
        """(VmRSS kB, open fds) of PID 1, the supervisor, read from inside the container."""
        out = self.exec_("sh", "-c", "grep VmRSS /proc/1/status; ls /proc/1/fd | wc -l")
        rss = int(re.search(r"VmRSS:\s+(\d+)", out).group(1))
        fds = int(out.strip().splitlines()[-1])
        return rss, fds

    def remove(self):
        docker("rm", "-f", self.name, timeout=60)


def wait_until(predicate, seconds, pause=0.2):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(pause)
    return predicate()


# -- clean host environment -----------------------------------------------------------------------------------------------

def clean_env(extra=None):
    """The environment of a host run: PATH, HOME, locale, no bytecode written into the repository, then `extra`."""
    env = dict((k, os.environ[k]) for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if k in os.environ)
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(dict((k, str(v)) for k, v in (extra or {}).items()))
    return env


def kill_pid(pid):
    import signal
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def wait_readable(fd, seconds):
    return bool(select.select([fd], [], [], seconds)[0])


def connect(address, timeout=30.0):
    return socket.create_connection(address, timeout=timeout)
