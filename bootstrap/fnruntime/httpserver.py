"""`--serve http:HOST:PORT`: the HTTP connection and its routes, on the serve loop (loop.py).

`POST /invoke`: the body is the event, the response body is the result; `X-Request-Id` and, on failure,
`X-Function-Error-Type` headers; 200/202 success, 400 bad event, 413 too large, 500 function error. With
`--api-gateway` every other request becomes the provider's API Gateway event (apigw.py); with `--function-type
http` every request goes to an FC HTTP function (httpfunction.py). Keep-alive, pipelining, chunked request bodies and
`Expect: 100-continue` work (httpwire.py parses the bytes, httpresponse.py renders them); malformed or oversized
requests get a 4xx and the server goes on. `/_/health` and `/_/ready` are the probes (cluster.py), answered at once
and never logged (a platform asks every second or so).
"""
from __future__ import absolute_import, division, print_function

import json

from . import apigw, httpfunction
from .cluster import PROBE_PATHS, probe_response
from .compat import to_bytes
from .config import async_event_problem
from .connection import Connection, Job, STALL_SECONDS
from .errors import INVALID_REQUEST, SERVER_ERROR, SHUTTING_DOWN, TOO_MANY_REQUESTS
from .httpresponse import outcome_response, render, text_response
from .httpwire import CONTINUE, HttpError, HttpParser, SERVER_HEADERS, invocation_type, log_tails
from .invocation import Invocation, new_request_id
from .providers import PAYLOAD_LIMIT


class HttpErrorJob(Job):
    """The answer to a request that could not be read (4xx/5xx with a plain-text message)."""

    def __init__(self, error):
        self.error = error
        self.close_after = error.close

    def immediate(self, server):
        server.write_stderr(to_bytes("fnruntime: HTTP %d: %s" % (self.error.status, self.error.message)))
        return text_response(self.error.status, self.error.message, not self.close_after, self.error.headers)

    def refuse(self, server):
        return self.immediate(server)

    def fail(self, server, message):
        return fault_response(message, not self.close_after)


def fault_response(message, keep_alive):
    return text_response(500, message, keep_alive, [("X-Function-Error-Type", SERVER_ERROR)])


class HttpJob(Job):
    """One parsed request. POST /invoke (and, with --api-gateway, every other request) runs on an instance; 404 and
    405 are answered at once, while functions run."""

    def __init__(self, request):
        self.request = request
        self.close_after = not request.keep_alive
        self.size = len(request.body)
        self.finisher = None  # how the call's result becomes the response, set by `call`

    def immediate(self, server):
        request = self.request
        if request.path in PROBE_PATHS:  # reserved: no function route takes them, --api-gateway or not
            status, headers, body = probe_response(request.path, request.method, server.pool.readiness())
            return render(status, headers, body, request.keep_alive, request.method == "HEAD")
        if request.path == "/invoke" and request.method == "POST" or server.config.api_gateway or \
                server.config.function_type == "http":
            return None
        if request.path == "/invoke":
            status, headers, body = 405, [("Allow", "POST"), ("Content-Type", "text/plain; charset=utf-8")], \
                b"use POST /invoke with the event as the body\n"
        else:
            status, headers, body = 404, [("Content-Type", "text/plain; charset=utf-8")], to_bytes(
                "no route for %s %s: this server answers POST /invoke; start it with --api-gateway to pass every "
                "other request to the function as an API Gateway event\n" % (request.method, request.path))
        return self.rendered(server, status, headers, body)

    def call(self, server, supervisor):
        if server.config.function_type == "http":
            return self.http_function(server, supervisor)
        if self.is_invoke(server):
            return self.invoke(server, supervisor)
        return self.gateway(server, supervisor)

    def is_invoke(self, server):
        """POST /invoke of an event function (with --api-gateway too): the body is the event."""
        request = self.request
        return server.config.function_type != "http" and request.path == "/invoke" and request.method == "POST"

    def finish(self, server, result):
        return self.finisher(server, result)

    def rendered(self, server, status, headers, body, length=None):
        request = self.request
        server.write_stderr(to_bytes('fnruntime: %s "%s %s %s" %d %d' % (
            request.peer, request.method, request.target, request.version, status, len(body))))
        return render(status, headers, body, request.keep_alive, request.method == "HEAD", length)

    def ahead(self, server, supervisor):
        request = self.request
        if not self.is_invoke(server) or log_tails(request):
            return None
        kind, refusal = self.invoke_type(server)
        if refusal is not None:
            return None  # answered when its turn comes
        return self.forwarding(kind, supervisor.prefetch_call(request.body, (kind, request.keep_alive)))

    def invoke(self, server, supervisor):
        """POST /invoke: the body is the event; the result (or the provider's error body) is the response body. A warm
        worker renders the whole response (unless a log tail is asked for)."""
        request = self.request
        kind, refusal = self.invoke_type(server)
        if refusal is not None:
            return self.rendered(server, *error_response(server, *refusal))
        tails = log_tails(request)
        call = None if tails else self.forwarding(kind, supervisor.forward_call(request.body, (kind, request.keep_alive)))
        if call is not None:
            return call
        if server.config.provider != "aliyun" and not request.body.strip():
            invocation = Invocation(event={}, invocation_type=kind)  # as the command line: no event is {}
        else:
            invocation = Invocation(body=request.body, invocation_type=kind)
        self.finisher = lambda server, outcome: self.invoked(server, outcome, kind, tails)
        return supervisor.invoke_call(invocation)

    def invoke_type(self, server):
        """(the invocation type POST /invoke asks for, None), or (None, (status, error type, message)) when its headers
        or its size refuse it."""
        request = self.request
        try:
            kind = invocation_type(request, server.config.invocation_type)
        except HttpError as exc:
            return None, (400, INVALID_REQUEST, exc.message)
        too_large = async_event_problem(server.config.provider, kind, len(request.body))  # JD's 128 KB
        if too_large is not None:
            return None, (413, "PayloadTooLarge", too_large)
        return kind, None

    def forwarding(self, kind, call):
        """`call` (a forwarded call, or None), its result to become the response the worker rendered."""
        if call is not None:
            self.finisher = lambda server, forwarded: self.forwarded(server, forwarded, kind)
        return call

    def invoked(self, server, outcome, kind, tails):
        server.echo(outcome.log)
        return self.rendered(server, *outcome_response(server.config, outcome, kind, tails))

    def forwarded(self, server, forwarded, kind):
        """The response the worker rendered (or the outcome when it did not): its log and the access line go to
        standard error in one write."""
        request = self.request
        if forwarded.response is None:
            status, headers, body = outcome_response(server.config, forwarded.outcome, kind)
            response, log = render(status, headers, body, request.keep_alive), to_bytes(forwarded.outcome.log)
        else:
            response, log = forwarded.response, forwarded.log
        status, body_size = int(response[9:12]), len(response) - response.find(b"\r\n\r\n") - 4
        access = ('fnruntime: %s "%s %s %s" %d %d\n' % (request.peer, request.method, request.target, request.version,
                                                         status, body_size)).encode("utf-8")
        server.write_stderr(log + access if server.echo_logs else access)
        return response

    def gateway(self, server, supervisor):
        """Any request but POST /invoke, with --api-gateway: the provider's API Gateway event in, its reply out."""
        provider = server.config.provider
        request_id = new_request_id()
        event = apigw.build_event(provider, self.request, request_id)
        if provider == "aliyun":  # FC hands the event to the handler as the raw JSON bytes
            invocation = Invocation(body=to_bytes(json.dumps(event)), request_id=request_id)
        else:
            invocation = Invocation(event=event, request_id=request_id)
        if invocation.payload_size() > PAYLOAD_LIMIT:
            return self.rendered(server, *error_response(
                server, 413, "PayloadTooLarge", "the API Gateway event for this request is %d bytes, over the 6 MB (%d "
                "bytes) payload limit; send a smaller body" % (invocation.payload_size(), PAYLOAD_LIMIT)))
        self.finisher = self.replied
        return supervisor.invoke_call(invocation)

    def replied(self, server, outcome):
        server.echo(outcome.log)
        reply = apigw.translate_reply(server.config.provider, outcome)
        if reply.problem:
            server.write_stderr(to_bytes("fnruntime: the function's reply is not a valid API Gateway response: %s"
                                         % reply.problem))
        headers = [(k, v) for k, v in reply.headers if k.lower() not in SERVER_HEADERS]
        headers.append(("X-Request-Id", outcome.request_id))
        if outcome.instance is not None:
            headers.append(("X-Function-Instance", str(outcome.instance)))
        if not outcome.ok:
            headers.append(("X-Function-Error-Type", outcome.error_type))
        if reply.problem:
            headers.append(("X-Function-Error-Type", "InvalidGatewayResponse"))
            headers.append(("X-Fnruntime-Error-Detail", reply.problem.replace("\r", " ").replace("\n", " ")[:500]))
        return self.rendered(server, reply.status, headers, reply.body, head_length(self.request, reply))

    def http_function(self, server, supervisor):
        """Every request, for an FC HTTP function (--function-type http): its body and request params in, the
        application's own response out (httpfunction.py)."""
        invocation = Invocation(body=self.request.body, http=httpfunction.request_params(self.request))
        if invocation.payload_size() > PAYLOAD_LIMIT:
            return self.rendered(server, *error_response(
                server, 413, "PayloadTooLarge", "the request body is %d bytes, over the 6 MB (%d bytes) payload limit"
                % (invocation.payload_size(), PAYLOAD_LIMIT)))
        self.finisher = self.http_answered
        return supervisor.invoke_call(invocation)

    def http_answered(self, server, outcome):
        """A function error is FC's 502 with the error body and X-Fc-Error-Type: UnhandledInvocationError."""
        server.echo(outcome.log)
        if outcome.ok:
            status, headers, body = httpfunction.response_parts(outcome.result)
            headers = [(k, v) for k, v in headers if k.lower() not in SERVER_HEADERS]
        else:
            status, headers, body = 502, [("Content-Type", "application/json"),
                                          ("X-Function-Error-Type", outcome.error_type),
                                          ("X-Fc-Error-Type", "UnhandledInvocationError")], outcome.output_bytes()
        headers += [("X-Request-Id", outcome.request_id), ("X-Fc-Request-Id", outcome.request_id)]
        if outcome.instance is not None:
            headers.append(("X-Function-Instance", str(outcome.instance)))
        return self.rendered(server, status, headers, body)

    def fail(self, server, message):
        return fault_response(message, self.request.keep_alive)

    def refuse(self, server):
        return text_response(503, "the server is shutting down (SIGTERM); this request was not run: send it again",
                             False, [("Retry-After", "1"), ("X-Function-Error-Type", SHUTTING_DOWN)])

    def throttle(self, server):
        status, headers, body = error_response(server, 429, TOO_MANY_REQUESTS, server.throttle_message())
        return self.rendered(server, status, headers + [("Retry-After", "1")], body)


def head_length(request, reply):
    """The application's own Content-Length for a HEAD it answered with no body (a WSGI app through JD's wrapper:
    Werkzeug sends the GET's length), else None (the body's)."""
    if request.method != "HEAD" or reply.body:
        return None
    declared = [str(v).strip() for k, v in reply.headers if k.lower() == "content-length"]
    return int(declared[-1]) if declared and declared[-1].isdigit() else None


def error_response(server, status, error_type, message):
    outcome = server.error_outcome(error_type, message)
    headers = [("Content-Type", "application/json"), ("X-Request-Id", outcome.request_id),
               ("X-Function-Error-Type", error_type)]
    return status, headers, outcome.output_bytes()


class HttpConnection(Connection):
    idle_seconds = 120.0

    def __init__(self, *args, **kwargs):
        Connection.__init__(self, *args, **kwargs)
        self.parser = HttpParser(self.peer)

    def parse(self, data):
        jobs = []
        for item in self.parser.feed(data):
            if item is CONTINUE:
                if not self.queued and not jobs and not self.output:
                    self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            elif isinstance(item, HttpError):
                jobs.append(HttpErrorJob(item))
            else:
                jobs.append(HttpJob(item))
        return jobs

    def at_eof(self):
        error = self.parser.end_of_stream()
        return [HttpErrorJob(error)] if error is not None else []

    def partial(self):
        return self.parser.partial

    def broken(self):
        self.parser.broken = True
        return HttpErrorJob(HttpError(500, "internal error of the runtime while reading this request (see the "
                                           "server's standard error)"))

    def stalled(self):
        return HttpErrorJob(HttpError(408, "the request did not arrive in time: nothing for %d seconds in the middle "
                                           "of a request" % STALL_SECONDS))
