"""The echo floor: the least a supervisor + worker pair can do per framed round trip.

    python echo.py stdio            frames on standard input/output
    python echo.py unix:PATH        frames on a unix socket, one connection at a time

The supervisor forwards each request frame to a forked worker over a pipe without decoding it; the worker decodes
it once (json), answers `{"id", "ok", "result": <the event>}` and the supervisor forwards that frame back as is.
Standard library only, one source for Python 2.7 to 3.x, so it runs in the images with the runtime's interpreter.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import socket
import struct
import sys

HEADER = struct.Struct(">I")


def read_exact(read, size):
    """Exactly `size` bytes from `read(n)`, or b"" when the stream ends first."""
    chunks = []
    while size:
        chunk = read(size)
        if not chunk:
            return b""
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(read):
    """A whole frame (header included) as bytes, or b"" at the end of the stream."""
    header = read_exact(read, HEADER.size)
    if not header:
        return b""
    return header + read_exact(read, HEADER.unpack(header)[0])


def write_all(write, data):
    view = memoryview(data)
    while len(view):
        view = view[write(view):]


def fd_reader(fd):
    return lambda size: os.read(fd, size)


def fd_writer(fd):
    return lambda data: os.write(fd, data)


def worker(request_fd, response_fd):
    """Decode each request once, answer with its event; never returns."""
    read, write = fd_reader(request_fd), fd_writer(response_fd)
    while True:
        frame = read_frame(read)
        if not frame:
            os._exit(0)
        request = json.loads(frame[HEADER.size:].decode("utf-8"))
        payload = json.dumps({"id": request["id"], "ok": True, "result": request.get("event")},
                             separators=(",", ":")).encode("utf-8")
        write_all(write, HEADER.pack(len(payload)) + payload)


def spawn():
    """Fork the worker; returns (write to worker, read from worker) callables."""
    request_read, request_write = os.pipe()
    response_read, response_write = os.pipe()
    if os.fork() == 0:
        os.close(request_write)
        os.close(response_read)
        worker(request_read, response_write)
    os.close(request_read)
    os.close(response_write)
    return fd_writer(request_write), fd_reader(response_read)


def relay(client_read, client_write, to_worker, from_worker):
    """Forward frames client -> worker -> client until the client's stream ends."""
    while True:
        frame = read_frame(client_read)
        if not frame:
            return
        write_all(to_worker, frame)
        write_all(client_write, read_frame(from_worker))


def serve_unix(path, to_worker, from_worker):
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    sys.stderr.write("echo floor: listening on unix:%s\n" % path)
    sys.stderr.flush()
    while True:
        conn = listener.accept()[0]
        try:
            relay(conn.recv, conn.send, to_worker, from_worker)
        finally:
            conn.close()


def main(argv):
    if len(argv) != 1 or not (argv[0] == "stdio" or argv[0].startswith("unix:")):
        sys.stderr.write("usage: echo.py stdio | unix:PATH\n")
        return 2
    to_worker, from_worker = spawn()
    if argv[0] == "stdio":
        relay(fd_reader(0), fd_writer(1), to_worker, from_worker)
        return 0
    serve_unix(argv[0][len("unix:"):], to_worker, from_worker)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
