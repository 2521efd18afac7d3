"""Contract section 3 `--initializer` (FUNCTION_INITIALIZER, FC_INITIALIZER): Alibaba's `initializer(context)` runs
once per cold start before the handler, framed by `FC Initialize Start/End RequestId:`; its failure is an
InitializerError (tencent statusCode 443) and the handler does not run.
"""
import json
import time

import pytest

from oneshot_support import (PROVIDERS, assert_function_error, describe, error_message, frame_lines, invoke,
                             result_json)


@pytest.mark.parametrize("how", ["option", "FUNCTION_INITIALIZER", "FC_INITIALIZER"])
def test_initializer_runs_once_before_the_handler(bootstrap, function_dir, tmp_path, how):
    log = tmp_path / "init.log"
    env = {"INIT_LOG": str(log)}
    options = []
    if how == "option":
        options = ["--initializer", "index.initialize"]
    else:
        env[how] = "index.initialize"
    run = invoke(bootstrap, function_dir("initializer"), "index.handler", "", "aliyun", options=options, env=env)
    result = result_json(run)
    assert result["init_calls"] == 1 and result["init_context_type"] == "FCContext", result
    assert len(log.read_text().splitlines()) == 1, "the initializer ran %r" % log.read_text()
    frames = frame_lines(run.stderr, "aliyun")
    assert len(frames["init_start"]) == 1 and len(frames["init_end"]) == 1, describe(run)
    assert frames["init_start"][0][0] < frames["init_end"][0][0] < frames["start"][0][0], describe(run)
    lines = run.stderr.splitlines()
    ran_at = lines.index("initializer ran")
    assert frames["init_start"][0][0] < ran_at < frames["init_end"][0][0], "initializer output inside its frame"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_initializer_failure(bootstrap, function_dir, tmp_path, provider):
    run = invoke(bootstrap, function_dir("initializer"), "index.handler", "{}", provider,
                 options=["--initializer", "index.initialize_fails"], env={"INIT_LOG": str(tmp_path / "log")})
    # FC's runtime: the initializer's exception keeps its own class and message in the aliyun body (issue 18 item 6)
    body = assert_function_error(run, provider, "InitializerError",
                                 type_in_body="RuntimeError" if provider == "aliyun" else None)
    message = error_message(body)
    assert "cannot reach the database" in message, message
    assert "RuntimeError" in run.stderr and "initialize_fails" in run.stderr, "traceback in the log; " + describe(run)


def test_initializer_that_does_not_exist(bootstrap, function_dir, tmp_path):
    run = invoke(bootstrap, function_dir("initializer"), "index.handler", "", "aliyun",
                 options=["--initializer", "index.no_such_initializer"], env={"INIT_LOG": str(tmp_path / "log")})
    assert run.status == 1, describe(run)
    assert "no_such_initializer" in run.stdout.decode("utf-8"), describe(run)


def test_no_initializer_by_default(bootstrap, function_dir, tmp_path):
    run = invoke(bootstrap, function_dir("initializer"), "index.handler", "", "aliyun",
                 env={"INIT_LOG": str(tmp_path / "log")})
    assert result_json(run)["init_calls"] == 0
    assert not frame_lines(run.stderr, "aliyun")["init_start"], describe(run)


@pytest.mark.parametrize("how", ["option", "FUNCTION_INITIALIZATION_TIMEOUT", "FC_INITIALIZATION_TIMEOUT"])
def test_initializer_has_its_own_timeout(bootstrap, function_dir, tmp_path, how):
    """The initializer timeout (1 s here) applies to the initializer, not the function's timeout (20 s)."""
    options = ["--initializer", "index.initialize_sleeps", "--timeout", "20"]
    env = {"INIT_LOG": str(tmp_path / "log")}
    if how == "option":
        options += ["--initializer-timeout", "1"]
    else:
        env[how] = "1"
    started = time.time()
    run = invoke(bootstrap, function_dir("initializer"), "index.handler", "", "aliyun", options=options, env=env,
                 timeout=60)
    elapsed = time.time() - started
    assert run.status == 1, describe(run)
    assert elapsed < 10, "the 1 s initializer timeout took %.1f s" % elapsed
    body = json.loads(run.stdout.decode("utf-8"))
    assert body["errorType"] in ("InitializerError", "FunctionTimeout"), body
    assert "initiali" in body["errorMessage"].lower() and "1 second" in body["errorMessage"], body
    assert "initializer sleeping" in run.stderr, describe(run)
