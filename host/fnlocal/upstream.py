"""The gateway's client to a warm container's `POST /invoke`: kept-alive HTTP/1.1 connections over asyncio streams,
a few lines of parsing for the runtime's own responses (always with Content-Length). aiohttp's client costs several
times this per request, which is the gateway's whole budget (bench/projects.py).

    upstream = Upstream("172.17.0.2", 9000)
    status, headers, body = await upstream.post("/invoke", payload, headers=[("X-Log-Type", "Tail")])
    await upstream.close()
"""
import asyncio


class UpstreamError(Exception):
    pass


class Upstream:
    def __init__(self, host, port, limit=64):
        self.host, self.port = host, port
        self.idle = []
        self.limit = limit

    async def connect(self):
        try:
            return await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise UpstreamError("cannot connect to %s:%d: %s" % (self.host, self.port, exc.strerror or exc))

    async def post(self, path, body, content_type="application/json", headers=()):
        extra = "".join("%s: %s\r\n" % pair for pair in headers)
        head = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n"
                % (path, self.host, self.port, content_type, len(body), extra)).encode("latin-1")
        for attempt in (1, 2):
            reused = bool(self.idle)
            reader, writer = self.idle.pop() if reused else await self.connect()
            try:
                writer.write(head + body)
                answer = await self.read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError, UpstreamError) as exc:
                writer.close()
                # a kept-alive connection the server had closed (a restart): nothing was run, send it again once
                if reused and attempt == 1 and isinstance(exc, asyncio.IncompleteReadError) and not exc.partial:
                    continue
                raise UpstreamError("the container closed the connection without an answer (%s)" % exc)
            status, headers, data, keep = answer
            if keep and len(self.idle) < self.limit:
                self.idle.append((reader, writer))
            else:
                writer.close()
            return status, headers, data
        raise UpstreamError("no answer")

    @staticmethod
    async def read_response(reader):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise UpstreamError("not an HTTP response: %r" % lines[0][:100])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        lower = {k.lower(): v for k, v in headers.items()}
        length = lower.get("content-length")
        if length is None:
            raise UpstreamError("the container's response has no Content-Length")
        data = await reader.readexactly(int(length))
        keep = lower.get("connection", "").lower() != "close" and parts[0] == "HTTP/1.1"
        return int(parts[1]), headers, data, keep

    async def close(self):
        while self.idle:
            _, writer = self.idle.pop()
            writer.close()
