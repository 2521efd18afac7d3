"""`fnruntime generate-event`: every kind of PROJECTS.md section 2 is JSON with its documented keys, takes the fields a
user changes, and runs through `fnruntime local invoke` into a handler that reads those keys (in the cloud's image)."""
import json
import os
import textwrap

import pytest

from projectkit import REPO, fnruntime, require_images

#: The documented keys of each kind (PROJECTS.md section 2), as dotted paths.
DOCUMENTED = {
    ("tencent", "apigateway"): ["requestContext.serviceId", "requestContext.path", "requestContext.httpMethod",
                                "requestContext.requestId", "requestContext.identity.secretId",
                                "requestContext.sourceIp", "requestContext.stage", "headers", "body",
                                "pathParameters", "queryStringParameters", "headerParameters", "stageVariables",
                                "path", "queryString", "httpMethod"],
    ("tencent", "cos-put"): ["Records.0.cos.cosSchemaVersion", "Records.0.cos.cosObject.url",
                             "Records.0.cos.cosObject.meta.x-cos-request-id", "Records.0.cos.cosObject.meta.Content-Type",
                             "Records.0.cos.cosObject.vid", "Records.0.cos.cosObject.key",
                             "Records.0.cos.cosObject.size", "Records.0.cos.cosBucket.region",
                             "Records.0.cos.cosBucket.name", "Records.0.cos.cosBucket.appid",
                             "Records.0.cos.cosNotificationId", "Records.0.event.eventName",
                             "Records.0.event.eventVersion", "Records.0.event.eventTime", "Records.0.event.eventSource",
                             "Records.0.event.requestParameters.requestSourceIP",
                             "Records.0.event.requestParameters.requestHeaders", "Records.0.event.eventQueue",
                             "Records.0.event.reservedInfo", "Records.0.event.reqid"],
    ("tencent", "timer"): ["Type", "TriggerName", "Time", "Message"],
    ("tencent", "cmq"): ["Records.0.CMQ.%s" % k for k in ("type", "topicOwner", "topicName", "subscriptionName",
                                                         "publishTime", "msgId", "requestId", "msgBody", "msgTag")],
    ("tencent", "ckafka"): ["Records.0.Ckafka.%s" % k for k in ("topic", "partition", "offset", "msgKey", "msgBody")],
    ("aliyun", "oss-put"): ["events.0.%s" % k for k in (
        "eventName", "eventSource", "eventTime", "eventVersion", "oss.bucket.arn", "oss.bucket.name",
        "oss.bucket.ownerIdentity", "oss.object.deltaSize", "oss.object.eTag", "oss.object.key", "oss.object.size",
        "oss.ossSchemaVersion", "oss.ruleId", "region", "requestParameters.sourceIPAddress",
        "responseElements.requestId", "userIdentity.principalId")],
    ("aliyun", "timer"): ["triggerTime", "triggerName", "payload"],
    ("aliyun", "sls"): ["parameter", "source.endpoint", "source.projectName", "source.logstoreName", "source.shardId",
                        "source.beginCursor", "source.endCursor", "jobName", "taskId", "cursorTime"],
    ("aliyun", "cdn"): ["events.0.%s" % k for k in ("eventName", "eventSource", "region", "eventVersion", "eventTime",
                                                    "traceId", "userIdentity.aliUid", "resource.domain",
                                                    "eventParameter")],
    ("aliyun", "apigateway"): ["path", "httpMethod", "headers", "queryParameters", "pathParameters", "body",
                               "isBase64Encoded"],
    ("jdcloud", "apigateway"): ["detail.%s" % k for k in (
        "path", "httpMethod", "headers", "pathParameters", "queryParameters", "body", "requestContext.stage",
        "requestContext.apiId", "requestContext.identity.accountId", "requestContext.identity.apiKey",
        "requestContext.identity.user", "requestContext.identity.authType", "requestContext.requestId",
        "requestContext.sourceIp")],
    ("jdcloud", "oss-put"): ["Records.0.%s" % k for k in ("version", "id", "time", "source", "region", "detailType",
                                                         "detail.eventName", "detail.s3.bucket.name",
                                                         "detail.s3.object.key", "detail.s3.object.eTag",
                                                         "detail.s3.object.size")],
}
DOCUMENTED[("tencent", "cos-delete")] = DOCUMENTED[("tencent", "cos-put")]
KINDS = sorted(DOCUMENTED)


def read(event, path):
    value = event
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def generate(provider, kind, *fields):
    result = fnruntime("generate-event", provider, kind, *fields)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_kind_of_projects_md_is_generated():
    from fnlocal import events
    assert sorted((p, k) for p, kinds in events.KINDS.items() for k in kinds) == KINDS


@pytest.mark.parametrize("provider,kind", KINDS)
def test_each_kind_parses_and_has_the_documented_keys(provider, kind):
    event = generate(provider, kind)
    for path in DOCUMENTED[(provider, kind)]:
        read(event, path)  # KeyError names the missing key


def test_fixed_values_of_the_documented_shapes():
    assert read(generate("tencent", "cos-put"), "Records.0.event.eventName") == "cos:ObjectCreated:Put"
    assert read(generate("tencent", "cos-delete"), "Records.0.event.eventName") == "cos:ObjectRemove:Delete"
    assert generate("tencent", "timer")["Type"] == "Timer"
    assert read(generate("aliyun", "oss-put"), "events.0.eventName") == "ObjectCreated:PutObject"
    assert read(generate("aliyun", "cdn"), "events.0.eventName") == "LogFileCreated"
    assert read(generate("jdcloud", "oss-put"), "Records.0.detail.eventName") == "s3:ObjectCreated:Put"
    assert generate("jdcloud", "apigateway")["detailType"] == "ApiGatewayReceived"


def test_fields_a_user_changes():
    cos = generate("tencent", "cos-put", "--bucket", "photos", "--key", "a/b c.jpg", "--appid", "1300000001",
                   "--region", "ap-shanghai", "--size", "77")["Records"][0]["cos"]
    assert cos["cosObject"]["key"] == "/1300000001/photos/a/b c.jpg"
    assert cos["cosObject"]["url"] == "http://photos-1300000001.cos.ap-shanghai.myqcloud.com/a/b%20c.jpg"
    assert cos["cosBucket"] == {"region": "sh", "name": "photos", "appid": "1300000001"}
    assert cos["cosObject"]["size"] == 77
    api = generate("tencent", "apigateway", "--method", "get", "--path", "/users/42", "--route", "/users/{id}",
                   "--query", "a=1&a=2&b=", "--header", "X-Token=abc")
    assert (api["httpMethod"], api["path"], api["requestContext"]["path"]) == ("GET", "/users/42", "/users/{id}")
    assert api["pathParameters"] == {"id": "42"} and api["queryString"] == {"a": ["1", "2"], "b": ""}
    assert api["headers"]["x-token"] == "abc" and "body" not in api  # no body on GET, as real traffic
    jd = generate("jdcloud", "apigateway", "--method", "POST", "--path", "/items/7", "--route", "/items/{item}",
                  "--body", "hello", "--stage", "prod")["detail"]
    assert (jd["pathParameters"], jd["body"], jd["requestContext"]["stage"]) == ({"item": "7"}, "hello", "prod")
    oss = generate("aliyun", "oss-put", "--bucket", "b1", "--key", "k1", "--region", "cn-beijing")["events"][0]
    assert (oss["oss"]["bucket"]["name"], oss["oss"]["object"]["key"], oss["region"]) == ("b1", "k1", "cn-beijing")
    assert oss["oss"]["bucket"]["arn"].startswith("acs:oss:cn-beijing:")
    assert generate("aliyun", "timer", "--payload", "go")["payload"] == "go"
    assert read(generate("tencent", "cmq", "--message", "m"), "Records.0.CMQ.msgBody") == "m"
    assert read(generate("tencent", "ckafka", "--offset", "9"), "Records.0.Ckafka.offset") == 9


def test_bad_fields_say_what_to_do():
    result = fnruntime("generate-event", "tencent", "nope")
    assert result.returncode == 2 and b"invalid choice" in result.stderr and b"apigateway" in result.stderr
    result = fnruntime("generate-event", "tencent", "ckafka", "--offset", "x")
    assert result.returncode == 2 and b"--offset must be a whole number" in result.stderr
    result = fnruntime("generate-event", "tencent", "apigateway", "--path", "/a", "--route", "/b/{x}")
    assert result.returncode == 2 and b"does not match --route" in result.stderr
    result = fnruntime("generate-event", "tencent")
    assert result.returncode == 2 and b"give a provider and a kind" in result.stderr


TEMPLATES = {
    "tencent": ("template.yaml", """\
        Resources:
          default:
            Type: TencentCloud::Serverless::Namespace
            keys:
              Type: TencentCloud::Serverless::Function
              Properties: {CodeUri: %s, Handler: index.main_handler, Runtime: Python3.6}
        """),
    "aliyun": ("template.yml", """\
        ROSTemplateFormatVersion: '2015-09-01'
        Transform: 'Aliyun::Serverless-2018-04-03'
        Resources:
          svc:
            Type: 'Aliyun::Serverless::Service'
            keys:
              Type: 'Aliyun::Serverless::Function'
              Properties: {CodeUri: %s, Handler: index.handler, Runtime: python3}
        """),
    "jdcloud": ("template.yaml", """\
        Resources:
          keys:
            Type: JDCloud::Serverless::Function
            Properties: {CodeUri: %s, Handler: index.handler, Runtime: python3.7}
        """),
}
IMAGES = {"tencent": "runtime:py36-tencent", "aliyun": "runtime:py36-aliyun", "jdcloud": "runtime:py37-jdcloud"}


@pytest.mark.docker
@pytest.mark.parametrize("provider,kind", KINDS)
def test_each_kind_runs_through_local_invoke_into_a_handler_reading_its_keys(provider, kind, tmp_path,
                                                                             docker_engine):
    require_images(docker_engine, IMAGES[provider])
    name, text = TEMPLATES[provider]
    code = os.path.join(REPO, "tests", "functions", "event_keys")
    (tmp_path / name).write_text(textwrap.dedent(text % code))
    event = generate(provider, kind)
    keys = DOCUMENTED[(provider, kind)]
    result = fnruntime("local", "invoke", "-t", tmp_path / name, "--env", "EVENT_KEYS=" + json.dumps(keys),
                       input=json.dumps(event).encode())
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    read_back = json.loads(result.stdout)
    if isinstance(read_back, str):  # tencent prints a returned string as JSON, aliyun and jdcloud as it is
        read_back = json.loads(read_back)
    assert read_back == dict((path, read(event, path)) for path in keys)
