"""Host-side client of a warm function: the framed protocol over `unix:`/`tcp:` or a spawned `--serve stdio` process
(a container), and `POST /invoke` over `http:`. Standard library only; runs on Python 2.7 and 3.x.

    with Client.connect("tcp:127.0.0.1:9000") as client:      # or Client.spawn(["docker", "run", "-i", ...])
        response = client.invoke({"name": "demo"})            # Response: .ok .result .error .error_type .log ...

    python -m fnruntime.client invoke ADDRESS [EVENT]          # `fnruntime invoke ...` once installed
"""
from __future__ import absolute_import, division, print_function

import base64
import collections
import json
import os
import socket
import sys

from . import address as address_module
from .compat import binary_stdin, binary_stdout, to_bytes, to_text
from .errors import UsageError
from .protocol import FrameError, MAX_RESPONSE_BYTES, decode, fd_reader, pack, pack_payload, read_payload, \
    write_all_fd

CONNECTION_FAILED = 3
USAGE_EXIT = 2
ADDRESS_HELP = ("unix:PATH | tcp:HOST:PORT (framed) | http:HOST:PORT (POST /invoke) | stdio:COMMAND (a command "
                "that speaks --serve stdio) | docker:IMAGE (docker run -i --rm -v CODE:/var/task:ro IMAGE --serve stdio)")


class ClientError(Exception):
    """The server could not be reached, or answered something that is not the protocol."""


class Response(dict):
    """A response frame (a dict) with attribute access to its fields and the decoded result."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            if name in ("error", "error_type", "init_duration_ms", "result", "request_id", "log"):
                return None
            raise AttributeError(name)

    @property
    def result(self):
        """The function's result: a JSON value, a string returned raw (aliyun), or bytes (`result_b64`)."""
        if "result_b64" in self:
            return base64.b64decode(self["result_b64"])
        return self.get("result")

    def output_bytes(self):
        """The result for a terminal: bytes and strings as they are, other values as JSON; or the error body."""
        if not self.get("ok"):
            return to_bytes(json.dumps(self.get("error"), ensure_ascii=False))
        value = self.result
        if value is None:
            return b""
        if isinstance(value, (bytes, type(u""))):
            return to_bytes(value)
        return to_bytes(json.dumps(value, ensure_ascii=False))


def parse_address(text):
    """(kind, target): ("unix", path), ("tcp", (host, port)) or ("http", (host, port)); ClientError otherwise. The
    server's own parser (address.py), so that client and `--serve` accept and refuse the same addresses."""
    try:
        address = address_module.parse_address(text, "expected " + ADDRESS_HELP, "address")
    except UsageError as exc:
        raise ClientError(str(exc))
    if address.kind == "stdio":
        raise ClientError("bad address %r: expected %s" % (text, ADDRESS_HELP))
    return address.kind, address.path if address.kind == "unix" else (address.host, address.port)


class Client(object):
    """One connection to a function instance speaking the framed protocol. Not thread-safe."""

    def __init__(self, recv, send, close, description):
        self.recv = recv
        self.sendall = send
        self._close = close
        self.description = description
        self.next_id = 1

    @classmethod
    def connect(cls, address, timeout=None):
        """A client on `unix:PATH` or `tcp:HOST:PORT`; `timeout` (seconds) bounds each socket operation."""
        kind, target = parse_address(address)
        if kind == "http":
            raise ClientError("%s is an HTTP address: use invoke_http() (or the command line) for POST /invoke"
                              % address)
        try:
            if kind == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(timeout)
                sock.connect(target)
            else:
                sock = socket.create_connection(target, timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (socket.error, OSError) as exc:
            raise ClientError("cannot connect to %s: %s" % (address, getattr(exc, "strerror", None) or exc))
        return cls(sock.recv, sock.sendall, sock.close, address)

    @classmethod
    def spawn(cls, argv, env=None, cwd=None, stderr=None):
        """A client on a process that speaks `--serve stdio` (e.g. `docker run -i --rm IMAGE --serve stdio`).
        Its standard error goes to ours unless `stderr` says otherwise (a file object or subprocess.DEVNULL)."""
        import subprocess
        try:
            process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env,
                                       cwd=cwd, bufsize=0)
        except OSError as exc:
            raise ClientError("cannot start %s: %s" % (argv[0], exc.strerror or exc))
        in_fd, out_fd = process.stdin.fileno(), process.stdout.fileno()

        def close():
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except (IOError, OSError):
                    pass
            wait_or_kill(process)
        client = cls(fd_reader(out_fd), lambda data: write_all_fd(in_fd, data), close, " ".join(argv))
        client.process = process
        return client

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._close is not None:
            self._close()
            self._close = None

    # -- frames
    def send(self, frame):
        """Send one request frame (a dict) as it is."""
        self.send_payload(pack(frame)[4:])

    def send_payload(self, payload):
        """Send one frame around raw payload bytes (valid JSON or not: for tests of the server)."""
        try:
            self.sendall(pack_payload(payload))
        except (socket.error, IOError, OSError) as exc:
            raise ClientError("cannot send to %s: %s" % (self.description, getattr(exc, "strerror", None) or exc))

    def receive(self):
        """The next response frame as a Response; ClientError if the stream ends or is not the protocol."""
        try:
            payload = read_payload(self.recv, MAX_RESPONSE_BYTES)
            if payload is None:
                raise ClientError("%s closed the connection without a response" % self.description)
            return Response(decode(payload))
        except FrameError as exc:
            raise ClientError("bad response from %s: %s" % (self.description, exc))
        except socket.timeout:
            raise ClientError("no response from %s within the timeout" % self.description)
        except (socket.error, IOError, OSError) as exc:
            raise ClientError("cannot read from %s: %s" % (self.description, getattr(exc, "strerror", None) or exc))

    def request(self, frame):
        self.send(frame)
        return self.receive()

    def invoke(self, event=None, body=None, invocation_type=None, context=None, frame_id=None):
        """One invocation: `event` (a JSON value, default {}) or `body` (raw bytes, sent as event_b64)."""
        if frame_id is None:
            frame_id, self.next_id = self.next_id, self.next_id + 1
        frame = {"id": frame_id}
        if body is not None:
            frame["event_b64"] = to_text(base64.b64encode(to_bytes(body)))
        else:
            frame["event"] = {} if event is None else event
        if invocation_type:
            frame["invocation_type"] = invocation_type
        if context:
            frame["context"] = context
        response = self.request(frame)
        if response.get("id") != frame_id:
            raise ClientError("response id %r does not match request id %r" % (response.get("id"), frame_id))
        return response


def wait_or_kill(process, seconds=10.0):
    import time
    deadline = time.time() + seconds
    while process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    if process.poll() is None:
        process.kill()
        process.wait()


HttpResult = collections.namedtuple("HttpResult", "status headers body")


def invoke_http(address, body, headers=None, timeout=None):
    """POST /invoke on an `http:HOST:PORT` server: HttpResult(status, headers dict (lower-case names), body)."""
    kind, (host, port) = parse_address(address)
    try:
        from http.client import HTTPConnection
    except ImportError:  # Python 2
        from httplib import HTTPConnection
    connection = HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", "/invoke", body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return HttpResult(response.status, dict((k.lower(), v) for k, v in response.getheaders()), data)
    except (socket.error, IOError, OSError) as exc:
        raise ClientError("cannot POST to %s: %s" % (address, getattr(exc, "strerror", None) or exc))
    finally:
        connection.close()


# -- command line ---------------------------------------------------------------------------------------------------

def build_parser():
    import argparse
    parser = argparse.ArgumentParser(
        prog="fnruntime.client", description="Talk to a warm function instance (bootstrap --serve ...).",
        epilog="Exit status: 0 success, 1 function error (the error body is on stdout), 2 bad usage, "
               "3 the server could not be reached or broke the protocol.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    invoke = commands.add_parser("invoke", help="run one invocation and print its result",
                                 description="Run one invocation: the result on stdout, the log on stderr.")
    invoke.add_argument("address", metavar="ADDRESS", help=ADDRESS_HELP)
    invoke.add_argument("event", nargs="?", metavar="EVENT",
                        help="the event (JSON); else --event-file, else standard input when it is not a terminal, "
                             "else {}")
    invoke.add_argument("--event-file", metavar="PATH", help="read the event from a file")
    invoke.add_argument("--raw", action="store_true",
                        help="send the event as raw bytes (event_b64), not as JSON (aliyun handlers get raw bodies)")
    invoke.add_argument("--invocation-type", choices=("RequestResponse", "Event"))
    invoke.add_argument("--context", metavar="JSON", help="context fields to override, a JSON object")
    invoke.add_argument("--frame", action="store_true", help="print the whole response frame (JSON) instead")
    invoke.add_argument("--quiet", "-q", action="store_true", help="do not print the invocation's log")
    invoke.add_argument("--timeout", type=float, metavar="SECONDS", help="give up waiting after this long")
    invoke.add_argument("--code", metavar="DIR", default=".", help="docker: the code directory to mount (default .)")
    invoke.add_argument("--handler", metavar="HANDLER", help="docker: the handler (default: the image's)")
    return parser


class UsageProblem(Exception):
    pass


def read_event(options):
    if options.event is not None:
        return to_bytes(options.event)
    if options.event_file:
        try:
            with open(options.event_file, "rb") as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            raise UsageProblem("cannot read the event file %r: %s" % (options.event_file, exc.strerror))
    if not sys.stdin.isatty():
        data = binary_stdin().read()
        if data.strip():
            return data
    return b"{}"


def connect_for(options):
    kind = options.address.partition(":")[0]
    if kind == "stdio":
        import shlex
        argv = shlex.split(options.address[len("stdio:"):])
        if not argv:
            raise UsageProblem("stdio: needs a command, e.g. stdio:'python bootstrap.py --serve stdio'")
        return Client.spawn(argv)
    if kind == "docker":
        image = options.address[len("docker:"):]
        if not image:
            raise UsageProblem("docker: needs an image, e.g. docker:runtime:py36")
        argv = [os.environ.get("DOCKER", "docker"), "run", "-i", "--rm", "-v",
                "%s:/var/task:ro" % os.path.abspath(options.code), image, "--serve", "stdio"]
        return Client.spawn(argv + ([options.handler] if options.handler else []))
    return Client.connect(options.address, options.timeout)


KINDS = ("unix", "tcp", "http", "stdio", "docker")


def check_address(address):
    kind = address.partition(":")[0]
    if kind not in KINDS:
        raise UsageProblem("bad address %r: expected %s" % (address, ADDRESS_HELP))
    if kind in ("unix", "tcp", "http"):
        try:
            parse_address(address)
        except ClientError as exc:
            raise UsageProblem(str(exc))


def run_invoke(options):
    check_address(options.address)
    data = read_event(options)
    if options.raw:
        event, body = None, data
    else:
        try:
            event, body = json.loads(to_text(data, errors="strict"), object_pairs_hook=collections.OrderedDict), None
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageProblem("the event is not valid JSON (%s); pass --raw to send it as raw bytes" % exc)
    context = None
    if options.context:
        try:
            context = json.loads(options.context)
        except ValueError as exc:
            raise UsageProblem("--context is not valid JSON: %s" % exc)
    if options.address.startswith("http:"):
        return run_http(options, data)
    with connect_for(options) as client:
        response = client.invoke(event=event, body=body, invocation_type=options.invocation_type, context=context)
    out = binary_stdout()
    if options.frame:
        out.write(to_bytes(json.dumps(response, ensure_ascii=False)) + b"\n")
    else:
        if response.get("log") and not options.quiet:
            write_log(response["log"] if response["log"].endswith("\n") else response["log"] + "\n")
        out.write(response.output_bytes())
        if sys.stdout.isatty():
            out.write(b"\n")
    out.flush()
    return 0 if response.get("ok") else 1


def write_log(text):
    """An invocation's log on standard error as UTF-8, whatever the locale (2.7's stderr takes only ASCII text)."""
    err = getattr(sys.stderr, "buffer", sys.stderr)
    err.write(to_bytes(text))
    err.flush()


def run_http(options, data):
    headers = {"Content-Type": "application/json", "X-Log-Type": "Tail"}
    if options.invocation_type:
        headers["X-Invocation-Type"] = options.invocation_type
    result = invoke_http(options.address, data, headers, options.timeout)
    if "x-log-result" in result.headers and not options.quiet:
        write_log(base64.b64decode(result.headers["x-log-result"]))
    out = binary_stdout()
    out.write(result.body)
    out.flush()
    return 0 if result.status < 300 else 1


def main(argv=None):
    parser = build_parser()
    options, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    # argparse fills optional positionals before it sees later options (`invoke ADDRESS --raw EVENT`): take EVENT back.
    if extra and getattr(options, "event", "") is None and len(extra) == 1 and not extra[0].startswith("-"):
        options.event, extra = extra[0], []
    if extra:
        parser.error("unrecognized arguments: %s" % " ".join(extra))
    if options.command != "invoke":
        parser.print_usage(sys.stderr)
        sys.stderr.write("fnruntime.client: error: give a command: invoke\n")
        return USAGE_EXIT
    try:
        return run_invoke(options)
    except UsageProblem as exc:
        sys.stderr.write("fnruntime.client: error: %s\n" % exc)
        return USAGE_EXIT
    except ClientError as exc:
        sys.stderr.write("fnruntime.client: error: %s\n" % exc)
        return CONNECTION_FAILED


if __name__ == "__main__":
    sys.exit(main())
