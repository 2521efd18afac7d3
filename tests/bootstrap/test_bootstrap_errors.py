"""Contract section 4, Errors: an exception in the handler is a function error; each startup failure has its own
type and a message naming the module or function and what was found instead; the body takes the provider's shape;
the full traceback is in the log, without frames of the bootstrap (ARCHITECTURE.md, Error messages and Error bodies).
"""
import json
import re

import pytest

from oneshot_support import (LOAD_ERRORS, PROVIDERS, assert_body_shape, assert_function_error, assert_no_bootstrap_frames, describe, error_message,
                             function_dir_path, invoke, line_number, one_frame, traceback_text)

IMPORT_PREFIX = {"tencent": "Unable to import module 'index'", "aliyun": "Unable to import module 'index'",
                 "jdcloud": "Import module 'index' error"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_handler_exception_body(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("raises"), "index.handler", "{}", provider)
    body = assert_function_error(run, provider, "UnhandledError", type_in_body="ValueError")
    source = function_dir_path("raises") + "/index.py"
    raise_line = line_number(source, "# raise-line")
    if provider == "tencent":
        request_id, _, _ = one_frame(run, provider)
        assert body["errorMessage"] == "user code exception caught", body
        assert body["requestId"] == request_id, body
        trace = body["stackTrace"]
        assert "ValueError: something is wrong" in trace, body
        assert "line %d, in check" % raise_line in trace, body
        assert_no_bootstrap_frames(trace, run)
    else:
        assert error_message(body) == "something is wrong", body
        frames = body["stackTrace" if provider == "aliyun" else "error_trace"]
        assert [str(raise_line) in str(f[1]) and "check" in str(f[2]) for f in frames][-1], \
            "the last frame is check() at line %d: %s" % (raise_line, frames)
        assert any("handler" in str(f[2]) for f in frames), frames
        assert any("check(event)" in str(f[3]) for f in frames), "frames carry the code line: %s" % frames
        assert_no_bootstrap_frames(json.dumps(frames), run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_traceback_in_log_without_bootstrap_frames(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("raises"), "index.handler", "{}", provider)
    assert run.status == 1, describe(run)
    text = traceback_text(run)
    source = function_dir_path("raises")
    call_line = line_number(source + "/index.py", "# call-line")
    raise_line = line_number(source + "/index.py", "# raise-line")
    assert re.search(r'File ".*index\.py", line %d, in handler' % call_line, text), text
    assert re.search(r'File ".*index\.py", line %d, in check' % raise_line, text), text
    assert text.rstrip().endswith("ValueError: something is wrong"), text
    assert_no_bootstrap_frames(text, run)
    assert "about to fail" in run.stderr


@pytest.mark.parametrize("provider", PROVIDERS)
def test_keyboard_interrupt_is_a_handler_exception(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("raises"), "index.keyboard_interrupt", "{}", provider)
    assert_function_error(run, provider, "UnhandledError", type_in_body="KeyboardInterrupt")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_module_not_found_lists_what_is_there(bootstrap, function_dir, provider):
    code = function_dir("wrong_entry")
    body = assert_function_error(invoke(bootstrap, code, "index.handler", "{}", provider), provider,
                                 "ImportModuleError")
    message = error_message(body)
    assert message.startswith(IMPORT_PREFIX[provider]), message
    assert "index.py" in message and "app.py" in message and "lib/" in message, \
        "the message names what was looked for and what was found: %r" % message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_import_error_inside_the_module(bootstrap, function_dir, provider):
    body = assert_function_error(invoke(bootstrap, function_dir("import_error_inside"), "index.handler", "{}",
                                        provider), provider, "ImportModuleError")
    message = error_message(body)
    assert message.startswith(IMPORT_PREFIX[provider]), message
    assert "module_that_is_not_installed_anywhere" in message, message


def test_import_error_traceback_in_log(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("import_error_inside"), "index.handler", "{}")
    text = traceback_text(run)
    assert "import module_that_is_not_installed_anywhere" in text, text
    assert_no_bootstrap_frames(text, run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_syntax_error_names_file_and_line(bootstrap, function_dir, provider):
    body = assert_function_error(invoke(bootstrap, function_dir("syntax_error"), "index.handler", "{}", provider),
                                 provider, "UserCodeSyntaxError")
    message = error_message(body)
    assert message.startswith("Syntax error in module 'index'"), message
    assert re.search(r"invalid syntax \(index\.py, line 3\)", message), message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_handler_missing_lists_what_the_module_defines(bootstrap, function_dir, provider):
    body = assert_function_error(invoke(bootstrap, function_dir("missing_function"), "index.handler", "{}", provider),
                                 provider, "HandlerNotFound")
    message = error_message(body)
    if provider == "jdcloud":
        assert message == "'handler' not find in module 'index'; it defines: helper, main_handler", message
    else:
        assert message == "Handler 'handler' is missing on module 'index'; it defines: helper, main_handler", message


def test_handler_that_is_not_callable(bootstrap, function_dir):
    body = assert_function_error(invoke(bootstrap, function_dir("missing_function"), "index.RETRIES", {}),
                                 "tencent", "HandlerNotFound")
    assert "RETRIES" in error_message(body)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_startup_error_frames_the_log_too(bootstrap, function_dir, provider):
    """A load failure is still one invocation: framed, with its error, and exit 1."""
    run = invoke(bootstrap, function_dir("syntax_error"), "index.handler", "{}", provider)
    assert run.status == 1, describe(run)
    one_frame(run, provider)
    assert "line 3" in run.stderr, "the syntax error's details are in the log; " + describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_error_body_never_shows_bootstrap_frames(bootstrap, function_dir, provider):
    for scenario, handler in (("syntax_error", "index.handler"), ("import_error_inside", "index.handler"),
                              ("missing_function", "index.handler")):
        run = invoke(bootstrap, function_dir(scenario), handler, "{}", provider)
        assert run.status == 1, describe(run)
        assert_no_bootstrap_frames(run.stdout.decode("utf-8"), run)


SHAPE_CASES = [
    ("raises", "index.handler", "UnhandledError"),
    ("syntax_error", "index.handler", "UserCodeSyntaxError"),
    ("wrong_entry", "index.handler", "ImportModuleError"),
    ("missing_function", "index.handler", "HandlerNotFound"),
    ("echo", "index", "MalformedHandlerName"),
    ("unserialisable_result", "index.handler", "ResultNotSerializable"),
    ("os_exit", "index.handler", "ProcessExited"),
]


@pytest.mark.parametrize("provider, scenario, handler, stable_type", [
    (provider,) + case for provider in PROVIDERS for case in SHAPE_CASES
    # jdcloud answers str(value) for what JSON cannot encode, as sca does (test_bootstrap_provider_facts)
    if not (provider == "jdcloud" and case[2] == "ResultNotSerializable")],
    ids=["%s-%s" % (provider, case[2]) for provider in PROVIDERS for case in SHAPE_CASES
         if not (provider == "jdcloud" and case[2] == "ResultNotSerializable")])
def test_error_body_shape(bootstrap, function_dir, provider, scenario, handler, stable_type):
    """Every function error, startup failures included, has exactly the provider's body keys (ARCHITECTURE.md,
    Error bodies); a failure without a traceback has an empty stack trace, not a missing key."""
    run = invoke(bootstrap, function_dir(scenario), handler, "{}", provider)
    body = assert_function_error(run, provider, stable_type,
                                 type_in_body="ValueError" if stable_type == "UnhandledError" else None)
    assert_body_shape(body, provider, run, load_error=stable_type in LOAD_ERRORS)
    if provider == "tencent":
        request_id, _, _ = one_frame(run, provider)
        assert body["requestId"] == request_id, body
