"""Tencent SCF templates: `serverless.yml` of the `scf` component (`component: scf`, one function in `inputs`; a
project folder of several such files is one project), the older Serverless Framework plugin layout (`provider:
{name: tencent}`, `functions:`), and scfcli's TCSAM `template.yaml` (`Resources.<namespace>.<function>`,
`Globals.Function`). Field names: PROJECTS.md section 1.

API Gateway triggers become `apigw` triggers with their endpoints' paths and methods and the stage (`environment` of
the component, `stageName`/`StageName` of the others, default `release`). scfcli's APIGW trigger has no path: the
route is `/<function name>`, the path the console gives a trigger it creates ([gap]: a documented choice).
"""
import os
import sys

from ..model import Project, ProjectError, Trigger
from . import common
from .yamlfile import environment, env_lookup, expand, listing, mapping, number, where

PROVIDER = "tencent"
TRIGGER_KINDS = {"apigw": "apigw", "timer": "timer", "cos": "cos", "cmq": "cmq", "ckafka": "ckafka"}


def trigger_kind(path, node, key, value):
    kind = TRIGGER_KINDS.get(str(value or "").strip().lower())
    if kind is None:
        sys.stderr.write("fnruntime: %s: trigger type %r is not known here; it is ignored\n"
                         % (where(path, node, key), value))
    return kind


def event_list(path, node):
    """`events: [- apigw: {name, parameters}, ...]` -> [(kind, name, parameters)]."""
    found = []
    for item in listing(path, node, "events"):
        if isinstance(item, tuple):  # a mapping of events
            item = {item[0]: item[1]}
        if not isinstance(item, dict) or len(item) != 1:
            raise ProjectError("%s: each entry of events is one trigger, such as `- apigw: {parameters: ...}`"
                               % where(path, node, "events"))
        key, body = next(iter(item.items()))
        kind = trigger_kind(path, item, key, key)
        if kind is None:
            continue
        body = body if isinstance(body, dict) else {}
        parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        found.append((kind, str(body.get("name") or kind), parameters))
    return found


def apigw_triggers(name, parameters, default_path, stage_keys):
    stage = next((str(parameters[k]) for k in stage_keys if parameters.get(k)), "release")
    endpoints = parameters.get("endpoints")
    if isinstance(endpoints, list) and endpoints:
        return [Trigger("apigw", name, methods=common.methods(e.get("method")), path=str(e.get("path") or "/"),
                        stage=stage, properties=dict(parameters)) for e in endpoints if isinstance(e, dict)]
    method = parameters.get("httpMethod") or parameters.get("method")
    return [Trigger("apigw", name, methods=common.methods(method), path=str(parameters.get("path") or default_path),
                    stage=stage, properties=dict(parameters))]


def triggers_of(path, node, function_name, stage_keys):
    triggers = []
    for kind, name, parameters in event_list(path, node):
        if kind == "apigw":
            triggers.extend(apigw_triggers(name, parameters, "/" + function_name, stage_keys))
        else:
            triggers.append(Trigger(kind, name, properties=dict(parameters)))
    return triggers


def source(path, node, key):
    value = node.get(key)
    if isinstance(value, dict) and "src" in value and "bucket" not in value:
        return common.code_location(path, value, "src", value.get("src"))
    return common.code_location(path, node, key, value)


# -- serverless.yml, component: scf ------------------------------------------------------------------------------------

def read_component(path, document):
    functions = [component_function(path, document)]
    return Project(path, "serverless.yml (scf component)", functions, name=str(document.get("app") or
                                                                              document.get("name") or "scf"))


def component_function(path, document):
    component = str(document.get("component", "")).split("@")[0]
    if component != "scf":
        raise ProjectError("%s: component %r is not the scf component; this tool runs `component: scf`"
                           % (where(path, document, "component"), component))
    values = {"name": document.get("name"), "stage": document.get("stage") or "dev", "app": document.get("app"),
              "org": document.get("org")}

    def lookup(name):
        if name in values and values[name] is not None:
            return values[name]
        return env_lookup(name)
    inputs = expand(mapping(path, document, "inputs", required=True), lookup)
    name = str(inputs.get("name") or document.get("name") or "function")
    env = environment(path, mapping(path, inputs, "environment"), "variables")
    function = common.build(
        path, inputs, "runtime" if "runtime" in inputs else None, PROVIDER, name, inputs.get("runtime") or
        "Python2.7", inputs.get("handler") or "index.main_handler", source(path, inputs, "src"),
        timeout=number(path, inputs, "timeout", 3), memory=int(number(path, inputs, "memorySize", 128)),
        initializer_timeout=number(path, inputs, "initTimeout", None) if inputs.get("initTimeout") else None,
        env=env, triggers=triggers_of(path, inputs, name, ("environment", "stageName")),
        service=str(inputs.get("namespace") or "default"))
    # the instance's name and its folder's name work as well as the cloud's `${name}-${stage}-${app}`
    function.aliases = sorted({str(document.get("name") or ""), os.path.basename(os.path.dirname(path))} - {"", name})
    return function


def read_component_folder(folder, paths):
    """A project folder of several `component: scf` serverless.yml files (one per sub-folder): one project."""
    from .yamlfile import load
    functions = [component_function(p, load(p)) for p in paths]
    return Project(os.path.join(folder, "serverless.yml"), "serverless.yml (scf components)", functions,
                   name=os.path.basename(os.path.abspath(folder)), sources=list(paths))


# -- serverless.yml, Serverless Framework plugin layout ----------------------------------------------------------------

def read_plugin(path, document):
    provider = mapping(path, document, "provider", required=True)
    if str(provider.get("name", "")).lower() != "tencent":
        raise ProjectError("%s: provider %r: this serverless.yml layout is read for provider: tencent only"
                           % (where(path, provider, "name"), provider.get("name")))
    service = str(document.get("service") or "service")
    stage = str(provider.get("stage") or "dev")

    def lookup(name):
        if name in ("self:service", "service"):
            return service
        if name in ("self:provider.stage", "opt:stage", "stage"):
            return stage
        return env_lookup(name)
    expand(document, lookup)
    base_env = environment(path, mapping(path, provider, "environment"), "variables")
    functions = []
    for key, spec in mapping(path, document, "functions", required=True).items():
        spec = spec if isinstance(spec, dict) else {}
        env = dict(base_env)
        env.update(environment(path, mapping(path, spec, "environment"), "variables"))
        functions.append(common.build(
            path, document["functions"], key, PROVIDER, key, spec.get("runtime") or provider.get("runtime") or
            "Python2.7", spec.get("handler") or "index.main_handler",
            common.code_location(path, spec, "package", None),
            timeout=number(path, spec, "timeout", number(path, provider, "timeout", 3)),
            memory=int(number(path, spec, "memorySize", number(path, provider, "memorySize", 128))),
            env=env, triggers=triggers_of(path, spec, str(key), ("stageName", "environment")), service="default"))
    return Project(path, "serverless.yml (tencent plugin)", functions, name=service)


# -- scfcli template.yaml (TCSAM) ---------------------------------------------------------------------------------------

def read_tcsam(path, document):
    globals_ = mapping(path, mapping(path, document, "Globals"), "Function")
    functions = []
    for namespace, node in mapping(path, document, "Resources", required=True).items():
        if not isinstance(node, dict) or node.get("Type") != "TencentCloud::Serverless::Namespace":
            continue
        for name, resource in node.items():
            if isinstance(resource, dict) and resource.get("Type") == "TencentCloud::Serverless::Function":
                functions.append(tcsam_function(path, str(namespace), node, name, resource, globals_))
    return Project(path, "template.yaml (scfcli)", functions, name="scf")


def tcsam_function(path, namespace, node, name, resource, globals_):
    props = mapping(path, resource, "Properties", required=True)

    def pick(key, default=None):
        return props.get(key) if props.get(key) not in (None, "") else globals_.get(key, default)
    env = environment(path, mapping(path, globals_, "Environment"), "Variables")
    env.update(environment(path, mapping(path, props, "Environment"), "Variables"))
    triggers = []
    for trigger_name, event in listing(path, props, "Events"):
        if not isinstance(event, dict):
            continue
        kind = trigger_kind(path, event, "Type", event.get("Type"))
        if kind is None:
            continue
        properties = mapping(path, event, "Properties")
        if kind == "apigw":
            triggers.append(Trigger("apigw", str(trigger_name), methods=common.methods(properties.get("HttpMethod")),
                                    path="/" + str(name), stage=str(properties.get("StageName") or "release"),
                                    properties=dict(properties)))
        else:
            triggers.append(Trigger(kind, str(trigger_name), properties=dict(properties)))
    timeout_node = props if props.get("Timeout") else globals_
    memory_node = props if props.get("MemorySize") else globals_
    return common.build(
        path, node, name, PROVIDER, name, pick("Runtime"), pick("Handler") or "index.main_handler",
        common.code_location(path, props, "CodeUri", props.get("CodeUri")),
        timeout=number(path, timeout_node, "Timeout", 3), memory=int(number(path, memory_node, "MemorySize", 128)),
        env=env, triggers=triggers, service=namespace)
