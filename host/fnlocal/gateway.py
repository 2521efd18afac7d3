"""`fnruntime local start-api`: one aiohttp server in front of a project's warm containers (containers.ContainerPool).

A Tencent `apigw` or JD `Api` route turns the request into its provider's API Gateway event (apievents.py), sends it
to the function's `POST /invoke` and turns the reply back into HTTP; a Tencent route answers below its stage too
(`/release/...`, as the default domain's URLs carry it; the event's path is without it). An FC HTTP trigger is proxied as it is to the
function's `--serve http` server, which runs `handler(environ, start_response)`, with the path below its
`/2016-08-15/proxy/{service}/{function}` prefix (or below `/` for a project's only HTTP function). `GET /` lists the
routes when no route has it; an unknown path gets 404 with the list, a known path with another method 405.

`Gateway(project, pool, ...)`: `await start()` starts the containers and listens, `await reload(project)` applies a
changed template (restarting only the functions whose settings changed), `await close()` stops everything.
"""
import asyncio
import dataclasses
import sys
import uuid

import aiohttp
from aiohttp import web
from yarl import URL

from . import apievents
from .model import ProjectError
from .routes import RouteTable
from .upstream import Upstream, UpstreamError

HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "content-length", "host", "server", "date"}
CLIENT_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10)


def signature(function):
    """What decides a function's container: a template change that alters it restarts the container."""
    fields = dataclasses.asdict(function)
    fields.pop("line", None)
    fields.pop("notes", None)
    return repr(sorted(fields.items()))


class Gateway:
    def __init__(self, project, pool, host="127.0.0.1", port=3000, instances=1, watch=False, overrides=None,
                 image=None, log=None, debug_ports=None):
        self.project = project
        self.pool = pool
        self.debug_ports = debug_ports or {}  # function name -> the port its instance waits for a debugger on
        self.host, self.port = host, port
        self.options = dict(instances=instances, watch=watch, overrides=overrides, image=image)
        self.log = log or (lambda text: sys.stderr.write(text + "\n"))
        self.instances = {}      # function name -> containers.Instance
        self.signatures = {}
        self.table = RouteTable([])
        self.session = None
        self.runner = None
        self.upstreams = {}      # containers.Instance -> Upstream (the apigw routes' kept-alive connections)

    # -- life cycle ----------------------------------------------------------------------------------------------------
    async def start(self):
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, limit_per_host=0,
                                                                            keepalive_timeout=60),
                                             timeout=CLIENT_TIMEOUT, auto_decompress=False)
        app = web.Application(client_max_size=7 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await self.close()
            raise ProjectError("cannot listen on %s:%d: %s; choose another with --port (or stop what uses it)"
                               % (self.host, self.port, exc.strerror or exc))
        if self.port == 0:
            self.port = site._server.sockets[0].getsockname()[1]
        await self.apply(self.project)

    async def apply(self, project):
        """Start what `project` needs and is not running, restart what changed, stop what is gone."""
        wanted = self.wanted(project)
        loop = asyncio.get_running_loop()
        for name in list(self.instances):
            if name not in wanted:
                instance = self.instances.pop(name)
                self.signatures.pop(name, None)
                await self.forget(instance)
                await loop.run_in_executor(None, self.pool.stop, instance)
                self.log("fnruntime: %s is no longer in the template: its container is stopped" % name)
        starts = []
        for name, function in wanted.items():
            if self.signatures.get(name) == signature(function):
                self.instances[name].function = function
                continue
            starts.append((name, function, self.instances.pop(name, None)))
        results = await asyncio.gather(*(loop.run_in_executor(None, self.start_one, f, old)
                                         for _, f, old in starts), return_exceptions=True)
        failures = []
        for (name, function, old), result in zip(starts, results):
            if isinstance(result, BaseException):
                failures.append(result)
                continue
            self.instances[name] = result
            self.signatures[name] = signature(function)
            if old is not None:
                await self.forget(old)
            if old is not None:
                self.log("fnruntime: %s changed in the template: a fresh container serves it" % name)
        self.project = project
        self.table = RouteTable(project.routes())
        self.applied(project)
        if failures:
            raise failures[0] if isinstance(failures[0], ProjectError) else ProjectError(str(failures[0]))

    def wanted(self, project):
        """The functions that need a container: those with a route (start-functions serves them all)."""
        wanted = {}
        for route in project.routes():
            wanted.setdefault(route.function.name, route.function)
        return wanted

    async def forget(self, instance):
        upstream = self.upstreams.pop(instance, None)
        if upstream is not None:
            await upstream.close()

    def applied(self, project):
        """Called when `project` is the one served (a subclass indexes its functions)."""

    def start_one(self, function, old):
        if old is not None:
            self.pool.stop(old)
        for note in function.notes:
            self.log("fnruntime: note: %s" % note)
        return self.pool.start(function, debug_port=self.debug_ports.get(function.name), **self.options)

    async def reload(self, project):
        await self.apply(project)

    async def close(self):
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.session is not None:
            await self.session.close()
            self.session = None
        for instance in list(self.upstreams):
            await self.forget(instance)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.pool.close)
        self.instances.clear()

    def describe(self):
        lines = []
        for pattern, route in self.table.entries:
            if route.kind == "http":
                kind = "FC HTTP trigger"
            else:
                stage = route.stage or ("release" if route.function.provider == "tencent" else "test")
                kind = "%s API Gateway event, stage %s" % (route.function.provider, stage)
                if route.function.provider == "tencent":
                    kind += "; also under /%s%s" % (stage, route.path)
            lines.append("  %-7s http://%s:%d%s -> %s (%s)" % (
                ",".join(route.methods), self.host, self.port, route.path, route.function.name, kind))
        return "\n".join(lines)

    # -- requests ------------------------------------------------------------------------------------------------------
    def find(self, method, path):
        """(route, path parameters or allowed methods, the path the function sees). A Tencent API Gateway route also
        answers below its stage, as the service's default domain serves it (`/release/users/42`, `/test/...`,
        `/prepub/...`): the stage is taken off the path, which the event carries without it, as the cloud's does."""
        route, found = self.table.find(method, path)
        if route is not None:
            return route, found, path
        stage, _, rest = path[1:].partition("/")
        staged, params = self.table.find(method, "/" + rest)
        if staged is not None and staged.function.provider == "tencent" and staged.kind != "http" and \
                stage == (staged.stage or "release"):
            return staged, params, "/" + rest
        return None, found, path

    async def handle(self, request):
        route, found, path = self.find(request.method, request.path)
        if route is None:
            if found:
                return web.Response(status=405, headers={"Allow": ", ".join(sorted(set(found)))},
                                    text="%s is not allowed on %s: the template allows %s\n" % (
                                        request.method, request.path, ", ".join(sorted(set(found)))))
            if request.path == "/" and request.method in ("GET", "HEAD"):
                return web.Response(text="Routes of %s:\n%s\n" % (self.project.template, self.describe()))
            return web.Response(status=404, text="no route for %s %s in %s; the routes are:\n%s\n" % (
                request.method, request.path, self.project.template, self.describe()))
        instance = self.instances.get(route.function.name)
        if instance is None:
            return web.Response(status=503, text="%s has no running container\n" % route.function.name)
        body = await request.read()
        try:
            if route.kind == "http":
                return await self.proxy(request, route, instance, body)
            return await self.gateway(request, route, instance, found, body, path)
        except (aiohttp.ClientError, UpstreamError) as exc:
            return web.Response(status=502, text="the container of %s did not answer: %s\n"
                                % (route.function.name, exc))

    async def gateway(self, request, route, instance, params, body, path):
        provider = route.function.provider
        request_id = str(uuid.uuid4())
        peer = request.remote or "127.0.0.1"
        event = apievents.build_event(provider, request.method, path, request.query_string,
                                      request.headers, body, peer, route, params, request_id)
        payload = apievents.json.dumps(event).encode("utf-8")
        upstream = self.upstreams.get(instance)
        if upstream is None:
            upstream = self.upstreams[instance] = Upstream(instance.host, instance.port)
        answer_status, answer_headers, data = await upstream.post("/invoke", payload)
        status, headers, reply_body, problem = apievents.reply(provider, answer_status, answer_headers, data)
        extra = [("X-Request-Id", answer_headers.get("X-Request-Id", request_id))]
        if answer_headers.get("X-Function-Error-Type"):
            extra.append(("X-Function-Error-Type", answer_headers["X-Function-Error-Type"]))
        if problem:
            self.log("fnruntime: %s: the function's reply is not a valid API Gateway response: %s"
                     % (route.function.name, problem))
            extra += [("X-Function-Error-Type", "InvalidGatewayResponse"),
                      ("X-Fnruntime-Error-Detail", problem.replace("\r", " ").replace("\n", " ")[:500])]
        response = web.Response(status=status, body=reply_body)
        for name, value in headers:
            if name.lower() not in HOP_HEADERS:
                response.headers.add(name, value)
        for name, value in extra:
            response.headers.add(name, value)
        return response

    async def proxy(self, request, route, instance, body):
        """The request as it came (raw path below the route's prefix, query, headers, body) to the function's own
        HTTP server, and its response back."""
        prefix = route.path[:route.path.index("{")].rstrip("/")
        raw = request.rel_url.raw_path
        path = raw[len(prefix):] if raw.startswith(prefix) else raw
        query = request.rel_url.raw_query_string
        target = URL(instance.url + ("/" + path.lstrip("/")) + ("?" + query if query else ""), encoded=True)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_HEADERS]
        async with self.session.request(request.method, target, data=body, headers=headers,
                                        allow_redirects=False) as answer:
            data = await answer.read()
            response = web.Response(status=answer.status, body=data)
            for name, value in answer.headers.items():
                if name.lower() not in HOP_HEADERS:
                    response.headers.add(name, value)
        return response
