"""`fnruntime local start-functions`: one HTTP endpoint speaking each cloud's invoke API, so that the clouds' own
SDKs (`aliyun-fc2`, `tencentcloud-sdk-python`, `jdcloud_sdk`), unmodified and pointed at it, invoke the template's
functions on warm serve-mode containers (the gateway's life cycle and container pool, gateway.Gateway, shared).

- Alibaba FC `InvokeFunction`: `POST /2016-08-15/services/{service}[.{qualifier}|${qualifier}]/functions/{function}
  /invocations`, `x-fc-invocation-type` Sync|Async (Async: 202 at once, the function runs after), `x-fc-log-type:
  Tail` -> `x-fc-log-result`, `x-fc-request-id`; a function error is 200 with `x-fc-error-type:
  UnhandledInvocationError` and the runtime's error body; errors 4xx `{"ErrorCode", "ErrorMessage"}`.
  `GET /2016-08-15/services` and `.../services/{service}/functions` list the template's.
- Tencent SCF API 3.0 `Invoke` and `InvokeFunction`: `POST /` with `X-TC-Action`; always HTTP 200, Content-Type
  exactly application/json, `{"Response": {"Result": {...}, "RequestId"}}` or `{"Response": {"Error": {"Code",
  "Message"}, "RequestId"}}`.
- JD Cloud: `POST /v1/regions/{region}/functions/{function}/versions/{version}:invoke` (`:asyncinvoke`), answered
  `{"requestId", "result": {"data": {...}}}` or `{"requestId", "error": {"code", "status", "message"}}`.

Functions are found by the template's names: FC by service and function, SCF by namespace (default "default") and
function, JD by function; each API serves only its cloud's functions. Every request gets an answer in the shape of
the API it addressed (an unknown path gets FC's shape under /2016-08-15, JD's under /v1, else SCF's).
"""
import asyncio
import base64
import json
import re
import time
import uuid
from email.utils import formatdate

from aiohttp import web

from . import signatures
from .gateway import Gateway
from .upstream import UpstreamError

FC_PREFIX = "/2016-08-15"
FC_INVOKE = re.compile(r"^/2016-08-15/services/([^/]+)/functions/([^/]+)/invocations/?$")
FC_FUNCTIONS = re.compile(r"^/2016-08-15/services/([^/]+)/functions/?$")
FC_SERVICE = re.compile(r"^/2016-08-15/services/([^/]+)/?$")
JD_INVOKE = re.compile(r"^/v1/regions/([^/]+)/functions/([^/]+)/versions/([^/:]+):(invoke|asyncinvoke)$")
SCF_ACTIONS = ("Invoke", "InvokeFunction")
JSON_TYPE = "application/json"


def new_id():
    return str(uuid.uuid4())


def error_kind(headers):
    return headers.get("X-Function-Error-Type")


def decoded_log(headers):
    value = headers.get("X-Log-Result")
    if not value:
        return ""
    try:
        return base64.b64decode(value).decode("utf-8", "replace")
    except ValueError:
        return ""


class FunctionsEndpoint(Gateway):
    """Gateway's life cycle (start, reload, close) for every function of the template, with the clouds' APIs."""

    def __init__(self, project, pool, host="127.0.0.1", port=3001, keys=None, **options):
        super().__init__(project, pool, host, port, **options)
        self.keys = keys  # signatures.Keys when --check-signatures, else None
        self.background = set()
        self.index = {}

    def wanted(self, project):
        return {function.name: function for function in project.functions}

    def applied(self, project):
        index = {}
        for function in project.functions:
            if function.provider == "aliyun":
                index[("aliyun", function.service or function.name, function.name)] = function
            elif function.provider == "tencent":
                index[("tencent", function.service or "default", function.name)] = function
            else:
                index[("jdcloud", None, function.name)] = function
            for alias in function.aliases:
                index.setdefault((function.provider, None if function.provider == "jdcloud" else
                                  (function.service or ("default" if function.provider == "tencent" else alias)),
                                  alias), function)
        self.index = index

    def describe(self):
        lines = []
        base = "http://%s:%d" % (self.host, self.port)
        for (cloud, space, name), function in self.index.items():
            if name != function.name:
                continue
            if cloud == "aliyun":
                lines.append("  FC   %s/2016-08-15/services/%s/functions/%s/invocations" % (base, space, name))
            elif cloud == "tencent":
                lines.append("  SCF  %s/ Invoke FunctionName=%s Namespace=%s" % (base, name, space))
            else:
                lines.append("  JD   %s/v1/regions/REGION/functions/%s/versions/VERSION:invoke" % (base, name))
        return "\n".join(lines)

    async def close(self):
        for task in list(self.background):
            task.cancel()
        await super().close()

    # -- dispatch ------------------------------------------------------------------------------------------------------
    async def handle(self, request):
        path = request.rel_url.raw_path
        try:
            body = await request.read()
            if path == FC_PREFIX or path.startswith(FC_PREFIX + "/"):
                return await self.fc(request, path, body)
            if path.startswith("/v1/"):
                return await self.jd(request, path, body)
            return await self.scf(request, path, body)
        except Exception as exc:  # never a stack trace or a dropped connection
            self.log("fnruntime: start-functions: %s %s failed: %s: %s" % (request.method, path,
                                                                          type(exc).__name__, exc))
            if path.startswith(FC_PREFIX):
                return fc_error(500, "ServiceUnavailable", "the endpoint failed: %s" % exc)
            if path.startswith("/v1/"):
                return jd_error(500, "INTERNAL", "the endpoint failed: %s" % exc)
            return scf_error("InternalError", "the endpoint failed: %s" % exc)

    async def call(self, function, event, tail=True):
        """(status, headers, body) of the function's POST /invoke on its warm container."""
        instance = self.instances.get(function.name)
        if instance is None:
            raise UpstreamError("%s has no running container" % function.name)
        upstream = self.upstreams.get(instance)
        if upstream is None:
            from .upstream import Upstream
            upstream = self.upstreams[instance] = Upstream(instance.host, instance.port)
        return await upstream.post("/invoke", event, headers=[("X-Log-Type", "Tail")] if tail else ())

    def later(self, function, event, request_id):
        """Run an asynchronous invocation after the answer; its outcome on the server's standard error."""
        async def run():
            try:
                status, headers, body = await self.call(function, event)
                kind = error_kind(headers)
                self.log("fnruntime: asynchronous invocation %s of %s: %s" % (
                    request_id, function.name, "failed (%s): %s" % (kind, body.decode("utf-8", "replace")[:2000])
                    if kind else "done"))
            except Exception as exc:
                self.log("fnruntime: asynchronous invocation %s of %s could not run: %s"
                         % (request_id, function.name, exc))
        task = asyncio.ensure_future(run())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def signature_problem(self, check, request, path, body):
        if self.keys is None:
            return None
        headers = {k.lower(): v for k, v in request.headers.items()}
        return check(self.keys, request.method, path, request.rel_url.raw_query_string, headers, body)

    # -- Alibaba FC ----------------------------------------------------------------------------------------------------
    async def fc(self, request, path, body):
        problem = self.signature_problem(signatures.check_fc, request, path, body)
        if problem:
            return fc_error(403 if problem[0] != "MissingRequiredHeader" else 400, *problem)
        match = FC_INVOKE.match(path)
        if match:
            if request.method != "POST":
                return fc_error(405, "MethodNotAllowed", "InvokeFunction is POST, not %s" % request.method)
            return await self.fc_invoke(request, match, body)
        if request.method == "GET":
            if re.match(r"^/2016-08-15/services/?$", path):
                return fc_json(200, {"services": [{"serviceName": s} for s in self.fc_services()],
                                     "nextToken": None})
            listing = FC_FUNCTIONS.match(path)
            if listing:
                service = split_qualifier(listing.group(1))[0]
                if service not in self.fc_services():
                    return fc_error(404, "ServiceNotFound", "service '%s' does not exist" % service)
                return fc_json(200, {"functions": [fc_function(f) for (c, s, n), f in self.index.items()
                                                   if c == "aliyun" and s == service and n == f.name],
                                     "nextToken": None})
            single = FC_SERVICE.match(path)
            if single and single.group(1) in self.fc_services():
                return fc_json(200, {"serviceName": single.group(1)})
        return fc_error(404, "PathNotFound", "start-functions serves InvokeFunction (POST %s/services/SERVICE/"
                                             "functions/FUNCTION/invocations) and the GET listings, not %s %s"
                        % (FC_PREFIX, request.method, path))

    def fc_services(self):
        return sorted({s for c, s, _ in self.index if c == "aliyun"})

    async def fc_invoke(self, request, match, body):
        service, _qualifier = split_qualifier(urllib_unquote(match.group(1)))
        name = urllib_unquote(match.group(2))
        if service not in self.fc_services():
            return fc_error(404, "ServiceNotFound", "service '%s' does not exist; the template's services: %s"
                            % (service, ", ".join(self.fc_services()) or "(none)"))
        function = self.index.get(("aliyun", service, name))
        if function is None:
            return fc_error(404, "FunctionNotFound", "function '%s' does not exist in service '%s'" % (name, service))
        kind = request.headers.get("x-fc-invocation-type", "Sync")
        if kind.lower() not in ("sync", "async"):
            return fc_error(400, "InvalidArgument", "x-fc-invocation-type must be Sync or Async, got %r" % kind)
        if kind.lower() == "async":
            request_id = new_id()
            self.later(function, body, request_id)
            return web.Response(status=202, headers={"x-fc-request-id": request_id, "Content-Type": JSON_TYPE})
        status, headers, data = await self.call(function, body)
        answer = {"x-fc-request-id": headers.get("X-Request-Id", new_id()),
                  "Content-Type": headers.get("Content-Type", "application/octet-stream")}
        if (request.headers.get("x-fc-log-type") or "").lower() == "tail":
            answer["x-fc-log-result"] = headers.get("X-Log-Result", "")
        if error_kind(headers):
            answer["x-fc-error-type"] = "UnhandledInvocationError"
            answer["Content-Type"] = JSON_TYPE
        return web.Response(status=200, body=data, headers=answer)

    # -- Tencent SCF ---------------------------------------------------------------------------------------------------
    async def scf(self, request, path, body):
        action = request.headers.get("X-TC-Action")
        if request.method != "POST" or path != "/":
            return scf_error("UnsupportedOperation", "start-functions serves Tencent SCF's API 3.0 as POST / with "
                                                     "X-TC-Action Invoke or InvokeFunction, not %s %s"
                             % (request.method, path))
        problem = self.signature_problem(signatures.check_tc3, request, path, body)
        if problem:
            return scf_error(*problem)
        if action not in SCF_ACTIONS:
            return scf_error("InvalidAction", "the action %r is not served here: Invoke and InvokeFunction are" %
                             action if action else "the X-TC-Action header is missing (Invoke or InvokeFunction)")
        try:
            fields = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError as exc:
            return scf_error("InvalidParameter", "the request body is not JSON: %s" % exc)
        if not isinstance(fields, dict):
            return scf_error("InvalidParameter", "the request body must be a JSON object")
        name = fields.get("FunctionName")
        if not name or not isinstance(name, str):
            return scf_error("MissingParameter", "the FunctionName field is missing")
        namespace = fields.get("Namespace") or "default"
        event_field = "ClientContext" if action == "Invoke" else "Event"
        event = fields.get(event_field)
        if event is None:
            event = "{}"
        if not isinstance(event, str):
            return scf_error("InvalidParameterValue.%s" % event_field,
                             "%s must be a string holding the event's JSON" % event_field)
        kind = fields.get("InvocationType") or "RequestResponse"
        if action == "InvokeFunction":
            kind = "RequestResponse"
        if kind not in ("RequestResponse", "Event"):
            return scf_error("InvalidParameterValue.InvocationType",
                             "InvocationType must be RequestResponse or Event, got %r" % kind)
        log_type = fields.get("LogType") or "None"
        if log_type not in ("Tail", "None"):
            return scf_error("InvalidParameterValue.LogType", "LogType must be Tail or None, got %r" % log_type)
        if not any(c == "tencent" and s == namespace for c, s, _ in self.index):
            return scf_error("ResourceNotFound.Namespace", "namespace %s does not exist" % namespace)
        function = self.index.get(("tencent", namespace, name))
        if function is None:
            return scf_error("ResourceNotFound.Function", "function %s does not exist in namespace %s"
                             % (name, namespace))
        try:
            parsed = json.loads(event)
        except ValueError as exc:
            return scf_error("InvalidParameterValue.%s" % event_field, "%s is not JSON: %s" % (event_field, exc))
        if not isinstance(parsed, dict):
            return scf_error("InvalidParameterValue.%s" % event_field, "%s must be a JSON object" % event_field)
        if kind == "Event":
            request_id = new_id()
            self.later(function, event.encode("utf-8"), request_id)
            return scf_json({"Result": scf_result(request_id, 0, "", "", "", 0, 0, 0)})
        started = time.monotonic()
        status, headers, data = await self.call(function, event.encode("utf-8"))
        request_id = headers.get("X-Request-Id") or new_id()
        duration = float(headers.get("X-Function-Duration-Ms") or (time.monotonic() - started) * 1000)
        billed = int(headers.get("X-Function-Billed-Duration-Ms") or 0)
        memory = int(float(headers.get("X-Function-Max-Memory-Used-Mb") or 0) * 1024 * 1024)
        log = decoded_log(headers) if log_type == "Tail" else ""
        text = data.decode("utf-8", "replace")
        if error_kind(headers):
            try:
                message = json.loads(text).get("errorMessage", text)
            except (ValueError, AttributeError):
                message = text
            result = scf_result(request_id, 1, text, message, log, duration, billed, memory)
        else:
            result = scf_result(request_id, 0, text, "", log, duration, billed, memory)
        return scf_json({"Result": result})

    # -- JD Cloud ------------------------------------------------------------------------------------------------------
    async def jd(self, request, path, body):
        problem = self.signature_problem(signatures.check_jd, request, path, body)
        if problem:
            return jd_error(401, *problem)
        match = JD_INVOKE.match(path)
        if not match:
            return jd_error(404, "NOT_FOUND", "start-functions serves POST /v1/regions/REGION/functions/FUNCTION/"
                                              "versions/VERSION:invoke (and :asyncinvoke), not %s %s"
                            % (request.method, path))
        if request.method != "POST":
            return jd_error(405, "METHOD_NOT_ALLOWED", "invoke is POST, not %s" % request.method)
        _region, name, _version, verb = (urllib_unquote(g) for g in match.groups())
        function = self.index.get(("jdcloud", None, name))
        if function is None:
            return jd_error(404, "NOT_FOUND", "function %s does not exist" % name)
        try:
            fields = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError as exc:
            return jd_error(400, "INVALID_ARGUMENT", "the request body is not JSON: %s" % exc)
        if not isinstance(fields, dict):
            return jd_error(400, "INVALID_ARGUMENT", "the request body must be a JSON object")
        event = fields.get("event")
        if event is None:
            event = "{}"
        if not isinstance(event, str):
            event = json.dumps(event)
        if verb == "asyncinvoke":
            request_id = new_id().replace("-", "")
            self.later(function, event.encode("utf-8"), request_id)
            return jd_json(200, {"requestId": request_id, "result": {}})
        status, headers, data = await self.call(function, event.encode("utf-8"))
        if error_kind(headers) == "InvalidEvent":
            return jd_error(400, "INVALID_ARGUMENT", data.decode("utf-8", "replace"))
        request_id = (headers.get("X-Request-Id") or new_id()).replace("-", "")
        result = {"result": data.decode("utf-8", "replace"), "logStr": decoded_log(headers),
                  "invokeTime": float(headers.get("X-Function-Duration-Ms") or 0),
                  "billingTime": int(headers.get("X-Function-Billed-Duration-Ms") or 0),
                  "setupMem": function.memory,
                  "realMem": float(headers.get("X-Function-Max-Memory-Used-Mb") or 0),
                  "codeCheckSum": ""}
        return jd_json(200, {"requestId": request_id, "result": {"data": result}})


def urllib_unquote(text):
    from urllib.parse import unquote
    return unquote(text)


def split_qualifier(text):
    """'svc.prod' or 'svc$prod' (the 2.0.x SDKs) -> ('svc', 'prod'); 'svc' -> ('svc', None)."""
    for mark in (".", "$"):
        if mark in text:
            service, _, qualifier = text.partition(mark)
            return service, qualifier
    return text, None


def fc_function(function):
    return {"functionName": function.name, "runtime": function.runtime, "handler": function.handler,
            "timeout": function.timeout, "memorySize": function.memory, "initializer": function.initializer,
            "environmentVariables": dict(function.env)}


def fc_json(status, value):
    return web.Response(status=status, body=json.dumps(value).encode("utf-8"),
                        headers={"Content-Type": JSON_TYPE, "x-fc-request-id": new_id(),
                                 "Date": formatdate(usegmt=True)})


def fc_error(status, code, message):
    return fc_json(status, {"ErrorCode": code, "ErrorMessage": message})


def scf_result(request_id, code, ret, err, log, duration, billed, memory):
    return {"FunctionRequestId": request_id, "Duration": round(duration, 3), "BillDuration": billed,
            "MemUsage": memory, "RetMsg": ret, "ErrMsg": err, "Log": log, "InvokeResult": code}


def scf_json(response):
    response["RequestId"] = new_id()
    answer = web.Response(status=200, body=json.dumps({"Response": response}).encode("utf-8"))
    answer.headers["Content-Type"] = JSON_TYPE  # exactly: a charset makes new SDKs swallow errors
    return answer


def scf_error(code, message):
    return scf_json({"Error": {"Code": code, "Message": message}})


def jd_json(status, value):
    answer = web.Response(status=status, body=json.dumps(value).encode("utf-8"))
    answer.headers["Content-Type"] = JSON_TYPE
    answer.headers["x-jdcloud-request-id"] = value.get("requestId", "")
    return answer


def jd_error(status, code_status, message):
    return jd_json(status, {"requestId": new_id().replace("-", ""),
                            "error": {"code": status, "status": code_status, "message": message}})
