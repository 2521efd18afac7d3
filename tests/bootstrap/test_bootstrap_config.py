"""Contract section 3: options and FUNCTION_* environment variables are equivalent, and the providers' own names
(SCF_FUNCTION_* as Tencent's scfcli sets them, FC_* as Alibaba's fc-docker does) are honoured as well; defaults are
timeout 3, memory 128, name `function`. Observed through the context the handler receives.
"""
import pytest

from oneshot_support import describe, invoke, result_json

WAYS = {
    # setting: (option, FUNCTION_ variable, tencent variable, aliyun variable, value)
    "timeout": ("--timeout", "FUNCTION_TIMEOUT", "SCF_FUNCTION_TIMEOUT", "FC_TIMEOUT", "7"),
    "memory": ("--memory", "FUNCTION_MEMORY_SIZE", "SCF_FUNCTION_MEMORY_SIZE", "FC_MEMORY_SIZE", "256"),
    "name": ("--name", "FUNCTION_NAME", "SCF_FUNCTION_NAME", "FC_FUNCTION_NAME", "my-function"),
}


def context_value(provider, setting, context):
    """The context field each provider shows a setting in."""
    if provider == "tencent":
        return {"timeout": context["time_limit_in_ms"], "memory": context["memory_limit_in_mb"],
                "name": context["function_name"]}[setting]
    if provider == "aliyun":
        return {"timeout": context["function"]["timeout"], "memory": context["function"]["memory"],
                "name": context["function"]["name"]}[setting]
    return {"timeout": context["function"]["timeout"], "memory": context["function"]["memory_size"],
            "name": context["function"]["function_name"]}[setting]


def expected_value(provider, setting, value):
    if setting == "timeout":
        return int(value) * 1000 if provider == "tencent" else int(value)
    return int(value) if setting == "memory" else value


def run_echo(bootstrap, function_dir, provider, options=(), env=None):
    return result_json(invoke(bootstrap, function_dir("echo"), "index.handler", "{}", provider,
                              options=list(options), env=env))["context"]


def config_cases():
    """(provider, setting, way, options, env) for every way of giving every setting to every provider."""
    cases = []
    for setting, (option, function_var, scf_var, fc_var, value) in sorted(WAYS.items()):
        for provider in ("tencent", "aliyun", "jdcloud"):
            cases.append((provider, setting, "option", [option, value], {}))
            cases.append((provider, setting, function_var, [], {function_var: value}))
        cases.append(("tencent", setting, scf_var, [], {scf_var: value}))
        cases.append(("aliyun", setting, fc_var, [], {fc_var: value}))
    return cases


CASES = config_cases()


@pytest.mark.parametrize("provider, setting, way, options, env", CASES,
                         ids=["%s-%s-%s" % (c[0], c[1], c[2]) for c in CASES])
def test_setting_reaches_the_context(bootstrap, function_dir, provider, setting, way, options, env):
    context = run_echo(bootstrap, function_dir, provider, options, env)
    value = WAYS[setting][4]
    assert context_value(provider, setting, context) == expected_value(provider, setting, value), context


@pytest.mark.parametrize("provider", ("tencent", "aliyun", "jdcloud"))
def test_defaults(bootstrap, function_dir, provider):
    context = run_echo(bootstrap, function_dir, provider)
    assert context_value(provider, "timeout", context) == expected_value(provider, "timeout", "3")
    assert context_value(provider, "memory", context) == 128
    assert context_value(provider, "name", context) == "function"


@pytest.mark.parametrize("setting", sorted(WAYS))
def test_option_beats_environment(bootstrap, function_dir, setting):
    option, variable, _, _, value = WAYS[setting]
    other = {"timeout": "9", "memory": "512", "name": "from-environment"}[setting]
    context = run_echo(bootstrap, function_dir, "tencent", [option, value], {variable: other})
    assert context_value("tencent", setting, context) == expected_value("tencent", setting, value)


@pytest.mark.parametrize("provider", ("tencent", "aliyun", "jdcloud"))
def test_provider_from_environment(bootstrap, function_dir, provider):
    run = bootstrap(["index.handler", "{}"], function_dir("echo"), env={"FUNCTION_PROVIDER": provider})
    assert run.status == 0, describe(run)
    context_type = {"tencent": "dict", "aliyun": "FCContext", "jdcloud": "AttrDict"}[provider]
    out = run.stdout.decode("utf-8")
    assert '"context_type": "%s"' % context_type in out, describe(run)


def test_provider_option_beats_environment(bootstrap, function_dir):
    run = bootstrap(["--provider", "aliyun", "index.handler", "{}"], function_dir("echo"),
                    env={"FUNCTION_PROVIDER": "tencent"})
    assert run.status == 0 and b'"context_type": "FCContext"' in run.stdout, describe(run)


@pytest.mark.parametrize("way", ["option", "FUNCTION_TIMEOUT"])
def test_timeout_setting_is_enforced(bootstrap, function_dir, tmp_path, way):
    """The setting is not only shown in the context: a 1 s timeout stops a sleeping handler."""
    options = ["--timeout", "1"] if way == "option" else []
    env = {"FUNCTION_TIMEOUT": "1"} if way != "option" else {}
    run = invoke(bootstrap, function_dir("sleeps_forever"), "index.handler", {"pidfile": str(tmp_path / "p")},
                 options=options, env=env, timeout=30)
    assert run.status == 1 and b"after 1 seconds" in run.stdout, describe(run)
