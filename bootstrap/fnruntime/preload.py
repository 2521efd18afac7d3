"""The eager cold start (`--serve http` without an address, cluster.py): the first instance's worker started and its
handler imported before any request, run on an instance as a request is (`Pool.preload`), answering no one.
"""
from __future__ import absolute_import, division, print_function

from .calls import Done
from .cluster import READY_PATH
from .compat import to_bytes
from .connection import Job
from .logsink import LogSink


class Preload(Job):
    """The cold start of `Pool.preload`, run on an instance as a request is (it answers no one)."""

    def call(self, server, supervisor):
        return self.cold_start(supervisor)

    @staticmethod
    def cold_start(supervisor):
        """Start the worker and wait for it to import the handler. Ends with Done((the log of the import, its duration
        in ms or None)). The worker stays, loaded (`supervisor.preloaded`): the first request it serves reports this
        cold start as its own (init duration, initializer). One that failed to import is gone: the next request starts
        another."""
        sink = supervisor.sink = LogSink()
        try:
            try:
                supervisor.spawn()
            except OSError as exc:
                supervisor.load_failure = supervisor.start_failure(exc)
                yield Done(("", None))
                return
            message = yield supervisor.load_seconds()
            supervisor.loaded(message)
            if message.get("phase") == "loaded":
                supervisor.preloaded = message
            else:
                supervisor.kill()
            yield Done((sink.text(), message.get("init_ms")))
        finally:
            supervisor.sink = None

    def finish(self, server, result):
        log, init_ms = result
        pool = server.pool
        pool.preloading = False
        server.echo(log)
        if init_ms is not None:
            server.write_stderr(to_bytes("fnruntime: cold start at start: %s imported in %.0f ms; %s answers 200\n"
                                         % (server.config.handler, init_ms, READY_PATH)))
        else:
            failure = pool.readiness().failure
            server.write_stderr(to_bytes("fnruntime: cold start at start failed: %s: %s; %s answers 503 until a cold "
                                         "start imports the handler\n" % (failure.error_type, failure.message,
                                                                          READY_PATH)))
        return None

    def fail(self, server, message):
        server.pool.preloading = False
        return None


class Detached(object):
    """The connection of a job that answers no one."""

    closed = True
