"""Alibaba Cloud FC templates: Fun's `template.yml` (ROS-style Resources of Services holding Functions) and
Serverless Devs' `s.yaml` with the FC component (`edition: 1.0.0`, `services.<name>.props.function`) or `fc3`
(`edition: 3.0.0`, `resources.<name>.props`). Field names: PROJECTS.md section 1.

A function with an HTTP trigger is an FC HTTP-trigger function (`handler(environ, start_response)`): its
`function_type` is "http". Unknown keys are ignored, as a local runner should (Fun itself rejects them).
"""
import re
import sys

from ..model import Project, ProjectError, Trigger
from . import common
from .yamlfile import environment, expand, env_lookup, listing, mapping, number, where

PROVIDER = "aliyun"
TRIGGER_KINDS = {"http": "http", "timer": "timer", "oss": "oss", "log": "log", "cdn": "cdn", "cdn_events": "cdn",
                 "mnstopic": "mns", "mns_topic": "mns", "tablestore": "tablestore"}


def kind_of(path, node, key, value):
    kind = TRIGGER_KINDS.get(str(value or "").strip().lower())
    if kind is None:
        sys.stderr.write("fnruntime: %s: trigger type %r is not known here; it is ignored\n"
                         % (where(path, node, key), value))
    return kind


# -- Fun template.yml ---------------------------------------------------------------------------------------------------

def read_fun(path, document):
    resources = mapping(path, document, "Resources", required=True)
    functions = []
    for service_name, service in resources.items():
        if not isinstance(service, dict) or service.get("Type") != "Aliyun::Serverless::Service":
            continue
        for name, resource in service.items():
            if not isinstance(resource, dict) or resource.get("Type") != "Aliyun::Serverless::Function":
                continue
            functions.append(fun_function(path, service_name, name, resource, service))
    return Project(path, "fun", functions, name=str(document.get("name") or "fun"))


def fun_function(path, service_name, name, resource, service):
    props = mapping(path, resource, "Properties", required=True)
    triggers = []
    for trigger_name, event in listing(path, resource, "Events"):
        if not isinstance(event, dict):
            continue
        kind = kind_of(path, event, "Type", event.get("Type"))
        if kind is None:
            continue
        properties = mapping(path, event, "Properties")
        triggers.append(Trigger(kind, str(trigger_name), methods=common.methods(properties.get("Methods"))
                                if kind == "http" else [], properties=dict(properties)))
    return common.build(
        path, service, name, PROVIDER, name, props.get("Runtime"), props.get("Handler") or "index.handler",
        common.code_location(path, props, "CodeUri", props.get("CodeUri")),
        timeout=number(path, props, "Timeout", 3), memory=int(number(path, props, "MemorySize", 128)),
        initializer=props.get("Initializer"),
        initializer_timeout=number(path, props, "InitializationTimeout", None) if props.get("Initializer") else None,
        env=environment(path, props, "EnvironmentVariables"), triggers=triggers, service=str(service_name),
        function_type="http" if any(t.kind == "http" for t in triggers) else None)


# -- Serverless Devs s.yaml ---------------------------------------------------------------------------------------------

def devs_lookup(document):
    variables = document.get("vars") or {}

    def lookup(name):
        if name.startswith("vars."):
            value = variables
            for part in name[5:].split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return value if isinstance(value, (str, int, float)) else None
        if name == "name":
            return document.get("name")
        return env_lookup(name)
    return lookup


def read_devs(path, document):
    edition = str(document.get("edition", ""))
    lookup = devs_lookup(document)
    functions = []
    if "resources" in document or edition.startswith("3"):
        for key, resource in mapping(path, document, "resources", required=True).items():
            if isinstance(resource, dict) and str(resource.get("component", "")).split("@")[0] in ("fc3",
                                                                                                   "devsapp/fc3"):
                props = expand(mapping(path, resource, "props", required=True), lookup)
                functions.append(fc3_function(path, key, resource, props))
        fmt = "s.yaml (fc3)"
    else:
        for key, service in mapping(path, document, "services", required=True).items():
            component = str(service.get("component", "")).split("@")[0] if isinstance(service, dict) else ""
            if component in ("fc", "devsapp/fc"):
                props = expand(mapping(path, service, "props", required=True), lookup)
                functions.append(fc_function(path, key, service, props))
        fmt = "s.yaml (fc)"
    return Project(path, fmt, functions, name=str(document.get("name") or "s"))


def devs_triggers(path, props, name_key, type_key, config_key):
    triggers = []
    for item in listing(path, props, "triggers"):
        if not isinstance(item, dict):
            continue
        kind = kind_of(path, item, type_key, item.get(type_key))
        if kind is None:
            continue
        config = mapping(path, item, config_key)
        triggers.append(Trigger(kind, str(item.get(name_key) or kind), methods=common.methods(config.get("methods"))
                                if kind == "http" else [], properties=dict(config)))
    return triggers


def fc_function(path, key, service, props):
    function = mapping(path, props, "function", required=True)
    service_props = mapping(path, props, "service")
    name = function.get("name") or key
    triggers = devs_triggers(path, props, "name", "type", "config")
    return common.build(
        path, function, "runtime", PROVIDER, name, function.get("runtime"), function.get("handler") or "index.handler",
        common.code_location(path, function, "codeUri", function.get("codeUri")),
        timeout=number(path, function, "timeout", 3), memory=int(number(path, function, "memorySize", 128)),
        initializer=function.get("initializer"),
        initializer_timeout=number(path, function, "initializationTimeout", None) if function.get("initializer")
        else None,
        env=environment(path, function, "environmentVariables"), triggers=triggers,
        service=str(service_props.get("name") or key),
        function_type="http" if any(t.kind == "http" for t in triggers) else None)


def fc3_function(path, key, resource, props):
    name = props.get("functionName") or key
    lifecycle = mapping(path, props, "instanceLifecycleConfig")
    initializer = mapping(path, lifecycle, "initializer")
    triggers = devs_triggers(path, props, "triggerName", "triggerType", "triggerConfig")
    code = props.get("code")
    return common.build(
        path, props, "runtime", PROVIDER, name, props.get("runtime"), props.get("handler") or "index.handler",
        common.code_location(path, props, "code", code),
        timeout=number(path, props, "timeout", 3), memory=int(number(path, props, "memorySize", 128)),
        initializer=initializer.get("handler"),
        initializer_timeout=number(path, initializer, "timeout", None) if initializer.get("handler") else None,
        env=environment(path, props, "environmentVariables"), triggers=triggers, service=str(key),
        function_type="http" if any(t.kind == "http" for t in triggers) else None)
