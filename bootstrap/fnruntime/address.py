"""Addresses of a warm function: the one parser of `--serve` and of the client's addresses, and listening on them.

`stdio`, `unix:PATH`, `tcp:HOST:PORT` (the framed protocol) and `http:HOST:PORT` (HTTP). `parse_address` is used by
the server (`--serve`) and by `client.py` alike, so that an address one accepts the other accepts too, and a wrong one
gets the same message from both (`tcp://host:port` is refused by both, naming the fix). `listen` turns an address into
a non-blocking listening socket; `describe` gives the address a socket actually got (port 0 -> the real port).
"""
from __future__ import absolute_import, division, print_function

import collections
import fcntl
import os
import socket
import stat

from .errors import UsageError

BACKLOG = 128

Address = collections.namedtuple("Address", "kind host port path text")
USAGE = ("--serve takes stdio, unix:PATH, tcp:HOST:PORT or http:HOST:PORT (e.g. tcp:127.0.0.1:9000, "
         "tcp:0.0.0.0:9000 inside a container, http:127.0.0.1:8080)")


def parse_address(text, usage=USAGE, what="--serve address"):
    """`stdio`, `unix:PATH`, `tcp:HOST:PORT` or `http:HOST:PORT` -> Address; UsageError naming what is wrong."""
    text = (text or "").strip()
    if text == "stdio":
        return Address("stdio", None, None, None, text)
    kind, sep, rest = text.partition(":")
    if not sep or kind not in ("unix", "tcp", "http"):
        raise UsageError("bad %s %r: %s" % (what, text, usage))
    if kind == "unix":
        if not rest:
            raise UsageError("bad %s %r: unix: needs a socket path, e.g. unix:/tmp/function.sock" % (what, text))
        return Address(kind, None, None, rest, text)
    if rest.startswith("//"):
        raise UsageError("bad %s %r: write %s:HOST:PORT without //, e.g. %s:127.0.0.1:9000"
                         % (what, text, kind, kind))
    host, sep, port = rest.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise UsageError("bad %s %r: %s needs HOST:PORT with a port from 0 to 65535, e.g. "
                         "%s:127.0.0.1:9000 (0.0.0.0 to listen on every interface)" % (what, text, kind, kind))
    return Address(kind, host, int(port), None, text)


def describe(sockname, kind):
    if kind == "unix":
        return "unix:%s" % sockname
    host, port = sockname[0], sockname[1]
    return "%s:%s:%d" % (kind, "[%s]" % host if ":" in host else host, port)


def listen(address):
    """A non-blocking listening socket for a unix/tcp/http address; UsageError when it cannot be had."""
    if address.kind == "unix":
        return listen_unix(address.path)
    try:
        infos = socket.getaddrinfo(address.host, address.port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                   socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError("cannot listen on %s: unknown host %r (%s)" % (address.text, address.host, exc))
    family, socktype, proto, _, sockaddr = infos[0]
    sock = socket.socket(family, socktype, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(BACKLOG)
    except (socket.error, OSError) as exc:
        sock.close()
        raise UsageError("cannot listen on %s: %s" % (address.text, os_message(exc)))
    prepare_socket(sock)
    return sock


def listen_unix(path):
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None:
        if not stat.S_ISSOCK(mode):
            raise UsageError("cannot listen on unix:%s: the path exists and is not a socket; choose another path"
                             % path)
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            in_use = True
        except (socket.error, OSError):
            in_use = False
        finally:
            probe.close()
        if in_use:
            raise UsageError("cannot listen on unix:%s: another server is listening there" % path)
        os.unlink(path)  # a stale socket left by a server that was killed
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(BACKLOG)
    except (socket.error, OSError) as exc:
        sock.close()
        raise UsageError("cannot listen on unix:%s: %s" % (path, os_message(exc)))
    prepare_socket(sock)
    return sock


def prepare_socket(sock):
    sock.setblocking(False)
    set_cloexec(sock.fileno())


def set_cloexec(fd):
    fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.fcntl(fd, fcntl.F_GETFD) | fcntl.FD_CLOEXEC)


def os_message(exc):
    return getattr(exc, "strerror", None) or str(exc)
