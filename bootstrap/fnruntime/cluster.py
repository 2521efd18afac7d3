"""What the runtime does for the engines that run it as a service (Knative, Cloud Run, OpenFaaS, a Kubernetes
Deployment): their runtime contract, in one place.

- `--serve http` without an address: `0.0.0.0:$PORT`, 8080 when PORT is unset (`platform_address`); the server then
  does the cold start of its first instance at once (readiness waits for it).
- Health and readiness on reserved paths of every HTTP server, which no function route can take (`PROBE_PATHS`;
  OpenFaaS's names): `/_/health` answers 200 while the server runs; `/_/ready` 200 once an instance has imported the
  handler, 503 while the cold start runs or after it failed, with the import error's type and message
  (`probe_response`).
- The container's memory limit (its cgroup's, `container_memory_limit`) said at start when it is below `--memory`
  (`memory_warning`): the kernel would stop the instance before the runtime's OutOfMemory could.
- The time from SIGTERM to exit, and what the drain answered (`stop_report`).
"""
from __future__ import absolute_import, division, print_function

import json
import os

from .errors import UsageError

DEFAULT_PORT = 8080
HEALTH_PATH = "/_/health"
READY_PATH = "/_/ready"
PROBE_PATHS = (HEALTH_PATH, READY_PATH)
#: cgroup v1 writes "no limit" as a huge number (the page-rounded largest signed 64-bit value).
UNLIMITED_V1 = 1 << 60


def platform_address(serve, environ):
    """`--serve http` (no host, no port) -> the `http:0.0.0.0:PORT` address text; None for any other --serve."""
    if (serve or "").strip() != "http":
        return None
    port = (environ.get("PORT") or "").strip()
    if not port:
        return "http:0.0.0.0:%d" % DEFAULT_PORT
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError("PORT=%r is not a port number (1 to 65535): `--serve http` listens on 0.0.0.0:$PORT, as "
                         "Knative and Cloud Run set it; unset PORT for %d, or give --serve http:HOST:PORT"
                         % (port, DEFAULT_PORT))
    return "http:0.0.0.0:%d" % int(port)


class Readiness(object):
    """What `/_/ready` says: `ready`; else `starting` (a cold start runs) or the `failure` of the last one."""

    __slots__ = ("ready", "starting", "failure", "lazy")

    def __init__(self, ready=False, starting=False, failure=None, lazy=False):
        self.ready = ready
        self.starting = starting
        self.failure = failure
        self.lazy = lazy


def probe_response(path, method, readiness):
    """(status, headers, body) of a probe: GET or HEAD on PROBE_PATHS."""
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    if method not in ("GET", "HEAD"):
        body = {"status": "error", "errorMessage": "%s answers GET and HEAD, not %s" % (path, method)}
        return 405, headers + [("Allow", "GET, HEAD")], dumps(body)
    if path == HEALTH_PATH:
        return 200, headers, dumps({"status": "ok"})
    if readiness.ready:
        body = {"status": "ready"}
        if readiness.lazy:
            body["detail"] = "the handler is imported by the first request (serve with --serve http for a cold " \
                             "start at start)"
        return 200, headers, dumps(body)
    if readiness.starting:
        return 503, headers + [("Retry-After", "1")], dumps(
            {"status": "starting", "errorMessage": "the cold start is running: the handler is being imported"})
    failure = readiness.failure
    return 503, headers + [("X-Function-Error-Type", failure.error_type)], dumps(
        {"status": "failed", "errorType": failure.error_type, "errorMessage": failure.message})


def dumps(obj):
    return (json.dumps(obj, sort_keys=True) + "\n").encode("utf-8")


def container_memory_limit(proc_cgroup="/proc/self/cgroup", root="/sys/fs/cgroup"):
    """(bytes, file) of the tightest memory limit on this process's cgroup or any cgroup above it, or None when there
    is none (or no cgroup file system to read). cgroup v2: `memory.max`; v1: `memory/memory.limit_in_bytes`. Inside a
    container with its own cgroup namespace the process's cgroup is `/`, the mounted root itself."""
    try:
        with open(proc_cgroup) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError):
        return None
    found = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":
            base, name = root, "memory.max"
        elif "memory" in controllers.split(","):
            base, name = os.path.join(root, "memory"), "memory.limit_in_bytes"
        else:
            continue
        relative = path.strip("/")
        while True:
            limit = read_limit(os.path.join(base, relative, name) if relative else os.path.join(base, name))
            if limit is not None:
                found.append(limit)
            if not relative:
                break
            relative = os.path.dirname(relative)
    return min(found) if found else None


def read_limit(path):
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except (IOError, OSError):
        return None
    if not text.isdigit() or int(text) >= UNLIMITED_V1:  # "max" (v2), or v1's "no limit"
        return None
    return int(text), path


def memory_warning(config, limit):
    """The line said at start when the container's limit (container_memory_limit) is below what the function may use;
    None when it is not."""
    if limit is None:
        return None
    size, path = limit
    mb = size / float(1 << 20)
    if mb < config.memory_mb:
        return ("fnruntime: warning: the container's memory limit is %s MB (%s), below the function's %d MB "
                "(--memory): the kernel stops an instance that grows past it before the runtime's OutOfMemory can, "
                "and as in the cloud the smaller limit is the one that holds; give the container at least %d MB, or "
                "run with --memory %d" % (format_mb(mb), path, config.memory_mb, config.memory_mb + 64, int(mb)))
    instances = getattr(config, "instances", 1)
    if instances > 1 and mb < instances * config.memory_mb:
        return ("fnruntime: note: the container's memory limit is %s MB (%s): %d instances of %d MB (--instances, "
                "--memory) may need %d MB, so the kernel may stop them before each reaches its limit"
                % (format_mb(mb), path, instances, config.memory_mb, instances * config.memory_mb))
    return None


def format_mb(mb):
    return ("%d" % mb) if mb == int(mb) else ("%.1f" % mb)


def stop_report(signal_name, seconds, finished, refused):
    """The last line of a serving process stopped by a signal."""
    return ("fnruntime: %s: stopped in %.3f s: %d invocation%s in flight finished and answered, %d queued answered "
            "ShuttingDown, new connections refused; exit 0\n"
            % (signal_name, seconds, finished, "" if finished == 1 else "s", refused))
