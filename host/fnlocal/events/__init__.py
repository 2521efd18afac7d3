"""Sample trigger events (PROJECTS.md section 2) for `fnruntime generate-event PROVIDER KIND [--field VALUE ...]`.

The samples are JSON files under data/<provider>/<kind>.json; `generate(provider, kind, values)` loads one, stamps
the time and a request id, and applies the fields a user changes (`FIELDS[(provider, kind)]`: option name -> help,
applied by `apply_*`). `KINDS` lists them; ProjectError for an unknown provider, kind or field value.
"""
import copy
import datetime
import json
import os
import urllib.parse
import uuid

from ..model import ProjectError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

KINDS = {
    "tencent": ("apigateway", "cos-put", "cos-delete", "timer", "cmq", "ckafka"),
    "aliyun": ("oss-put", "timer", "sls", "cdn", "apigateway"),
    "jdcloud": ("apigateway", "oss-put"),
}

HTTP_FIELDS = {"path": "the request's path, e.g. /users/42", "method": "the HTTP method (GET)",
               "body": "the request body (a string)", "query": "the query string, e.g. a=1&b=2",
               "header": "a header NAME=VALUE (repeat the option for more)",
               "route": "the route's path with parameters, e.g. /users/{id}: fills pathParameters from --path"}
FIELDS = {
    ("tencent", "apigateway"): dict(HTTP_FIELDS, stage="the stage (release)"),
    ("tencent", "cos-put"): {"bucket": "bucket name, without the appid", "key": "object key", "appid": "APPID",
                             "region": "region (ap-guangzhou)", "size": "object size in bytes"},
    ("tencent", "timer"): {"name": "the trigger's name", "message": "the trigger's Message (argument)"},
    ("tencent", "cmq"): {"topic": "topic name", "message": "message body", "tag": "message tag"},
    ("tencent", "ckafka"): {"topic": "topic name", "message": "message body", "key": "message key",
                            "partition": "partition number", "offset": "offset"},
    ("aliyun", "oss-put"): {"bucket": "bucket name", "key": "object key", "region": "region (cn-hangzhou)",
                            "size": "object size in bytes"},
    ("aliyun", "timer"): {"name": "the trigger's name", "payload": "the trigger's payload"},
    ("aliyun", "sls"): {"project": "Log Service project", "logstore": "logstore", "region": "region"},
    ("aliyun", "cdn"): {"domain": "the CDN domain", "region": "region"},
    ("aliyun", "apigateway"): dict(HTTP_FIELDS),
    ("jdcloud", "apigateway"): dict(HTTP_FIELDS, stage="the stage (test)"),
    ("jdcloud", "oss-put"): {"bucket": "bucket name", "key": "object key", "region": "region (cn-north-1)",
                             "size": "object size in bytes"},
}
FIELDS[("tencent", "cos-delete")] = dict(FIELDS[("tencent", "cos-put")])

TENCENT_REGIONS = {"ap-guangzhou": "gz", "ap-shanghai": "sh", "ap-beijing": "bj", "ap-chengdu": "cd",
                   "ap-hongkong": "hk", "ap-singapore": "sg"}


def check(provider, kind):
    if provider not in KINDS:
        raise ProjectError("unknown provider %r: choose one of %s" % (provider, ", ".join(KINDS)))
    if kind not in KINDS[provider]:
        raise ProjectError("no %s event %r: the kinds are %s" % (provider, kind, ", ".join(KINDS[provider])))


def sample(provider, kind):
    check(provider, kind)
    with open(os.path.join(DATA, provider, kind + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def generate(provider, kind, values=None):
    """The event as a dict, with `values` (field -> string, or a list for `header`) applied."""
    event = copy.deepcopy(sample(provider, kind))
    values = {k: v for k, v in (values or {}).items() if v not in (None, [])}
    unknown = set(values) - set(FIELDS[(provider, kind)])
    if unknown:
        raise ProjectError("%s %s has no field %s: its fields are %s" % (
            provider, kind, ", ".join(sorted(unknown)), ", ".join("--" + f for f in FIELDS[(provider, kind)])))
    APPLY[(provider, kind.replace("-delete", "-put"))](event, values)
    return event


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment, fraction=None):
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + ("%09d" % (moment.microsecond * 1000))[:fraction]
    return text + "Z"


def integer(name, value):
    try:
        return int(value)
    except ValueError:
        raise ProjectError("--%s must be a whole number, got %r" % (name, value))


def http_parts(values, default_method, default_path):
    method = (values.get("method") or default_method).upper()
    path = values.get("path") or default_path
    if "?" in path and "query" not in values:
        path, values["query"] = path.split("?", 1)
    query = {}
    for key, value in urllib.parse.parse_qsl(values.get("query", ""), keep_blank_values=True):
        if key in query:
            query[key] = (query[key] if isinstance(query[key], list) else [query[key]]) + [value]
        else:
            query[key] = value
    headers = {}
    for item in values.get("header") or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise ProjectError("--header must be NAME=VALUE, got %r" % item)
        headers[name.strip().lower()] = value
    route = values.get("route")
    params = path_parameters(route, path) if route else None
    return method, path, query, headers, route, params


def path_parameters(route, path):
    from ..routes import compile_path
    params = compile_path(route).match(path)
    if params is None:
        raise ProjectError("--path %s does not match --route %s" % (path, route))
    return params


def apply_tencent_apigateway(event, values):
    method, path, query, headers, route, params = http_parts(values, event["httpMethod"], event["path"])
    if "path" in values and route is None:
        route, params = path, {}
    stage = values.get("stage") or event["requestContext"]["stage"]
    event.update(httpMethod=method, path=path, queryString=query, queryStringParameters=query)
    event["headers"].update(headers)
    event["requestContext"].update(httpMethod=method, path=route or event["requestContext"]["path"], stage=stage,
                                   requestId=str(uuid.uuid4()))
    event["stageVariables"] = {"stage": stage}
    if params is not None:
        event["pathParameters"] = params
    if "body" in values:
        event["body"] = values["body"]
    elif method in ("GET", "HEAD"):
        event.pop("body", None)  # real traffic has no body on GET


def apply_aliyun_apigateway(event, values):
    method, path, query, headers, route, params = http_parts(values, event["httpMethod"], event["path"])
    event.update(httpMethod=method, path=path, queryParameters=query)
    event["headers"].update(headers)
    if params is not None or "path" in values:
        event["pathParameters"] = params or {}
    if "body" in values:
        event["body"] = values["body"]


def apply_jdcloud_apigateway(event, values):
    detail = event["detail"]
    method, path, query, headers, route, params = http_parts(values, detail["httpMethod"], detail["path"])
    request_id = str(uuid.uuid4())
    event.update(id=request_id, time=iso(now(), 9))
    detail.update(httpMethod=method, path=path, queryParameters=query)
    detail["headers"].update(headers)
    detail["requestContext"].update(requestId=request_id, stage=values.get("stage") or "test")
    if params is not None or "path" in values:
        detail["pathParameters"] = params or {}
    if "body" in values:
        detail["body"] = values["body"]


def apply_tencent_cos(event, values):
    record = event["Records"][0]
    cos, bucket = record["cos"], record["cos"]["cosBucket"]
    name, appid = values.get("bucket", bucket["name"]), values.get("appid", bucket["appid"])
    region = values.get("region")
    if region:
        bucket["region"] = TENCENT_REGIONS.get(region, region)
    else:
        region = next((k for k, v in TENCENT_REGIONS.items() if v == bucket["region"]), bucket["region"])
    key = values.get("key", cos["cosObject"]["key"].split("/", 3)[3]).lstrip("/")
    bucket.update(name=name, appid=appid)
    cos["cosObject"].update(key="/%s/%s/%s" % (appid, name, key),
                            url="http://%s-%s.cos.%s.myqcloud.com/%s" % (name, appid, region,
                                                                      urllib.parse.quote(key)))
    if "size" in values:
        cos["cosObject"]["size"] = integer("size", values["size"])
    record["event"]["eventTime"] = int(now().timestamp())
    record["event"]["eventQueue"] = "qcs:0:scf:%s:appid/%s:default.function.$LATEST" % (bucket["region"], appid)


def apply_tencent_timer(event, values):
    event.update(Time=iso(now()), TriggerName=values.get("name", event["TriggerName"]),
                 Message=values.get("message", event["Message"]))


def apply_tencent_cmq(event, values):
    cmq = event["Records"][0]["CMQ"]
    cmq.update(topicName=values.get("topic", cmq["topicName"]), msgBody=values.get("message", cmq["msgBody"]),
               msgTag=values.get("tag", cmq["msgTag"]), publishTime=iso(now(), 3), requestId=str(uuid.uuid4()))


def apply_tencent_ckafka(event, values):
    kafka = event["Records"][0]["Ckafka"]
    kafka.update(topic=values.get("topic", kafka["topic"]), msgBody=values.get("message", kafka["msgBody"]),
                 msgKey=values.get("key", kafka["msgKey"]))
    for name in ("partition", "offset"):
        if name in values:
            kafka[name] = integer(name, values[name])


def apply_aliyun_oss(event, values):
    record = event["events"][0]
    oss = record["oss"]
    region = values.get("region", record["region"])
    name = values.get("bucket", oss["bucket"]["name"])
    owner = oss["bucket"]["ownerIdentity"]
    oss["bucket"].update(name=name, arn="acs:oss:%s:%s:%s" % (region, owner, name))
    oss["object"]["key"] = values.get("key", oss["object"]["key"])
    if "size" in values:
        oss["object"]["size"] = oss["object"]["deltaSize"] = integer("size", values["size"])
    record.update(region=region, eventTime=iso(now(), 3))
    record["responseElements"]["requestId"] = uuid.uuid4().hex[:24].upper()


def apply_aliyun_timer(event, values):
    event.update(triggerTime=iso(now()), triggerName=values.get("name", event["triggerName"]),
                 payload=values.get("payload", event["payload"]))


def apply_aliyun_sls(event, values):
    source = event["source"]
    region = values.get("region")
    if region:
        source["endpoint"] = "http://%s-intranet.log.aliyuncs.com" % region
    source.update(projectName=values.get("project", source["projectName"]),
                  logstoreName=values.get("logstore", source["logstoreName"]))
    event.update(cursorTime=int(now().timestamp()), taskId=str(uuid.uuid4()))


def apply_aliyun_cdn(event, values):
    record = event["events"][0]
    domain = values.get("domain", record["resource"]["domain"])
    record.update(region=values.get("region", record["region"]), traceId=str(uuid.uuid4()),
                  eventTime=now().astimezone().isoformat(timespec="seconds"))
    record["resource"]["domain"] = record["eventParameter"]["domain"] = domain


def apply_jdcloud_oss(event, values):
    record = event["Records"][0]
    s3 = record["detail"]["s3"]
    s3["bucket"]["name"] = values.get("bucket", s3["bucket"]["name"])
    s3["object"]["key"] = values.get("key", s3["object"]["key"])
    if "size" in values:
        s3["object"]["size"] = integer("size", values["size"])
    record.update(region=values.get("region", record["region"]), time=iso(now()), id=str(uuid.uuid4()))


APPLY = {
    ("tencent", "apigateway"): apply_tencent_apigateway, ("tencent", "cos-put"): apply_tencent_cos,
    ("tencent", "timer"): apply_tencent_timer, ("tencent", "cmq"): apply_tencent_cmq,
    ("tencent", "ckafka"): apply_tencent_ckafka, ("aliyun", "oss-put"): apply_aliyun_oss,
    ("aliyun", "timer"): apply_aliyun_timer, ("aliyun", "sls"): apply_aliyun_sls, ("aliyun", "cdn"): apply_aliyun_cdn,
    ("aliyun", "apigateway"): apply_aliyun_apigateway, ("jdcloud", "apigateway"): apply_jdcloud_apigateway,
    ("jdcloud", "oss-put"): apply_jdcloud_oss,
}
