"""JD Cloud's `sca` template.yaml: `Resources.<function>` of `Type: JDCloud::Serverless::Function` with
`Properties: {Handler, Runtime, CodeUri, Timeout, MemorySize, Env, Events}` (PROJECTS.md section 1).

sca declares `Events` but reads none of its contents ([gap]); here an event is a mapping entry or list item with
`Type: JDCloud::Serverless::Api` (or `Api`) and `Properties: {Path, Method, Stage}`, `JDCloud::Serverless::ApiGroup`
with `Properties: {Apis: [{Path, Method}], Stage}`, or `JDCloud::Serverless::OSS`. The stage defaults to `test`,
the stage name the runtime's own gateway mode fills in.
"""
import sys

from ..model import Project, Trigger
from . import common
from .yamlfile import environment, listing, mapping, number, where

PROVIDER = "jdcloud"


def read_sca(path, document):
    functions = []
    resources = mapping(path, document, "Resources", required=True)
    for name, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == "JDCloud::Serverless::Function":
            functions.append(sca_function(path, resources, name, resource))
    return Project(path, "template.yaml (sca)", functions, name="sca")


def sca_triggers(path, props):
    triggers = []
    for position, item in enumerate(listing(path, props, "Events")):
        name, event = item if isinstance(item, tuple) else ("event%d" % (position + 1), item)
        if not isinstance(event, dict):
            continue
        kind = str(event.get("Type", "")).replace("JDCloud::Serverless::", "").lower()
        properties = mapping(path, event, "Properties")
        stage = str(properties.get("Stage") or "test")
        if kind == "api":
            triggers.append(Trigger("api", str(name), methods=common.methods(properties.get("Method")),
                                    path=str(properties.get("Path") or "/"), stage=stage, properties=dict(properties)))
        elif kind == "apigroup":
            for api in listing(path, properties, "Apis"):
                if isinstance(api, dict):
                    triggers.append(Trigger("api", str(name), methods=common.methods(api.get("Method")),
                                            path=str(api.get("Path") or "/"), stage=stage, properties=dict(api)))
        elif kind == "oss":
            triggers.append(Trigger("oss", str(name), properties=dict(properties)))
        else:
            sys.stderr.write("fnruntime: %s: event type %r is not known here; it is ignored\n"
                             % (where(path, event, "Type"), event.get("Type")))
    return triggers


def sca_function(path, resources, name, resource):
    props = mapping(path, resource, "Properties", required=True)
    return common.build(
        path, resources, name, PROVIDER, name, props.get("Runtime"), props.get("Handler") or "index.handler",
        common.code_location(path, props, "CodeUri", props.get("CodeUri")),
        timeout=number(path, props, "Timeout", 3), memory=int(number(path, props, "MemorySize", 128)),
        env=environment(path, props, "Env"), triggers=sca_triggers(path, props))
