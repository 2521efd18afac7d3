"""What a template says, independent of its format: a Project of Functions, each with its Triggers, and the HTTP
Routes the gateway serves. Template readers (templates/) build these; containers.py and gateway.py only read them.

`ProjectError` is every problem of the user's input, with a message that says what to do; the command line prints
it and exits 2.
"""
import dataclasses
import os
from typing import Dict, List, Optional

#: Where each cloud puts the function's code (PROVIDERS.md); the containers mount it there.
CODE_MOUNTS = {"tencent": "/var/user", "aliyun": "/code", "jdcloud": "/function/code"}


class ProjectError(Exception):
    """Bad input (template, function name, event, option): the message names the problem and the way out."""


@dataclasses.dataclass
class Trigger:
    """One trigger of a function. `kind` is normalised: apigw (Tencent API Gateway), api (JD API Gateway), http (an
    FC HTTP trigger), timer, cos, oss, cmq, ckafka, log, cdn, mns... `methods` and `path` for HTTP kinds; `stage` of a
    gateway; `properties` the template's own mapping as written."""
    kind: str
    name: str
    methods: List[str] = dataclasses.field(default_factory=list)
    path: Optional[str] = None
    stage: Optional[str] = None
    properties: Dict = dataclasses.field(default_factory=dict)

    @property
    def is_http(self):
        return self.kind in ("apigw", "api", "http")

    def event_kind(self, provider):
        """The `generate-event` kind (events/) for this trigger, or None when there is no sample event."""
        return {("tencent", "apigw"): "apigateway", ("tencent", "cos"): "cos-put", ("tencent", "timer"): "timer",
                ("tencent", "cmq"): "cmq", ("tencent", "ckafka"): "ckafka", ("aliyun", "oss"): "oss-put",
                ("aliyun", "timer"): "timer", ("aliyun", "log"): "sls", ("aliyun", "cdn"): "cdn",
                ("aliyun", "apigw"): "apigateway", ("jdcloud", "api"): "apigateway",
                ("jdcloud", "oss"): "oss-put"}.get((provider, self.kind))


@dataclasses.dataclass
class Function:
    """One function as the runtime needs it. `code` is a folder or a zip file (`zip` True); `env` the template's
    environment variables (not the runtime's FUNCTION_* settings: see runtime_env)."""
    name: str
    provider: str
    runtime: str
    image: str
    handler: str
    code: str
    zip: bool = False
    timeout: float = 3
    memory: int = 128
    initializer: Optional[str] = None
    initializer_timeout: Optional[float] = None
    env: Dict[str, str] = dataclasses.field(default_factory=dict)
    triggers: List[Trigger] = dataclasses.field(default_factory=list)
    service: Optional[str] = None        # FC service, Tencent namespace: part of a route's address
    function_type: Optional[str] = None  # "http" for an FC HTTP-trigger function (handler(environ, start_response))
    template: Optional[str] = None       # the template file and line it came from, for messages
    line: Optional[int] = None
    notes: List[str] = dataclasses.field(default_factory=list)  # warnings to show once (a mapped runtime...)
    aliases: List[str] = dataclasses.field(default_factory=list)  # other names it answers to (a component's)

    @property
    def code_mount(self):
        return CODE_MOUNTS[self.provider]

    def runtime_env(self):
        """The runtime's FUNCTION_* settings from the template, then the template's own variables (which may set
        FUNCTION_* themselves); the caller lays the shell's FUNCTION_* and --env over this."""
        env = {"FUNCTION_PROVIDER": self.provider, "FUNCTION_HANDLER": self.handler, "FUNCTION_NAME": self.name,
               "FUNCTION_TIMEOUT": "%g" % self.timeout, "FUNCTION_MEMORY_SIZE": str(self.memory)}
        if self.initializer:
            env["FUNCTION_INITIALIZER"] = self.initializer
        if self.initializer_timeout:
            env["FUNCTION_INITIALIZATION_TIMEOUT"] = "%g" % self.initializer_timeout
        if self.function_type:
            env["FUNCTION_TYPE"] = self.function_type
        env.update(self.env)
        return env

    def where(self):
        return "%s, line %d" % (self.template, self.line) if self.template and self.line else (self.template or "")


@dataclasses.dataclass
class Route:
    """One HTTP route of the gateway: `path` a template path (`/users/{id}`; `{name+}` takes the rest), `methods`
    (ANY = all), `kind` apigw (the provider's API Gateway event) or http (an FC HTTP function, proxied as it is)."""
    function: Function
    methods: List[str]
    path: str
    kind: str
    stage: Optional[str] = None
    trigger: Optional[Trigger] = None

    def describe(self):
        return "%s %s -> %s (%s, %s)" % (",".join(self.methods), self.path, self.function.name,
                                         self.function.provider, "HTTP trigger" if self.kind == "http" else
                                         "API Gateway event")


@dataclasses.dataclass
class Project:
    """A template file read: its format, folder and functions in the template's order."""
    template: str
    format: str
    functions: List[Function]
    name: str = "project"
    sources: List[str] = dataclasses.field(default_factory=list)  # every file read (template by default)

    @property
    def folder(self):
        return os.path.dirname(os.path.abspath(self.template))

    def function(self, name=None):
        """The function called `name`; without a name, the only one. ProjectError lists the names otherwise."""
        names = ", ".join(f.name for f in self.functions) or "(none)"
        if name is None:
            if len(self.functions) == 1:
                return self.functions[0]
            raise ProjectError("%s has %d functions: name one (%s)" % (self.template, len(self.functions), names))
        for function in self.functions:
            if function.name == name or name in function.aliases or (
                    function.service and "%s/%s" % (function.service, function.name) == name):
                return function
        raise ProjectError("no function %r in %s: its functions are %s" % (name, self.template, names))

    def routes(self):
        """Every HTTP route of the project, for the gateway (FC HTTP functions at FC's proxy path, and at / too
        when the project has exactly one)."""
        routes = []
        http_functions = [f for f in self.functions if any(t.kind == "http" for t in f.triggers)]
        for function in self.functions:
            for trigger in function.triggers:
                if trigger.kind in ("apigw", "api"):
                    routes.append(Route(function, trigger.methods or ["ANY"], trigger.path or "/" + function.name,
                                        "apigw", trigger.stage, trigger))
                elif trigger.kind == "http":
                    prefix = "/2016-08-15/proxy/%s/%s" % (function.service or function.name, function.name)
                    routes.append(Route(function, trigger.methods or ["ANY"], prefix + "/{fc_path+}", "http",
                                        None, trigger))
        if len(http_functions) == 1:
            function = http_functions[0]
            trigger = next(t for t in function.triggers if t.kind == "http")
            routes.append(Route(function, trigger.methods or ["ANY"], "/{fc_path+}", "http", None, trigger))
        return routes
