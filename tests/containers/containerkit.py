"""Helpers of the container suite: the tags under test, the docker client to call, and framed-protocol I/O.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (contract section 5).
"""
import json
import os
import shutil
import socket
import struct

import pytest

PYTHON = {"py27": "2.7", "py36": "3.6", "py37": "3.7"}
DEFAULT_PROVIDER = {"py27": "tencent", "py36": "tencent", "py37": "jdcloud"}

HERE = os.path.dirname(os.path.abspath(__file__))
TASK_DIR = os.path.join(HERE, "task")
TAGS = ("py27", "py36", "py37")
SERVE_PORT = 9000
READY_TIMEOUT_S = 90


def image_for(tag):
    """The image tested for a tag: $FNRUNTIME_IMAGE_PY36 (and so on) when set, else runtime:py36."""
    return os.environ.get("FNRUNTIME_IMAGE_" + tag.upper()) or "runtime:%s" % tag


def docker_cli():
    """The docker client to run: $DOCKER, else Debian's /usr/bin/docker (matches engine 20.10), else the one on PATH."""
    explicit = os.environ.get("DOCKER")
    if explicit:
        return explicit
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    found = shutil.which("docker")
    if not found:
        pytest.fail("no docker client found: install docker.io (make engine-up does) or set DOCKER=/path/to/docker")
    return found


def send_frame(sock, obj):
    """Write one frame: 4-byte big-endian length, then the UTF-8 JSON of obj."""
    data = json.dumps(obj).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def send_raw_frame(sock, payload):
    """Write one frame around payload bytes as they are (valid or not)."""
    sock.sendall(struct.pack(">I", len(payload)) + payload)


def _read_exact(sock, count):
    chunks = []
    while count:
        chunk = sock.recv(count)
        if not chunk:
            raise EOFError("connection closed with %d bytes of the frame missing" % count)
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def read_frame(sock):
    """Read one frame and return its decoded JSON object."""
    (length,) = struct.unpack(">I", _read_exact(sock, 4))
    return json.loads(_read_exact(sock, length).decode("utf-8"))


def invoke_framed(address, request, timeout=30.0):
    """Open a TCP connection, send one request frame and return the one response frame."""
    with socket.create_connection(address, timeout=timeout) as sock:
        send_frame(sock, request)
        return read_frame(sock)


def answers(address):
    """True when the server at address answers {"id": 1, "event": {}} with a frame carrying id 1."""
    try:
        return invoke_framed(address, {"id": 1, "event": {}}, timeout=5.0).get("id") == 1
    except (OSError, EOFError, ValueError, struct.error):
        return False
