"""Contract section 3: exit 0 on success, 1 on a function error (the error object is then standard output), 2 on bad
usage with a message on standard error naming the problem and nothing on standard output; `--invocation-type Event`
discards the result (a function error still prints its body, exit 1: ARCHITECTURE.md).
"""
import json

import pytest

from oneshot_support import PROVIDERS, assert_function_error, describe, invoke, result_json


def test_exit_0_on_success(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("counter"), "index.handler", {})
    assert run.status == 0 and result_json(run)["count"] == 1, describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_exit_1_on_function_error_with_body_on_stdout(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("raises"), "index.handler", "{}", provider)
    assert run.status == 1, describe(run)
    assert isinstance(json.loads(run.stdout.decode("utf-8")), dict), describe(run)


BAD_USAGE = [
    (["--no-such-option"], "--no-such-option"),
    (["--provider", "aws"], "aws"),
    (["--timeout", "soon"], "soon"),
    (["--timeout", "-1"], "-1"),
    (["--memory", "lots"], "lots"),
    (["--invocation-type", "Sometimes"], "Sometimes"),
]


@pytest.mark.parametrize("args, named", BAD_USAGE, ids=[" ".join(a) for a, _ in BAD_USAGE])
def test_exit_2_on_bad_usage(bootstrap, function_dir, args, named):
    run = bootstrap(args + ["index.handler", "{}"], function_dir("counter"))
    assert run.status == 2, describe(run)
    assert run.stdout == b"", "bad usage prints nothing on standard output; " + describe(run)
    assert named in run.stderr, "the message must name the bad value %r; %s" % (named, describe(run))


@pytest.mark.parametrize("variable, value", [("FUNCTION_TIMEOUT", "soon"), ("FUNCTION_MEMORY_SIZE", "lots"),
                                             ("FUNCTION_PROVIDER", "aws")])
def test_exit_2_on_bad_environment_value(bootstrap, function_dir, variable, value):
    run = bootstrap(["index.handler", "{}"], function_dir("counter"), env={variable: value})
    assert run.status == 2 and run.stdout == b"", describe(run)
    assert variable in run.stderr and value in run.stderr, "name the variable and its value; " + describe(run)


def test_missing_code_dir_is_bad_usage(bootstrap, tmp_path):
    missing = tmp_path / "no-such-code-dir"
    run = bootstrap(["--provider", "tencent", "index.handler", "{}"], missing)
    assert run.status == 2 and run.stdout == b"", describe(run)
    assert "no-such-code-dir" in run.stderr, describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_event_invocation_discards_the_result(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("counter"), "index.handler", "{}", provider,
                 options=["--invocation-type", "Event"])
    assert run.status == 0 and run.stdout == b"", describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_event_invocation_still_reports_errors(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("raises"), "index.handler", "{}", provider,
                 options=["--invocation-type", "Event"])
    assert_function_error(run, provider, "UnhandledError", type_in_body="ValueError")


def test_request_response_is_the_default_and_explicit(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("counter"), "index.handler", {},
                 options=["--invocation-type", "RequestResponse"])
    assert result_json(run)["count"] == 1


def test_help_exits_0(bootstrap):
    run = bootstrap(["--help"])
    assert run.status == 0, describe(run)
    text = run.stdout.decode("utf-8") + run.stderr
    for option in ("--provider", "--timeout", "--memory", "--initializer", "--name", "--zip", "--event-file",
                   "--invocation-type", "--code", "FUNCTION_SERVER_CPU"):
        assert option in text, "--help does not mention %s" % option


def test_invocation_type_from_environment(bootstrap, function_dir):
    """FUNCTION_INVOCATION_TYPE is the option's environment twin (options and FUNCTION_* are equivalent)."""
    run = invoke(bootstrap, function_dir("counter"), "index.handler", {}, env={"FUNCTION_INVOCATION_TYPE": "Event"})
    assert run.status == 0 and run.stdout == b"", describe(run)


def test_a_program_not_on_path_is_named_as_such(bootstrap):
    """`docker run IMAGE django-admin --version` where pip -t put django-admin in /var/task/bin (issue 11 item 5): the
    usage error says no such program is on PATH and where pip -t puts scripts, not `unrecognized arguments`."""
    run = bootstrap(["django-admin", "--version"])
    assert run.status == 2, describe(run)
    assert "'django-admin' is neither an option, a handler (FILE.FUNCTION) nor a program on PATH" in run.stderr, \
        describe(run)
    assert "/var/task/bin/django-admin" in run.stderr and "unrecognized arguments" not in run.stderr, describe(run)
