"""Credentials come only from the environment and never appear in logs or error bodies, even when the function
prints its context (seed 001's own example does) or fails (issue 4; contract section 4, Context)."""
import pytest

from oneshot_support import PROVIDERS, describe, invoke

SECRETS = {
    "TENCENTCLOUD_SECRETID": "AKIDsecretIdValue0001", "TENCENTCLOUD_SECRETKEY": "secretKeyValue0002",
    "TENCENTCLOUD_SESSIONTOKEN": "sessionTokenValue0003",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIaccessKeyId0004", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "accessKeySecret0005",
    "ALIBABA_CLOUD_SECURITY_TOKEN": "securityToken0006",
}


# The key ids name a key and are not secret by themselves (the clouds print them in consoles and audit logs); the
# keys, secrets and session tokens are.
SECRET_NAMES = ("TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "ALIBABA_CLOUD_SECURITY_TOKEN")


def assert_no_secret(run):
    shown = run.stdout.decode("utf-8", "replace") + run.stderr
    for name in SECRET_NAMES:
        assert SECRETS[name] not in shown, "%s leaked; %s" % (name, describe(run))


@pytest.mark.parametrize("provider", ("tencent", "jdcloud"))
def test_printing_the_context_shows_no_secret(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("seed_001_print"), "index.main_handler", {"a": 1}, provider, env=SECRETS)
    assert run.status == 0 and "Received context: " in run.stderr, describe(run)
    assert_no_secret(run)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("scenario", ["raises", "syntax_error", "os_exit"])
def test_errors_show_no_secret(bootstrap, function_dir, provider, scenario):
    run = invoke(bootstrap, function_dir(scenario), "index.handler", "{}", provider, env=SECRETS)
    assert run.status == 1, describe(run)
    assert_no_secret(run)


def test_aliyun_context_repr_shows_no_secret(bootstrap, tmp_path):
    (tmp_path / "index.py").write_text(
        "def handler(event, context):\n    print(repr(context))\n    print(str(context))\n"
        "    print(repr(context.credentials))\n    return 'ok'\n")
    run = invoke(bootstrap, tmp_path, "index.handler", "", "aliyun", env=SECRETS)
    assert run.status == 0 and run.stdout == b"ok", describe(run)
    assert_no_secret(run)
