"""A Debug Adapter Protocol client over TCP, as VS Code and PyCharm speak it to debugpy, for the debugging suites.

The sequence (PROJECTS.md section 4): `initialize` -> `attach {justMyCode, pathMappings}` -> wait for the
`initialized` event (not the attach reply) -> `setBreakpoints` -> `configurationDone`; only then the attach reply
comes, then `stopped`, then `stackTrace` -> `scopes` -> `variables` -> `continue`.
Messages are `Content-Length: N\r\n\r\n` + N bytes of JSON.
"""
import json
import socket
import time


class DapError(AssertionError):
    pass


class DapClient(object):
    def __init__(self, host, port, connect_seconds=60.0):
        deadline = time.monotonic() + connect_seconds
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise DapError("no debugger listening on %s:%d after %.0f s" % (host, port, connect_seconds))
                time.sleep(0.1)
        self.sock.settimeout(None)
        self.buffer = b""
        self.seq = 0
        self.pending = []  # messages read while waiting for another one
        self.initialized = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, command, **arguments):
        self.seq += 1
        body = json.dumps({"seq": self.seq, "type": "request", "command": command,
                           "arguments": arguments}).encode("utf-8")
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def read(self, seconds):
        deadline = time.monotonic() + seconds
        while b"\r\n\r\n" not in self.buffer:
            self.fill(deadline)
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = None
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:
            raise DapError("a message without Content-Length: %r" % head)
        while len(rest) < length:
            self.buffer = head + b"\r\n\r\n" + rest
            self.fill(deadline)
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
        self.buffer = rest[length:]
        return json.loads(rest[:length].decode("utf-8"))

    def fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DapError("the debugger sent nothing in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise DapError("the debugger sent nothing in time")
        except ConnectionError:  # a reset (docker-proxy, before anything listens behind it)
            data = b""
        if not data:
            raise DapError("the debugger closed the connection")
        self.buffer += data

    def wait(self, match, seconds=60.0):
        """The first message (pending or new) for which match(message) is true."""
        for index, message in enumerate(self.pending):
            if match(message):
                return self.pending.pop(index)
        deadline = time.monotonic() + seconds
        while True:
            message = self.read(max(0.01, deadline - time.monotonic()))
            if match(message):
                return message
            self.pending.append(message)

    def event(self, name, seconds=60.0):
        return self.wait(lambda m: m.get("type") == "event" and m.get("event") == name, seconds)

    def response(self, seq, seconds=60.0):
        reply = self.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq, seconds)
        if not reply.get("success"):
            raise DapError("%s failed: %s" % (reply.get("command"), reply.get("message")))
        return reply

    def request(self, command, seconds=60.0, **arguments):
        return self.response(self.send(command, **arguments), seconds).get("body", {})

    def initialize(self, seconds=60.0):
        self.request("initialize", seconds, clientID="fnruntime-tests", adapterID="python", pathFormat="path",
                     linesStartAt1=True, columnsStartAt1=True)
        self.initialized = True

    def attach(self, source, lines, local_root, remote_root):
        """The attach sequence with breakpoints at `lines` of `source` (a path as the client sees it)."""
        if not self.initialized:
            self.initialize()
        attach_seq = self.send("attach", justMyCode=False,
                               pathMappings=[{"localRoot": local_root, "remoteRoot": remote_root}])
        self.event("initialized")
        reply = self.request("setBreakpoints", source={"path": source}, breakpoints=[{"line": n} for n in lines])
        self.request("configurationDone")
        self.response(attach_seq)
        return reply["breakpoints"]

    def stopped(self, seconds=60.0):
        """(thread id, the top frame) of the next stop."""
        event = self.event("stopped", seconds)
        thread = event["body"]["threadId"]
        frames = self.request("stackTrace", threadId=thread, startFrame=0, levels=20)["stackFrames"]
        return thread, frames[0]

    def locals_of(self, frame):
        scopes = self.request("scopes", frameId=frame["id"])["scopes"]
        scope = next(s for s in scopes if s["name"].lower().startswith("locals"))
        variables = self.request("variables", variablesReference=scope["variablesReference"])["variables"]
        return {v["name"]: v["value"] for v in variables}

    def resume(self, thread):
        """`continue`; a one-shot instance may end (and its debugger with it) before the reply is sent, which is
        fine: what follows is read from the invocation's answer."""
        seq = self.send("continue", threadId=thread)
        try:
            self.response(seq)
        except DapError as error:
            if "closed the connection" not in str(error):
                raise
