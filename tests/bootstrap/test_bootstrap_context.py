"""Contract section 4, Context: tencent a dict with the cloud's field names; jdcloud a dict that also answers
attribute access; aliyun an FCContext shaped as seed 003 defines, credentials from the environment
(ARCHITECTURE.md, Context; PROVIDERS.md for the field names).
"""
import json

import pytest

from oneshot_support import invoke, one_frame, result_json

TENCENT_FIELDS = {"memory_limit_in_mb", "time_limit_in_ms", "request_id", "environment", "environ",
                  "function_version", "function_name", "namespace", "tencentcloud_region", "tencentcloud_appid",
                  "tencentcloud_uin"}
SECRETS = {
    "TENCENTCLOUD_SECRETID": "AKIDsecretIdValue0001", "TENCENTCLOUD_SECRETKEY": "secretKeyValue0002",
    "TENCENTCLOUD_SESSIONTOKEN": "sessionTokenValue0003",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIaccessKeyId0004", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "accessKeySecret0005",
    "ALIBABA_CLOUD_SECURITY_TOKEN": "securityToken0006",
}


def echo(bootstrap, function_dir, provider, handler="index.handler", env=None, options=()):
    run = invoke(bootstrap, function_dir("echo"), handler, "{}", provider, env=env, options=list(options))
    return run, result_json(run)


def test_tencent_context_fields(bootstrap, function_dir):
    run, result = echo(bootstrap, function_dir, "tencent", env={"MY_SETTING": "on"})
    context = result["context"]
    assert result["context_type"] == "dict"
    assert TENCENT_FIELDS <= set(context), "missing: %s" % sorted(TENCENT_FIELDS - set(context))
    assert context["memory_limit_in_mb"] == 128 and context["time_limit_in_ms"] == 3000
    assert context["function_version"] == "$LATEST" and context["namespace"] == "default"
    assert context["function_name"] == "function"
    request_id, _, _ = one_frame(run, "tencent")
    assert context["request_id"] == request_id
    environment = json.loads(context["environment"])
    assert isinstance(environment, dict) and environment.get("MY_SETTING") == "on", context["environment"]
    assert "MY_SETTING=on" in context["environ"].split(";"), context["environ"]


def test_tencent_region_default_and_from_environment(bootstrap, function_dir):
    _, default = echo(bootstrap, function_dir, "tencent")
    assert default["context"]["tencentcloud_region"] == "ap-guangzhou"
    _, chosen = echo(bootstrap, function_dir, "tencent",
                     env={"TENCENTCLOUD_REGION": "ap-shanghai", "TENCENTCLOUD_APPID": "1250000000",
                          "TENCENTCLOUD_UIN": "100000000001"})
    context = chosen["context"]
    assert context["tencentcloud_region"] == "ap-shanghai"
    assert context["tencentcloud_appid"] == "1250000000" and context["tencentcloud_uin"] == "100000000001"


def test_tencent_environment_excludes_credentials(bootstrap, function_dir):
    run, result = echo(bootstrap, function_dir, "tencent", env=SECRETS)
    context = result["context"]
    for name, value in SECRETS.items():
        assert name not in context["environment"] and value not in context["environment"], context["environment"]
        assert value not in context["environ"], context["environ"]


def test_request_ids_differ_between_runs(bootstrap, function_dir):
    _, first = echo(bootstrap, function_dir, "tencent")
    _, second = echo(bootstrap, function_dir, "tencent")
    assert first["context"]["request_id"] != second["context"]["request_id"]


def test_jdcloud_context_is_a_dict_with_attribute_access(bootstrap, function_dir):
    run, result = echo(bootstrap, function_dir, "jdcloud", options=["--name", "jd-fn", "--memory", "256"])
    context = result["context"]
    assert result["context_is_dict"] is True
    assert set(context) >= {"request_id", "function", "logset", "logtopic"}, context
    function = context["function"]
    assert set(function) >= {"invoked_function_id", "function_name", "function_version", "function_handler",
                             "memory_size", "timeout"}, function
    assert function["function_name"] == "jd-fn" and function["memory_size"] == 256 and function["timeout"] == 3
    assert function["function_handler"] == "index.handler", function
    request_id, _, _ = one_frame(run, "jdcloud")
    assert context["request_id"] == request_id
    attributes = result_json(invoke(bootstrap, function_dir("echo"), "index.jd_attributes", "{}", "jdcloud",
                                    options=["--name", "jd-fn", "--memory", "256"]))
    assert attributes["function.function_name"] == "jd-fn" and attributes["function.memory_size"] == 256, attributes
    assert "<missing>" not in attributes.values(), attributes


def test_aliyun_fccontext(bootstrap, function_dir):
    env = dict(SECRETS, FC_REGION="cn-shanghai", FC_ACCOUNT_ID="1234567890", FC_SERVICE_NAME="demo-service")
    run = invoke(bootstrap, function_dir("echo"), "index.fc_attributes", "", "aliyun", env=env,
                 options=["--name", "fc-fn", "--memory", "512", "--timeout", "5"])
    attributes = result_json(run)
    request_id, _, _ = one_frame(run, "aliyun")
    assert attributes["request_id"] == request_id and attributes["requestId"] == request_id
    assert attributes["credentials.access_key_id"] == "LTAIaccessKeyId0004"
    assert attributes["credentials.access_key_secret"] == "accessKeySecret0005"
    assert attributes["credentials.security_token"] == "securityToken0006"
    assert attributes["credentials.accessKeyId"] == "LTAIaccessKeyId0004"
    assert attributes["credentials.accessKeySecret"] == "accessKeySecret0005"
    assert attributes["credentials.securityToken"] == "securityToken0006"
    assert attributes["function.name"] == "fc-fn" and attributes["function.handler"] == "index.fc_attributes"
    assert attributes["function.memory"] == 512 and attributes["function.timeout"] == 5
    assert attributes["region"] == "cn-shanghai" and attributes["account_id"] == "1234567890"
    assert attributes["service.name"] == "demo-service"
    assert "<missing>" not in attributes.values(), "seed 003 fields missing: %s" % sorted(
        k for k, v in attributes.items() if v == "<missing>")


def test_aliyun_context_type_and_defaults(bootstrap, function_dir):
    _, result = echo(bootstrap, function_dir, "aliyun")
    assert result["context_type"] == "FCContext" and result["context_is_dict"] is False
    assert result["context"]["region"] == "cn-hangzhou"


@pytest.mark.parametrize("prefix", ["FC_"])
def test_aliyun_credentials_from_fc_variables(bootstrap, function_dir, prefix):
    env = {prefix + "ACCESS_KEY_ID": "fcKeyId", prefix + "ACCESS_KEY_SECRET": "fcKeySecret",
           prefix + "SECURITY_TOKEN": "fcToken"}
    attributes = result_json(invoke(bootstrap, function_dir("echo"), "index.fc_attributes", "", "aliyun", env=env))
    assert (attributes["credentials.access_key_id"], attributes["credentials.access_key_secret"],
            attributes["credentials.security_token"]) == ("fcKeyId", "fcKeySecret", "fcToken"), attributes
