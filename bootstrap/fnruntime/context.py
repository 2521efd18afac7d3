"""The `context` argument each provider passes to a handler.

tencent: a plain `dict`; jdcloud: `AttrDict`, a dict that also answers attribute access (seed 000 says
dict, JD's own tools pass an object); aliyun: `FCContext`, shaped as seed 003 defines it.
"""
from __future__ import absolute_import, division, print_function

import json

#: Variables that belong to the machine or the runtime, not to the function's configuration.
SYSTEM_VARIABLES = frozenset(["PATH", "HOME", "HOSTNAME", "LANG", "LANGUAGE", "TERM", "PWD", "OLDPWD", "SHLVL", "_",
                              "GPG_KEY", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONHOME",
                              "PYTHONIOENCODING", "PYTHON_VERSION", "PYTHON_PIP_VERSION", "PYTHON_GET_PIP_URL",
                              "PYTHON_GET_PIP_SHA256", "PYTHON_SETUPTOOLS_VERSION", "LD_LIBRARY_PATH", "TZ", "USER",
                              "LOGNAME", "SHELL", "MAIL", "DEBIAN_FRONTEND", "PIP_CERT", "PIP_INDEX_URL"])
SECRET_MARKERS = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "PWD", "ACCESS_KEY", "ACCESSKEY", "API_KEY", "APIKEY",
                  "CREDENTIAL", "PRIVATE_KEY", "AUTH")
RUNTIME_PREFIXES = ("FUNCTION_", "LC_", "SCF_FUNCTION_", "FC_")


def is_secret(name):
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def function_variables(environ):
    """The function's own environment variables: no machine, runtime or credential variables."""
    return dict((k, v) for k, v in environ.items()
                if k not in SYSTEM_VARIABLES and not k.startswith(RUNTIME_PREFIXES) and not is_secret(k))


def tencent_factory(config, environ):
    """A function request_id -> context; what does not change between invocations is computed once."""
    variables = function_variables(environ)
    variables.setdefault("SCF_NAMESPACE", environ.get("SCF_NAMESPACE", "default"))
    base = {
        "memory_limit_in_mb": config.memory_mb,
        "time_limit_in_ms": int(round(config.timeout * 1000)),
        "environment": json.dumps(variables, sort_keys=True),
        "environ": ";".join("%s=%s" % item for item in sorted(variables.items())),
        "function_version": environ.get("SCF_FUNCTIONVERSION", "$LATEST"),
        "function_name": config.name,
        "namespace": environ.get("SCF_NAMESPACE", "default"),
        "tencentcloud_region": environ.get("TENCENTCLOUD_REGION", "ap-guangzhou"),
        "tencentcloud_appid": environ.get("TENCENTCLOUD_APPID", ""),
        "tencentcloud_uin": environ.get("TENCENTCLOUD_UIN", ""),
    }
    return lambda request_id: dict(base, request_id=request_id)


class AttrDict(dict):
    """A dict whose keys are also attributes (JD Cloud's context); `vars(context)` gives its fields, as it does for
    JD's own FContext object."""

    __dict__ = property(lambda self: self)

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError("context has no field %r; it has: %s" % (name, ", ".join(sorted(self))))

    def __setattr__(self, name, value):
        self[name] = value


def jdcloud_factory(config, environ):
    function = dict(
        invoked_function_id=environ.get("JDCLOUD_FUNCTION_ID", config.name),
        function_name=config.name,
        function_version=environ.get("JDCLOUD_FUNCTION_VERSION", "LATEST"),
        function_handler=config.handler,
        memory_size=config.memory_mb,
        timeout=whole(config.timeout),
    )
    logset, logtopic = environ.get("JDCLOUD_LOGSET", ""), environ.get("JDCLOUD_LOGTOPIC", "")
    return lambda request_id: AttrDict(request_id=request_id, function=AttrDict(function), logset=logset,
                                       logtopic=logtopic)


class Credentials(object):
    def __init__(self, access_key_id, access_key_secret, security_token):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token

    # Alibaba's camelCase aliases.
    accessKeyId = property(lambda self: self.access_key_id)
    accessKeySecret = property(lambda self: self.access_key_secret)
    securityToken = property(lambda self: self.security_token)

    def __repr__(self):  # printing the context must never log a secret
        return "Credentials(access_key_id=<hidden>, access_key_secret=<hidden>, security_token=<hidden>)"


class ServiceMeta(object):
    def __init__(self, service_name, log_project, log_store, qualifier, version_id):
        self.name = service_name
        self.log_project = log_project
        self.log_store = log_store
        self.qualifier = qualifier
        self.version_id = version_id


class FunctionMeta(object):
    def __init__(self, name, handler, memory, timeout, initializer, initialization_timeout):
        self.name = name
        self.handler = handler
        self.memory = memory
        self.timeout = timeout
        self.initializer = initializer
        self.initialization_timeout = initialization_timeout


class Tracing(object):
    def __init__(self, span_context=None, jaeger_endpoint=None, span_baggages=None):
        self.span_context = span_context
        self.jaeger_endpoint = jaeger_endpoint
        self.span_baggages = span_baggages or {}


class FCContext(object):
    def __init__(self, account_id, request_id, credentials, function_meta, service_meta, region, tracing=None,
                 retry_count=0):
        self.request_id = request_id
        self.credentials = credentials
        self.function = function_meta
        self.service = service_meta
        self.region = region
        self.account_id = account_id
        self.tracing = tracing or Tracing()
        self.retry_count = retry_count

    requestId = property(lambda self: self.request_id)
    accountId = property(lambda self: self.account_id)


# str(context) and repr name the module FC's runtime defines these classes in, not this package's internals.
for _cls in (Credentials, ServiceMeta, FunctionMeta, Tracing, FCContext):
    _cls.__module__ = "fc_rapis_context"
del _cls


def first(environ, *names):
    for name in names:
        if environ.get(name):
            return environ[name]
    return ""


def aliyun_factory(config, environ):
    credentials = Credentials(
        first(environ, "ALIBABA_CLOUD_ACCESS_KEY_ID", "FC_ACCESS_KEY_ID", "accessKeyID"),
        first(environ, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "FC_ACCESS_KEY_SECRET", "accessKeySecret"),
        first(environ, "ALIBABA_CLOUD_SECURITY_TOKEN", "FC_SECURITY_TOKEN", "securityToken"))
    function = FunctionMeta(config.name, config.handler, config.memory_mb, whole(config.timeout), config.initializer,
                            whole(config.initializer_timeout))
    service = ServiceMeta(environ.get("FC_SERVICE_NAME", "service"),
                          first(environ, "FC_SERVICE_LOG_PROJECT", "FC_LOG_PROJECT"),  # fc-docker's, then ours
                          first(environ, "FC_SERVICE_LOG_STORE", "FC_LOG_STORE"), environ.get("FC_QUALIFIER", "LATEST"),
                          environ.get("FC_VERSION_ID", ""))
    account_id, region = environ.get("FC_ACCOUNT_ID", ""), environ.get("FC_REGION", "cn-hangzhou")
    return lambda request_id: FCContext(account_id, request_id, credentials, function, service, region)


def whole(seconds):
    """3.0 -> 3: the clouds show whole seconds as integers."""
    return int(seconds) if seconds == int(seconds) else seconds


def apply_overrides(context, overrides):
    """Fields a caller sets per request (the frame's `context`): keys of a dict, attributes of an object."""
    for key, value in (overrides or {}).items():
        if isinstance(context, dict):
            context[key] = value
        else:
            setattr(context, key, value)
    return context
