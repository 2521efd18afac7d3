"""The functions' containers, through the Docker SDK: one-shot runs (`invoke_once`) and warm serve-mode containers
(`ContainerPool`), all labelled so that a later run removes what a crashed one left behind.

Every container gets the labels `fnruntime.local` (the host and pid of the tool that started it), `.project` and
`.function`. `remove_leftovers(client)` removes those whose tool is no longer running on this host; each pool and each
one-shot run calls it first.

    code = invoke_once(function, event_bytes, overrides)      # exit status of the one-shot runtime; output streamed
    with ContainerPool("my-project") as pool:
        instance = pool.start(function, instances=2, watch=True, overrides={"K": "V"})
        instance.url                                          # http://HOST:PORT of its `--serve http` server
        pool.restart(instance)                                # a fresh container (template changed)
"""
import os
import socket
import sys
import tempfile
import threading
import time

from .images import check_built
from .model import ProjectError

LABEL = "fnruntime.local"
SERVE_PORT = 9000
READY_LINE = b"fnruntime: listening on"
EVENT_ARG_LIMIT = 64 * 1024  # bigger events (or not UTF-8) go in a mounted file, not on the command line
EVENT_MOUNT = "/opt/fnlocal/event"
ZIP_DIR = "/opt/fnlocal/package"


def docker_client():
    import docker
    import docker.errors
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        raise ProjectError("cannot reach the Docker engine (%s): start it (`make engine-up` in the fnruntime "
                           "checkout, or `systemctl start docker`) or set DOCKER_HOST" % exc)


def owner_label():
    return "%s:%d" % (socket.gethostname(), os.getpid())


def alive(owner):
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def remove_leftovers(client):
    """Remove the containers of earlier runs whose tool is gone (a crash, a kill -9); returns their names."""
    removed = []
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        if not alive(container.labels.get(LABEL, "")):
            try:
                container.remove(force=True)
                removed.append(container.name)
            except Exception:  # already gone
                pass
    return removed


def container_env(function, overrides=None):
    """The template's settings, then the shell's FUNCTION_* variables, then --env: the later wins."""
    env = function.runtime_env()
    env.update({k: v for k, v in os.environ.items() if k.startswith("FUNCTION_")})
    env.update(overrides or {})
    return env


def code_mounts(function, env, watch=False):
    """The code's bind mounts. A zip is mounted as the file itself (readable by the function's user whatever its
    folder's mode), or with `watch` its folder, so that a zip replaced by a new file (renamed over it) is seen."""
    if function.zip:
        env.setdefault("FUNCTION_ZIP", ZIP_DIR + "/" + os.path.basename(function.code))
        package = os.path.abspath(function.code)
        if watch:
            return {os.path.dirname(package): {"bind": ZIP_DIR, "mode": "ro"}}
        return {package: {"bind": env["FUNCTION_ZIP"], "mode": "ro"}}
    env.setdefault("FUNCTION_CODE_DIR", function.code_mount)
    return {function.code: {"bind": function.code_mount, "mode": "ro"}}


def container_name(function):
    """fnlocal-<function>-<6 hex>: readable in `docker ps`, unique."""
    import re
    import uuid
    return "fnlocal-%s-%s" % (re.sub(r"[^A-Za-z0-9_.-]", "-", function.name)[:40], uuid.uuid4().hex[:6])


def labels(function, project):
    return {LABEL: owner_label(), LABEL + ".project": project or "", LABEL + ".function": function.name}


def debug_settings(env, debug_port):
    """With a debug port: the runtime's FUNCTION_DEBUG_PORT in `env`, and the port published on 127.0.0.1 under the
    same number (docker's `ports`)."""
    if not debug_port:
        return {}
    env["FUNCTION_DEBUG_PORT"] = str(debug_port)
    return {"%d/tcp" % debug_port: ("127.0.0.1", debug_port)}


def invoke_once(function, event, overrides=None, image=None, project=None, stdout=None, stderr=None, client=None,
                debug_port=None):
    """One invocation in a fresh container: the result to `stdout`, the framed log to `stderr` (binary files, the
    process's by default), as they come; returns the container's exit status (0, 1 function error, 2 usage).
    With `debug_port` the instance waits for a debugger there (127.0.0.1) before the function's code runs."""
    stdout = stdout or sys.stdout.buffer
    stderr = stderr or sys.stderr.buffer
    client = client or docker_client()
    tag = image or function.image
    check_built(client, tag)
    remove_leftovers(client)
    env = container_env(function, overrides)
    volumes = code_mounts(function, env)
    ports = debug_settings(env, debug_port)
    command = [env.get("FUNCTION_HANDLER") or function.handler]
    event_file = None
    try:
        text = event.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and len(event) <= EVENT_ARG_LIMIT and "\x00" not in text:
        command.append(text)
    else:
        handle, event_file = tempfile.mkstemp(prefix="fnlocal-event-")
        with os.fdopen(handle, "wb") as out:
            out.write(event)
        os.chmod(event_file, 0o644)
        volumes[event_file] = {"bind": EVENT_MOUNT, "mode": "ro"}
        command += ["--event-file", EVENT_MOUNT]
    container = None
    try:
        container = client.containers.create(tag, command=command, environment=env, volumes=volumes,
                                             name=container_name(function),
                                             labels=labels(function, project), stdin_open=False, tty=False,
                                             ports=ports or None)
        stream = client.api.attach(container.id, stdout=True, stderr=True, stream=True, logs=True, demux=True)
        container.start()
        for out_chunk, err_chunk in stream:
            if out_chunk:
                stdout.write(out_chunk)
                stdout.flush()
            if err_chunk:
                stderr.write(err_chunk)
                stderr.flush()
        return container.wait()["StatusCode"]
    finally:
        if container is not None:
            try:
                container.remove(force=True)
            except Exception:
                pass
        if event_file:
            os.unlink(event_file)


class Instance:
    """A warm serve-mode container of one function."""

    def __init__(self, pool, function, container, options):
        self.pool = pool
        self.function = function
        self.container = container
        self.options = options
        self.host = None
        self.port = None
        self.log_thread = None

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def address(self):
        return "http:%s:%d" % (self.host, self.port)

    def wait_ready(self, timeout=60.0):
        """Until the server says it listens; then the address to reach it at (the container's own address when the
        host reaches it, else the port published on 127.0.0.1). ProjectError with its output when it stops."""
        deadline = time.monotonic() + timeout
        while True:
            output = self.container.logs(stdout=True, stderr=True)
            if READY_LINE in output:
                break
            self.container.reload()
            if self.container.status in ("exited", "dead"):
                raise ProjectError("the container of %s stopped before serving (exit status %s):\n%s" % (
                    self.function.name, self.container.attrs["State"].get("ExitCode"),
                    output.decode("utf-8", "replace")[-3000:]))
            if time.monotonic() > deadline:
                raise ProjectError("the container of %s did not start serving within %g s:\n%s" % (
                    self.function.name, timeout, output.decode("utf-8", "replace")[-3000:]))
            time.sleep(0.05)
        self.container.reload()
        settings = self.container.attrs["NetworkSettings"]
        ip = settings.get("IPAddress") or next((n.get("IPAddress") for n in settings.get("Networks", {}).values()
                                                if n.get("IPAddress")), None)
        if ip and reachable(ip, SERVE_PORT):
            self.host, self.port = ip, SERVE_PORT
        else:
            published = settings["Ports"]["%d/tcp" % SERVE_PORT][0]
            self.host, self.port = "127.0.0.1", int(published["HostPort"])
        return self

    def follow_logs(self, sink, prefix):
        """Copy the container's output to `sink` (a binary file), each line after `prefix`, in a thread."""
        def run():
            try:
                pending = b""
                for chunk in self.container.logs(stream=True, follow=True, stdout=True, stderr=True):
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    if lines:
                        sink.write(b"".join(prefix + line + b"\n" for line in lines))
                        sink.flush()
            except Exception:  # the container went away
                pass
        self.log_thread = threading.Thread(target=run, daemon=True, name="logs-%s" % self.function.name)
        self.log_thread.start()

    def stop(self):
        try:
            self.container.remove(force=True)
        except Exception:
            pass


def reachable(host, port, timeout=0.5):
    try:
        socket.create_connection((host, port), timeout).close()
        return True
    except OSError:
        return False


class ContainerPool:
    """Warm `--serve http` containers of a project's functions; close() (or leaving the `with`) removes them all."""

    def __init__(self, project_name="project", client=None, log_sink=None):
        self.project_name = project_name
        self.client = client or docker_client()
        self.instances = []
        self.log_sink = log_sink
        self.lock = threading.Lock()
        remove_leftovers(self.client)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self, function, instances=1, watch=False, overrides=None, image=None, ready_timeout=60.0,
              debug_port=None):
        """A ready warm container of `function` (`--instances N` and `--watch` through FUNCTION_INSTANCES and
        FUNCTION_WATCH, which a runtime without them ignores)."""
        tag = image or function.image
        check_built(self.client, tag)
        env = container_env(function, overrides)
        if instances and instances > 1:
            env.setdefault("FUNCTION_INSTANCES", str(instances))
        if watch:
            env.setdefault("FUNCTION_WATCH", "1")
        volumes = code_mounts(function, env, watch)
        ports = {"%d/tcp" % SERVE_PORT: ("127.0.0.1", None)}
        ports.update(debug_settings(env, debug_port))
        options = dict(instances=instances, watch=watch, overrides=overrides, image=image, debug_port=debug_port)
        container = self.client.containers.create(
            tag, command=["--serve", "http:0.0.0.0:%d" % SERVE_PORT], environment=env, volumes=volumes,
            name=container_name(function),
            labels=labels(function, self.project_name), ports=ports,
            tty=False, stdin_open=False)
        instance = Instance(self, function, container, options)
        with self.lock:
            self.instances.append(instance)
        container.start()
        instance.wait_ready(ready_timeout)
        if self.log_sink is not None:
            instance.follow_logs(self.log_sink, ("[%s] " % function.name).encode())
        return instance

    def restart(self, instance, function=None):
        """A fresh container for `function` (default: the instance's), with the same options; the old one goes."""
        self.stop(instance)
        return self.start(function or instance.function, **instance.options)

    def stop(self, instance):
        with self.lock:
            if instance in self.instances:
                self.instances.remove(instance)
        instance.stop()

    def close(self):
        with self.lock:
            instances, self.instances = self.instances, []
        for instance in instances:
            instance.stop()
