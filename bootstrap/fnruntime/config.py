"""Configuration of one runtime process, from the command line and the environment.

Precedence: command-line option, then `FUNCTION_*`, then the provider's own variable names
(`SCF_FUNCTION_*`, `FC_*`), then the provider's default. `Config.from_argv(argv, environ)` is the
only place that reads either; everything else is handed the resulting object.
"""
from __future__ import absolute_import, division, print_function

import os

from .access import denied
from .errors import UsageError

PROVIDERS = ("tencent", "aliyun", "jdcloud")
CODE_DIRS = ("/var/task", "/var/user", "/code", "/function/code")
INVOCATION_TYPES = ("RequestResponse", "Event")
#: event: handler(event, context); http: FC's HTTP functions, handler(environ, start_response) (httpfunction.py).
FUNCTION_TYPES = ("event", "http")

#: option name -> environment variables, most specific first after FUNCTION_*.
ENV_NAMES = {
    "provider": ("FUNCTION_PROVIDER",),
    "handler": ("FUNCTION_HANDLER", "SCF_FUNCTION_HANDLER", "FC_FUNCTION_HANDLER", "FC_HANDLER"),
    "timeout": ("FUNCTION_TIMEOUT", "SCF_FUNCTION_TIMEOUT", "FC_TIMEOUT", "FC_FUNCTION_TIMEOUT"),
    "memory": ("FUNCTION_MEMORY_SIZE", "SCF_FUNCTION_MEMORY_SIZE", "FC_MEMORY_SIZE", "FC_FUNCTION_MEMORY_SIZE"),
    "initializer": ("FUNCTION_INITIALIZER", "FC_INITIALIZER"),
    "initializer_timeout": ("FUNCTION_INITIALIZATION_TIMEOUT", "FC_INITIALIZATION_TIMEOUT"),
    "load_timeout": ("FUNCTION_LOAD_TIMEOUT",),
    # K_SERVICE: the service's name, which Knative and Cloud Run set
    "name": ("FUNCTION_NAME", "SCF_FUNCTION_NAME", "SCF_FUNCTIONNAME", "FC_FUNCTION_NAME", "K_SERVICE"),
    "zip": ("FUNCTION_ZIP",),
    "code": ("FUNCTION_CODE_DIR",),
    "invocation_type": ("FUNCTION_INVOCATION_TYPE",),
    "serve": ("FUNCTION_SERVE",),
    "debug_port": ("FUNCTION_DEBUG_PORT",),
    "layers": ("FUNCTION_LAYERS",),
    "instances": ("FUNCTION_INSTANCES",),
    "instance_idle": ("FUNCTION_INSTANCE_IDLE",),
    "function_type": ("FUNCTION_TYPE",),
    "watch": ("FUNCTION_WATCH",),
}
#: Where the clouds lay out a function's layers; on sys.path after any --layer folder, when it exists.
CLOUD_LAYER_ROOT = "/opt"
#: The limits a cloud documents for a function's configuration, checked at start (a usage error names the limit):
#: JD Cloud's Restrictions page (Introduction/Restrictions.md of its documentation): timeout 1 to 300 s, memory 128
#: MB to 1 GB in steps of 128 MB, an asynchronous event up to 128 KB. Tencent's and Alibaba's are not checked.
LIMITS = {"jdcloud": {"cloud": "JD Cloud", "timeout": (1, 300), "memory": (128, 1024, 128),
                      "async_event_bytes": 128 * 1024}}
DEFAULT_HANDLERS = {"tencent": "index.main_handler", "aliyun": "index.handler", "jdcloud": "index.handler"}
#: load_timeout: how long importing the handler's module (a cold start) may take, at least --timeout: ours, as no
#: provider documents a limit of its own on it (it lets `import tensorflow` at module level pass a 3 s function).
DEFAULTS = {"provider": "tencent", "timeout": "3", "memory": "128", "initializer_timeout": "3", "load_timeout": "30",
            "name": "function", "invocation_type": "RequestResponse",
            "instances": "1"}
#: `--instances` at most: each instance is a process (the clouds' default concurrency per function is far higher, but
#: one container has few CPUs; more instances than that only queue on them).
MAX_INSTANCES = 64


class Config(object):
    """Everything a runtime process needs to know, resolved once."""

    debug_port = None
    debug_wait = True

    def __init__(self, provider, handler, timeout, memory_mb, initializer, initializer_timeout, name,
                 code_dir, zip_path, invocation_type, serve, api_gateway, environ, layers=(), instances=1,
                 instance_idle=None, function_type="event", watch=False, load_timeout=30.0):
        self.provider = provider
        self.handler = handler
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.initializer = initializer
        self.initializer_timeout = initializer_timeout
        self.load_timeout = load_timeout
        self.name = name
        self.code_dir = code_dir
        self.zip_path = zip_path
        self.invocation_type = invocation_type
        self.serve = serve
        self.api_gateway = api_gateway
        self.instances = instances
        self.instance_idle = instance_idle
        self.environ = environ
        self.layers = list(layers)
        self.function_type = function_type
        self.watch = watch

    @classmethod
    def from_options(cls, options, environ):
        """`options` is a mapping of option name -> value or None (from argparse or a test)."""
        sources = {}

        def pick(key):
            value = options.get(key)
            if value not in (None, ""):
                sources[key] = "option --%s" % key.replace("_", "-")
                return value
            for env_name in ENV_NAMES.get(key, ()):
                if environ.get(env_name):
                    sources[key] = "environment variable %s" % env_name
                    return environ[env_name]
            sources[key] = "default"
            return DEFAULTS.get(key)

        def number(key):
            value = pick(key)
            try:
                result = float(value)
            except (TypeError, ValueError):
                raise UsageError("%s must be a number, got %r (from %s)" % (key.replace("_", " "), value, sources[key]))
            if result <= 0:
                raise UsageError("%s must be greater than 0, got %r (from %s)" % (
                    key.replace("_", " "), value, sources[key]))
            return result

        provider = pick("provider").lower()
        if provider not in PROVIDERS:
            raise UsageError("unknown provider %r (from %s): choose one of %s"
                             % (provider, sources["provider"], ", ".join(PROVIDERS)))
        invocation_type = pick("invocation_type")
        if invocation_type not in INVOCATION_TYPES:
            raise UsageError("unknown invocation type %r (from %s): use RequestResponse or Event"
                             % (invocation_type, sources["invocation_type"]))
        zip_path = pick("zip")
        if zip_path and (not os.path.isfile(zip_path) or denied(zip_path)):
            problem = denied(zip_path)
            raise UsageError("zip package %r %s (from %s)" % (zip_path, "is unusable: " + problem if problem
                                                               else "does not exist", sources["zip"]))
        code_dir = pick("code")
        if code_dir and (not os.path.isdir(code_dir) or denied(code_dir)):
            problem = denied(code_dir)
            raise UsageError("code directory %r %s (from %s)" % (code_dir, "is unusable: " + problem if problem
                                                                  else "does not exist", sources["code"]))
        if not code_dir and not zip_path:
            code_dir = find_code_dir()
        layers = layer_folders(options.get("layers"), environ)
        instances = pick("instances")
        if not (instances or "").strip().isdigit() or not 1 <= int(instances) <= MAX_INSTANCES:
            raise UsageError("instances must be a whole number from 1 to %d, got %r (from %s)"
                             % (MAX_INSTANCES, instances, sources["instances"]))
        instance_idle = number("instance_idle") if pick("instance_idle") not in (None, "") else None
        function_type = (pick("function_type") or "event").lower()
        if function_type not in FUNCTION_TYPES:
            raise UsageError("unknown function type %r (from %s): use event or http" % (
                function_type, sources["function_type"]))
        if function_type == "http" and provider != "aliyun":
            raise UsageError("function type http (from %s) is FC's HTTP functions: use it with --provider aliyun; "
                             "for %s behind an HTTP server use --serve http:HOST:PORT --api-gateway"
                             % (sources["function_type"], provider))
        if function_type == "http" and options.get("api_gateway"):
            raise UsageError("--api-gateway turns requests into API Gateway events, but function type http (from %s) "
                             "takes the HTTP requests themselves: drop one of the two" % sources["function_type"])
        timeout, memory = number("timeout"), number("memory")
        check_limits(provider, timeout, memory, sources)
        return cls(
            instances=int(instances),
            instance_idle=instance_idle,
            provider=provider,
            handler=pick("handler") or DEFAULT_HANDLERS[provider],
            timeout=timeout,
            memory_mb=int(memory),
            initializer=pick("initializer"),
            initializer_timeout=number("initializer_timeout"),
            load_timeout=number("load_timeout"),
            name=pick("name"),
            code_dir=os.path.abspath(code_dir) if code_dir else None,
            zip_path=os.path.abspath(zip_path) if zip_path else None,
            invocation_type=invocation_type,
            serve=pick("serve"),
            api_gateway=bool(options.get("api_gateway")),
            environ=dict(environ),
            layers=layers,
            function_type=function_type,
            watch=watch_flag(options.get("watch"), environ),
        ).with_debugger(debug_port(pick("debug_port"), sources),
                        not (options.get("debug_no_wait") or truthy(environ.get("FUNCTION_DEBUG_NO_WAIT"))))

    def with_debugger(self, port, wait):
        """`--debug-port`: the port the instance's debugger listens on (None: no debugger), and whether the
        instance waits for it before user code runs."""
        self.debug_port = port
        self.debug_wait = wait
        return self


def check_limits(provider, timeout, memory, sources):
    """UsageError when the timeout or the memory size is outside what the provider's cloud accepts (LIMITS)."""
    limits = LIMITS.get(provider)
    if limits is None:
        return
    low, high = limits["timeout"]
    if not low <= timeout <= high:
        raise UsageError("timeout %g s is outside %s's limits of %d to %d seconds (from %s)"
                         % (timeout, limits["cloud"], low, high, sources["timeout"]))
    low, high, step = limits["memory"]
    if not (low <= memory <= high and memory % step == 0):
        raise UsageError("memory size %g MB is not one %s offers: %d to %d MB in steps of %d (from %s)"
                         % (memory, limits["cloud"], low, high, step, sources["memory"]))


def async_event_limit(provider):
    """The largest asynchronous (Event) event the provider's cloud accepts, in bytes, or None (not checked)."""
    return LIMITS.get(provider, {}).get("async_event_bytes")


def async_event_problem(provider, invocation_type, size):
    """Why an event of `size` bytes (its declared size) cannot be invoked asynchronously on the provider's cloud, or
    None: the same refusal in one-shot, framed and HTTP modes."""
    limit = async_event_limit(provider) if invocation_type == "Event" else None
    if limit is None or size <= limit:
        return None
    return ("the event is %d bytes, over the %d KB (%d bytes) limit of an asynchronous invocation on %s; send a "
            "smaller event, or invoke synchronously (RequestResponse, up to 6 MB)" % (size, limit // 1024, limit,
                                                                                      provider))


def debug_port(value, sources):
    if value in (None, ""):
        return None
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise UsageError("debug port must be a TCP port number (1 to 65535), got %r (from %s)"
                         % (value, sources["debug_port"]))
    return port


def truthy(value):
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def layer_folders(option_values, environ):
    """The layer folders: every --layer (in order), else FUNCTION_LAYERS (colon-separated), then /opt when it
    exists (the clouds' own layer root, where `-v layer:/opt` mounts one); UsageError names a missing folder."""
    if option_values:
        given, source = list(option_values), "option --layer"
    else:
        given, source = [p for p in environ.get("FUNCTION_LAYERS", "").split(":") if p], "FUNCTION_LAYERS"
    folders = []
    for path in given:
        if not os.path.isdir(path):
            raise UsageError("layer folder %r does not exist (from %s): give a folder laid out as the cloud's /opt "
                             "(aliyun: python/..., tencent and jdcloud: the packages at its root)" % (path, source))
        folders.append(os.path.abspath(path))
    if os.path.isdir(CLOUD_LAYER_ROOT) and CLOUD_LAYER_ROOT not in folders:
        folders.append(CLOUD_LAYER_ROOT)
    return folders
def watch_flag(option, environ):
    """--watch, else FUNCTION_WATCH (1/true/yes/on, or 0/false/no/off/empty)."""
    if option:
        return True
    value = (environ.get("FUNCTION_WATCH") or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise UsageError("FUNCTION_WATCH must be 1 or 0 (true/false), got %r" % environ.get("FUNCTION_WATCH"))


def find_code_dir():
    for path in CODE_DIRS:
        try:
            if os.listdir(path):
                return path
        except OSError:
            continue
    return os.getcwd()
