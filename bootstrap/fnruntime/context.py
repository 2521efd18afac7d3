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
SECRET_MARKERS = ("SECRET", "TOKEN", "PASSWORD", "ACCESS_KEY", "ACCESSKEY", "CREDENTIAL", "PRIVATE_KEY")
RUNTIME_PREFIXES = ("FUNCTION_", "LC_", "SCF_FUNCTION_", "FC_")


def is_secret(name):
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def function_variables(environ):
    """The function's own environment variables: no machine, runtime or credential variables."""
    return dict((k, v) for k, v in environ.items()
                if k not in SYSTEM_VARIABLES and not k.startswith(RUNTIME_PREFIXES) and not is_secret(k))


def tencent_context(config, request_id, environ):
    variables = function_variables(environ)
    variables.setdefault("SCF_NAMESPACE", environ.get("SCF_NAMESPACE", "default"))
    return {
        "memory_limit_in_mb": config.memory_mb,
        "time_limit_in_ms": int(round(config.timeout * 1000)),
        "request_id": request_id,
        "environment": json.dumps(variables, sort_keys=True),
        "environ": ";".join("%s=%s" % item for item in sorted(variables.items())),
        "function_version": environ.get("SCF_FUNCTIONVERSION", "$LATEST"),
        "function_name": config.name,
        "namespace": environ.get("SCF_NAMESPACE", "default"),
        "tencentcloud_region": environ.get("TENCENTCLOUD_REGION", "ap-guangzhou"),
        "tencentcloud_appid": environ.get("TENCENTCLOUD_APPID", ""),
        "tencentcloud_uin": environ.get("TENCENTCLOUD_UIN", ""),
    }


class AttrDict(dict):
    """A dict whose keys are also attributes (JD Cloud's context)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError("context has no field %r; it has: %s" % (name, ", ".join(sorted(self))))

    def __setattr__(self, name, value):
        self[name] = value


def jdcloud_context(config, request_id, environ):
    return AttrDict(
        request_id=request_id,
        function=AttrDict(
            invoked_function_id=environ.get("JDCLOUD_FUNCTION_ID", config.name),
            function_name=config.name,
            function_version=environ.get("JDCLOUD_FUNCTION_VERSION", "LATEST"),
            function_handler=config.handler,
            memory_size=config.memory_mb,
            timeout=int(config.timeout) if config.timeout == int(config.timeout) else config.timeout,
        ),
        logset=environ.get("JDCLOUD_LOGSET", ""),
        logtopic=environ.get("JDCLOUD_LOGTOPIC", ""),
    )


class Credentials(object):
    def __init__(self, access_key_id, access_key_secret, security_token):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token

    # Alibaba's camelCase aliases.
    accessKeyId = property(lambda self: self.access_key_id)
    accessKeySecret = property(lambda self: self.access_key_secret)
    securityToken = property(lambda self: self.security_token)

    def __repr__(self):  # never print the secrets
        return "Credentials(access_key_id=%r, access_key_secret=<hidden>, security_token=<hidden>)" % (
            self.access_key_id,)


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


def first(environ, *names):
    for name in names:
        if environ.get(name):
            return environ[name]
    return ""


def aliyun_context(config, request_id, environ):
    credentials = Credentials(
        first(environ, "ALIBABA_CLOUD_ACCESS_KEY_ID", "FC_ACCESS_KEY_ID", "accessKeyID"),
        first(environ, "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "FC_ACCESS_KEY_SECRET", "accessKeySecret"),
        first(environ, "ALIBABA_CLOUD_SECURITY_TOKEN", "FC_SECURITY_TOKEN", "securityToken"))
    timeout = int(config.timeout) if config.timeout == int(config.timeout) else config.timeout
    init_timeout = config.initializer_timeout
    function = FunctionMeta(config.name, config.handler, config.memory_mb, timeout, config.initializer,
                            int(init_timeout) if init_timeout == int(init_timeout) else init_timeout)
    service = ServiceMeta(environ.get("FC_SERVICE_NAME", "service"), environ.get("FC_LOG_PROJECT", ""),
                          environ.get("FC_LOG_STORE", ""), environ.get("FC_QUALIFIER", "LATEST"),
                          environ.get("FC_VERSION_ID", ""))
    return FCContext(environ.get("FC_ACCOUNT_ID", ""), request_id, credentials, function, service,
                     environ.get("FC_REGION", "cn-hangzhou"))


def apply_overrides(context, overrides):
    """Fields a caller sets per request (the frame's `context`): keys of a dict, attributes of an object."""
    for key, value in (overrides or {}).items():
        if isinstance(context, dict):
            context[key] = value
        else:
            setattr(context, key, value)
    return context
