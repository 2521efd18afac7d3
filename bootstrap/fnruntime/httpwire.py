"""HTTP/1.x requests as bytes: parsed incrementally from what a connection receives.

A parser and pure functions, no sockets and no server: the HTTP connection (httpserver.py) feeds `HttpParser` what it
reads and gets HttpRequest objects, HttpError objects (a 4xx/5xx to answer, then the connection closes) and CONTINUE
markers; `invocation_type` and `log_tails` read what a `POST /invoke` asks for in its headers. Responses are rendered
by httpresponse.py.
"""
from __future__ import absolute_import, division, print_function

import json
import re

from .compat import to_text
from .providers import PAYLOAD_LIMIT

MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 100
MAX_CHUNK_LINE = 1024
#: The largest request body: the clouds' 6 MB synchronous payload limit.
MAX_BODY_BYTES = PAYLOAD_LIMIT
TOKEN = re.compile(br"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
CONTROL = re.compile(br"[\x00-\x08\x0a-\x1f\x7f]")
#: A well-formed header line: a token, a colon, a value without control characters (outer blanks dropped).
HEADER_LINE = re.compile(br"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*((?:[^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x20\x7f])?)[ \t]*$")
TARGET = re.compile(br"^[\x21-\x7e]+$")
#: The usual head, whole, as text: an upper-case method, an origin-form target, HTTP/1.1 or 1.0, and well-formed
#: header lines (HEADER_LINE's, with CRLF endings). Matched in one go (`HttpParser.usual_request`); any other head is
#: parsed line by line, which also says what is wrong with it. A header's value starts and ends with a visible
#: character here, so that a line matches in one way only: with a value that may start with blanks, a failing head
#: of many lines with blanks after their colons would be tried in exponentially many ways (session 5's whole-head
#: expression did that).
USUAL_HEAD = re.compile(u"([A-Z]+) (/[\x21-\x7e]*) (HTTP/1\\.[01])((?:\r\n[!#$%&'*+\\-.^_`|~0-9A-Za-z]+:[ \t]*"
                        u"(?:[^\x00-\x20\x7f](?:[^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x20\x7f])?)?[ \t]*)*)\\Z")
#: One header line of a head USUAL_HEAD matched (each starts with CRLF there).
USUAL_HEADER = re.compile(u"\r\n([!#$%&'*+\\-.^_`|~0-9A-Za-z]+):[ \t]*((?:[^\x00-\x20\x7f](?:[^\x00-\x08\x0a-\x1f"
                          u"\x7f]*[^\x00-\x20\x7f])?)?)[ \t]*")
#: The headers that say how a request is framed.
FRAMING = frozenset(["connection", "transfer-encoding", "content-length", "expect"])
#: Request header asking for the log's end -> the response header that carries it (base64).
LOG_TAIL_HEADERS = (("x-log-type", "X-Log-Result"), ("x-fc-log-type", "X-Fc-Log-Result"))
#: Reply headers the server owns: hop-by-hop ones and the body's framing.
SERVER_HEADERS = frozenset(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te",
                            "trailer", "proxy-connection"])
CONTINUE = object()


class HttpError(Exception):
    """A request that cannot be served: answered with `status` and `message`, then the connection closes."""

    def __init__(self, status, message, close=True, headers=None):
        super(HttpError, self).__init__(message)
        self.status = status
        self.message = message
        self.close = close
        self.headers = headers or []


class HttpRequest(object):
    """One parsed request. `headers` is a list of (lower-case name, value) text pairs, in order."""

    def __init__(self, method, target, version, headers, body=b"", keep_alive=True, peer=""):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.keep_alive = keep_alive
        self.peer = peer
        path, _, self.query = target.partition("?")
        if path.startswith(("http://", "https://")):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        self.path = path

    def header(self, name, default=None):
        """The first value of header `name` (lower case)."""
        for key, value in self.headers:
            if key == name:
                return value
        return default

    def header_values(self, name):
        return [value for key, value in self.headers if key == name]


def frame_request(request):
    """Note on `request` the values of its framing headers ({name: [value, ...]}: `framing`), the first of every
    `x-` header (`extras`, for what a POST /invoke asks for: `invocation_type`, `log_tails`) and whether the
    connection stays open (`keep_alive`), in one pass over its headers. Its `framing`."""
    framing, extras = {}, {}
    for name, value in request.headers:
        if name in FRAMING:
            framing.setdefault(name, []).append(value)
        elif name[:2] == "x-" and name not in extras:
            extras[name] = value
    request.framing, request.extras = framing, extras
    if "connection" in framing:
        connection = set(token.strip().lower() for value in framing["connection"] for token in value.split(","))
        request.keep_alive = "close" not in connection if request.version == "HTTP/1.1" else "keep-alive" in connection
    else:
        request.keep_alive = request.version == "HTTP/1.1"
    return framing


def quoted(value):
    """Bytes or text from a request, quoted and escaped for a message (same on every Python version)."""
    return json.dumps(to_text(value))


def header_text(value):
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


class HttpParser(object):
    """Incremental HTTP/1.x request parser: `feed(bytes)` returns HttpRequest objects, HttpError objects (then it
    stops) and CONTINUE markers (a request asked for `100 Continue` and its body may now be sent)."""

    def __init__(self, peer="", max_body=MAX_BODY_BYTES):
        self.peer = peer
        self.max_body = max_body
        self.buffer = bytearray()  # += on a bytearray is amortised O(1): slow clients cost no quadratic copying
        self.scanned = 0
        self.state = "head"
        self.request = None
        self.remaining = 0
        self.chunks = []
        self.size = 0
        self.chunked = False
        self.broken = False

    @property
    def partial(self):
        return bool(self.buffer.strip(b"\r\n")) or self.state != "head"

    def feed(self, data):
        items = []
        self.buffer += data
        try:
            while not self.broken and self.step(items):
                pass
        except HttpError as exc:
            self.broken = True
            self.buffer = bytearray()
            items.append(exc)
        return items

    def take_remaining(self):
        """Move up to `remaining` buffered bytes into the body; True once all of them arrived."""
        take = min(self.remaining, len(self.buffer))
        if take:
            self.chunks.append(bytes(self.buffer[:take]))
            del self.buffer[:take]
            self.remaining -= take
        return not self.remaining

    def step(self, items):
        """Advance by one state; True when it may advance again with what is buffered."""
        if self.state == "head":
            return self.read_head(items)
        if self.state == "body":
            return self.take_remaining() and self.complete(items)
        if self.state == "chunk-size":
            return self.read_chunk_size()
        if self.state == "chunk-data":
            if not self.take_remaining():
                return False
            self.state = "chunk-end"
            return True
        if self.state == "chunk-end":
            if len(self.buffer) < 2:
                return False
            if self.buffer[:2] != b"\r\n":
                raise HttpError(400, "malformed chunked body: a chunk's data must be followed by CRLF")
            del self.buffer[:2]
            self.state = "chunk-size"
            return True
        if self.state == "trailers":
            return self.read_trailers(items)
        raise AssertionError(self.state)

    def read_head(self, items):
        if self.buffer[:1] in (b"\r", b"\n"):  # empty lines before a request line are ignored (RFC 7230 3.5)
            self.buffer = self.buffer.lstrip(b"\r\n")
            self.scanned = 0
        start = max(0, self.scanned - 3)  # bytes already searched are not searched again (slow clients)
        end, skip = self.buffer.find(b"\r\n\r\n", start), 4
        if end < 0:
            end, skip = self.buffer.find(b"\n\n", start), 2
        if end < 0:
            self.scanned = len(self.buffer)
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise HttpError(431, "the request line and headers are over %d bytes" % MAX_HEAD_BYTES)
            return False
        self.scanned = 0
        if end > MAX_HEAD_BYTES:
            raise HttpError(431, "the request line and headers are over %d bytes" % MAX_HEAD_BYTES)
        head = bytes(self.buffer[:end])
        del self.buffer[:end + skip]
        self.start_request(head, items)
        return True

    def start_request(self, head, items):
        request = self.usual_request(head)
        if request is not None:
            self.request = request
            self.plan_body(request, items, request.framing)
            return
        if head.endswith(b"\r"):  # the head ended with "\r\n\n"
            head = head[:-1]
        lines = head.replace(b"\r\n", b"\n").split(b"\n")  # each line without the one "\r" that ended it
        request_line = lines[0]
        parts = request_line.split(b" ")
        if len(parts) != 3 or not TOKEN.match(parts[0]) or not TARGET.match(parts[1]):
            raise HttpError(400, "malformed request line %s: expected METHOD TARGET HTTP/1.1" % quoted(
                request_line[:200]))
        method, target, version = parts
        if version not in (b"HTTP/1.1", b"HTTP/1.0"):
            if re.match(br"^HTTP/\d(\.\d)?$", version):
                raise HttpError(505, "HTTP version %s is not supported: use HTTP/1.1 or HTTP/1.0" % to_text(version))
            raise HttpError(400, "malformed request line: %s is not an HTTP version" % quoted(version[:40]))
        if not (target.startswith(b"/") or target.startswith((b"http://", b"https://")) or
                (target == b"*" and method == b"OPTIONS")):
            raise HttpError(400, "malformed request target %s: expected a path such as /invoke" % quoted(target[:200]))
        headers = self.parse_headers(lines[1:])
        # checked above: method, target and version are ASCII
        request = HttpRequest(method.decode("ascii"), target.decode("ascii"), version.decode("ascii"), headers,
                              peer=self.peer)
        self.request = request
        self.plan_body(request, items, frame_request(request))

    def usual_request(self, head):
        """The HttpRequest of a head USUAL_HEAD matches, read in one go (the same as line by line would), else
        None."""
        try:
            match = USUAL_HEAD.match(head.decode("utf-8"))
        except UnicodeDecodeError:
            return None
        if match is None:
            return None
        method, target, version, lines = match.groups()
        headers = [(name.lower(), value) for name, value in USUAL_HEADER.findall(lines)]
        if len(headers) > MAX_HEADERS:
            return None  # refused line by line
        request = HttpRequest(method, target, version, headers, peer=self.peer)
        frame_request(request)
        return request

    def parse_headers(self, lines):
        if len(lines) > MAX_HEADERS:
            raise HttpError(431, "the request has %d header lines, more than %d" % (len(lines), MAX_HEADERS))
        headers = []
        for line in lines:
            match = HEADER_LINE.match(line)
            if match is not None:  # the usual well-formed line, checked by one expression
                name, value = match.groups()
                headers.append((name.decode("ascii").lower(), header_text(value)))
                continue
            if line[:1] in (b" ", b"\t"):
                raise HttpError(400, "malformed header: line folding (a line starting with whitespace) is not allowed")
            name, sep, value = line.partition(b":")
            if not sep or not TOKEN.match(name):
                raise HttpError(400, "malformed header line %s: expected Name: value" % quoted(line[:200]))
            value = value.strip(b" \t")
            if CONTROL.search(value):
                raise HttpError(400, "malformed header %s: its value holds control characters" % to_text(name))
            headers.append((to_text(name).lower(), header_text(value)))
        return headers

    def plan_body(self, request, items, framing):
        encodings, lengths = framing.get("transfer-encoding"), framing.get("content-length")
        expect = framing["expect"][0] if "expect" in framing else None
        if expect is not None and expect.lower() != "100-continue":
            raise HttpError(417, "Expect: %s is not supported (only 100-continue)" % expect)
        if encodings:
            codings = [c.strip().lower() for value in encodings for c in value.split(",") if c.strip()]
            if codings != ["chunked"]:
                raise HttpError(501, "Transfer-Encoding %s is not supported: send the body with Content-Length or "
                                     "chunked" % ", ".join(codings))
            if lengths:
                raise HttpError(400, "the request has both Transfer-Encoding and Content-Length")
            self.state, self.chunked = "chunk-size", True
            self.chunks, self.size = [], 0
            if expect:
                items.append(CONTINUE)
            return
        if lengths:
            values = set(lengths) if len(lengths) == 1 and lengths[0].isdigit() else \
                set(v.strip() for value in lengths for v in value.split(","))
            if len(values) != 1 or not list(values)[0].isdigit():
                raise HttpError(400, "malformed Content-Length %s: expected one number of bytes" % quoted(", ".join(lengths)))
            length = int(values.pop())
            if length > self.max_body:
                raise self.too_large(length)
            if length:
                self.state, self.remaining, self.chunks = "body", length, []
                if expect:
                    items.append(CONTINUE)
                return
        self.complete(items)

    def too_large(self, length):
        return HttpError(413, "the request body is %d bytes, over the 6 MB (%d bytes) payload limit; send a smaller "
                              "event" % (length, self.max_body))

    def read_chunk_size(self):
        end = self.buffer.find(b"\n")
        if end < 0:
            if len(self.buffer) > MAX_CHUNK_LINE:
                raise HttpError(400, "malformed chunked body: chunk size line over %d bytes" % MAX_CHUNK_LINE)
            return False
        line = bytes(self.buffer[:end]).rstrip(b"\r")
        del self.buffer[:end + 1]
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or not re.match(br"^[0-9A-Fa-f]{1,16}$", size_text):
            raise HttpError(400, "malformed chunked body: bad chunk size %s" % quoted(size_text[:40]))
        size = int(size_text, 16)
        if size == 0:
            self.state = "trailers"
            return True
        self.size += size
        if self.size > self.max_body:
            raise self.too_large(self.size)
        self.state, self.remaining = "chunk-data", size
        return True

    def read_trailers(self, items):
        if self.buffer.startswith(b"\r\n") or self.buffer.startswith(b"\n"):
            del self.buffer[:2 if self.buffer.startswith(b"\r\n") else 1]
            return self.complete(items)
        end = self.buffer.find(b"\r\n\r\n")
        skip = 4
        if end < 0:
            end, skip = self.buffer.find(b"\n\n"), 2
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise HttpError(431, "the chunked body's trailers are over %d bytes" % MAX_HEAD_BYTES)
            return False
        del self.buffer[:end + skip]  # trailer fields are read and dropped
        return self.complete(items)

    def complete(self, items):
        request = self.request
        if request is None:  # no request line yet (only empty lines)
            return False
        request.body = b"".join(self.chunks)
        if self.chunked:
            # The body arrived chunked; the function sees it as if sent with its length.
            request.headers = [(k, v) for k, v in request.headers if k != "transfer-encoding"]
            request.headers.append(("content-length", str(len(request.body))))
        items.append(request)
        self.request, self.chunks, self.size, self.remaining, self.state = None, [], 0, 0, "head"
        self.chunked = False
        return bool(self.buffer)

    def end_of_stream(self):
        if self.broken or not self.partial:
            return None
        return HttpError(400, "the connection ended in the middle of a request")


# -- what a POST /invoke asks for in its headers -------------------------------------------------------------------

INVOCATION_TYPE_HEADERS = (("x-invocation-type", {"requestresponse": "RequestResponse", "event": "Event"}),
                           ("x-fc-invocation-type", {"sync": "RequestResponse", "async": "Event"}))


def invocation_type(request, default):
    """The invocation type a request asks for in its headers (AWS-style or FC's), else `default`; HttpError 400 when
    the header holds something else."""
    extras = request.extras
    if not extras:
        return default
    for name, values in INVOCATION_TYPE_HEADERS:
        value = extras.get(name)
        if value is not None:
            if value.lower() not in values:
                raise HttpError(400, "%s must be one of %s, got %s" % (name, ", ".join(sorted(set(
                    values.values() if name == "x-invocation-type" else ("Sync", "Async")))), quoted(value)), close=False)
            return values[value.lower()]
    return default



def log_tails(request):
    """The response headers asked for with the end of the invocation's log (`X-Log-Type: Tail` and FC's)."""
    extras = request.extras
    if not extras:
        return []
    return [answer for asked, answer in LOG_TAIL_HEADERS if (extras.get(asked) or "").lower() == "tail"]
