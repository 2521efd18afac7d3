"""The serving designs' floors: an HTTP server that relays each request to a worker (the runtime's design), or that
lends the client's connection to the worker, which reads and answers it itself.

    python3 lend.py PORT INSTANCES lend|relay       (Python 3: socket.sendmsg)

Measuring prototypes, not the runtime: how fast each design can be on this machine with the runtime's own
per-invocation essentials in the worker (its log descriptors put back, a context, the event decoded and the result
encoded as JSON, the duration, the standard streams flushed, its memory figure by fnruntime.memory, the provider's
three log lines, the response rendered by fnruntime.httpresponse), and the log plus an access line written to
standard error by the server, as the runtime does. No deadline, no memory sampling, no queue bound, no failure
handling: what is left out only flatters the floors.

`relay`: the server reads and parses each request (fnruntime.httpwire), hands its body to a free worker over a socket
pair (one more is handed ahead to a busy worker) and sends the worker's rendered response to the client.
`lend`: a readable connection whose first bytes are `POST /invoke` (a MSG_PEEK: the real design would have to answer
other requests itself) is handed to a free worker with SCM_RIGHTS, or waits in arrival order (one more is lent ahead
to a busy worker); the worker reads, parses and answers it on the socket, then tells the server it is done.
"""
import array
import json
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bootstrap"))

from fnruntime import memory, providers  # noqa: E402
from fnruntime.httpresponse import render  # noqa: E402
from fnruntime.httpwire import HttpParser  # noqa: E402
from fnruntime.invocation import RequestIds  # noqa: E402

PREFIX = b"POST /invoke "


def handler(event, context):
    return {"ok": True}


#: The worker's copy of its log descriptor, put back on 1 and 2 before each invocation as the runtime's worker does.
LOG_FD = []


def invocation(provider, request_ids, body, pid, instance):
    """The runtime's per-invocation work for one body: (response body, log bytes)."""
    if not LOG_FD:
        LOG_FD.append(os.dup(2))
    os.dup2(LOG_FD[0], 1)
    os.dup2(LOG_FD[0], 2)
    request_id = request_ids()
    opening = provider.start_line(request_id)
    started = time.monotonic()
    event = json.loads(body) if body.strip() else {}
    context = {"request_id": request_id, "function_name": "function", "function_version": "LATEST",
               "memory_limit_in_mb": 128, "time_limit_in_ms": 3000, "deadline": started + 3.0}
    result = json.dumps(handler(event, context))
    duration_ms = (time.monotonic() - started) * 1000.0
    sys.stdout.flush()
    sys.stderr.flush()
    kb = memory.own_kb(pid)
    closing = [provider.log_line(request_id, "End Invoke"), provider.log_line(request_id, (
        "Report Invoke %s,Duration :%.2fms  BilledDuration: %dms  Memory Size: %d MB  Max Memory Used: %.2f MB"
        % (request_id, duration_ms, int(duration_ms) + 1, 128, kb / 1024.0)))]
    headers = [("Content-Type", "application/json"), ("X-Request-Id", request_id),
               ("X-Function-Instance", str(instance))]
    return render(200, headers, result.encode("utf-8")), ("%s\n%s\n" % (opening, "\n".join(closing))).encode("utf-8")


def lending_worker(channel, instance):
    provider, request_ids, pid = providers.get("jdcloud"), RequestIds(), os.getpid()
    while True:
        fds = array.array("i")
        try:
            message, ancillary, _, _ = channel.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
        except OSError:  # the server is gone
            return
        if not message:
            return
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:fds.itemsize])
        sock = socket.socket(fileno=fds[0])
        sock.setblocking(True)
        parser, requests = HttpParser("127.0.0.1"), []
        try:
            while not requests:  # a client may send the head and the body in two writes
                data = sock.recv(65536)
                if not data:
                    break
                requests = parser.feed(data)
        except OSError:  # reset by the client
            requests = []
        if not requests:
            sock.detach()
            os.close(fds[0])
            channel.send(b"C")  # the client closed: the server forgets it
            continue
        request = requests[0]
        response, log = invocation(provider, request_ids, request.body, pid, instance)
        try:
            sock.send(response)
        except OSError:
            pass
        sock.detach()
        os.close(fds[0])
        channel.send(b"D" + ("%s %s %s\" 200 %d\n" % (request.method, request.target, request.version,
                                                    len(response))).encode("ascii") + log)


def relay_worker(channel, instance):
    provider, request_ids, pid = providers.get("jdcloud"), RequestIds(), os.getpid()
    while True:
        body = channel.recv(65536)
        if not body:
            return
        response, log = invocation(provider, request_ids, body[1:], pid, instance)
        channel.send(b"%d\n" % len(response) + response + log)


class Server(object):
    def __init__(self, port, instances, relay):
        self.relay = relay
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(128)
        self.listener.setblocking(False)
        self.poller = select.poll()
        self.callbacks = {}
        self.watch(self.listener.fileno(), self.accept)
        self.conns = {}  # fd -> (socket, parser)
        self.waiting = []  # ready for a worker, in arrival order: fds (lend), (socket, request) pairs (relay)
        self.workers = []  # [channel, what was handed to it and is not answered yet]
        for number in range(1, instances + 1):
            # message boundaries kept (SOCK_SEQPACKET): a request lent ahead and its answer never run together
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            if os.fork() == 0:
                mine.close()  # its end of the pair must not hold the server's end open
                os.nice(10)  # as the runtime's workers
                (relay_worker if relay else lending_worker)(theirs, number)
                os._exit(0)
            worker = [mine, []]
            self.watch(mine.fileno(), lambda events, w=worker: (self.relayed if relay else self.done)(w))
            self.workers.append(worker)

    def watch(self, fd, callback):
        self.poller.register(fd, select.POLLIN)
        self.callbacks[fd] = callback

    def unwatch(self, fd):
        self.poller.unregister(fd)
        del self.callbacks[fd]

    def accept(self, events):
        while True:
            try:
                sock, _ = self.listener.accept()
            except BlockingIOError:
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conns[sock.fileno()] = (sock, HttpParser("127.0.0.1"))
            self.watch(sock.fileno(), lambda events, fd=sock.fileno(): self.readable(fd))

    def close(self, fd):
        sock, _ = self.conns.pop(fd)
        self.unwatch(fd)
        sock.close()

    def readable(self, fd):
        sock, parser = self.conns[fd]
        try:
            head = sock.recv(65536) if self.relay else sock.recv(len(PREFIX), socket.MSG_PEEK)
        except OSError:  # reset by the client
            return self.close(fd)
        if self.relay:
            if not head:
                return self.close(fd)
            for request in parser.feed(head):
                self.waiting.append((sock, request))
        else:
            if head != PREFIX:  # the real design answers these itself; here only the end of a client
                return self.close(fd)
            self.unwatch(fd)
            self.waiting.append(fd)
        self.dispatch()

    def dispatch(self):
        for limit in (1, 2):  # free workers first, then one lent ahead to each busy one
            for worker in self.workers:
                while self.waiting and len(worker[1]) < limit:
                    self.hand(worker, self.waiting.pop(0))

    def hand(self, worker, item):
        if self.relay:
            worker[0].send(b"B" + item[1].body)
        else:
            worker[0].sendmsg([b"L"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [item]))])
        worker[1].append(item)

    def done(self, worker):
        message = worker[0].recv(65536)
        fd = worker[1].pop(0)
        if message[:1] == b"C":
            sock, _ = self.conns.pop(fd)
            sock.close()
        else:
            facts, _, log = message[1:].partition(b"\n")
            os.write(2, log + b'fnruntime: 127.0.0.1 "' + facts + b"\n")
            self.watch(fd, lambda events, fd=fd: self.readable(fd))
        self.dispatch()

    def relayed(self, worker):
        data = worker[0].recv(65536)
        size, _, rest = data.partition(b"\n")
        response, log = rest[:int(size)], rest[int(size):]
        sock, request = worker[1].pop(0)
        if sock.fileno() != -1:  # else the client left meanwhile (and its descriptor may be another client's now)
            try:
                sock.send(response)
            except OSError:
                pass
        os.write(2, log + ('fnruntime: 127.0.0.1 "%s %s %s" 200 %d\n' % (
            request.method, request.target, request.version, len(response))).encode("ascii"))
        self.dispatch()

    def run(self):
        while True:
            for fd, events in self.poller.poll():
                callback = self.callbacks.get(fd)
                if callback is not None:
                    callback(events)


if __name__ == "__main__":
    Server(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "relay").run()
