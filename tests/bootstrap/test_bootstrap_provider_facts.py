# -*- coding: utf-8 -*-
"""Issue 18: the tencent and jdcloud profiles held against the clouds' own runtime code (one-shot runs).

Sources (README, provider table): scfcli `tcfcli/cmds/native/common/runtime/python2.7/bootstrap.py` (tencent results:
a `Decimal` becomes its string, then `json.dumps(ret, ensure_ascii=False)`); sca
`commands/local/image/python3x/server/wsgi_server.py` (jdcloud results: a `str` as it is, else `json.dumps`, and
`str(value)` for what JSON cannot encode).
"""
import json
import re

import pytest

from oneshot_support import (assert_function_error, describe, error_body, invoke, line_number, one_frame,
                             report_figures, result_json, user_output)

HELLO = u"\u4f60\u597d"


# -- item 4: Decimal results ----------------------------------------------------------------------------------------------

def test_tencent_decimal_result_is_its_string(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("decimal_result"), "index.top_level", {}, "tencent")
    assert run.status == 0 and run.stdout == b'"1.5"', "scfcli answers the string \"1.5\"; " + describe(run)


def test_tencent_nested_decimal_is_not_serialisable_as_in_scfcli(bootstrap, function_dir):
    """scfcli converts only a Decimal that is the whole result; one inside a dict fails json.dumps there too."""
    run = invoke(bootstrap, function_dir("decimal_result"), "index.nested", {}, "tencent")
    body = assert_function_error(run, "tencent", "ResultNotSerializable")
    assert "Decimal" in body["errorMessage"], describe(run)


@pytest.mark.parametrize("function, expected", [("top_level", b"1.5"), ("nested", b"{'price': Decimal('1.5')}")])
def test_jdcloud_value_json_cannot_encode_is_returned_as_str(bootstrap, function_dir, function, expected):
    run = invoke(bootstrap, function_dir("decimal_result"), "index." + function, {}, "jdcloud")
    assert run.status == 0 and run.stdout == expected, "sca's runtime answers str(value); " + describe(run)


@pytest.mark.parametrize("function", ["handler", "as_set"])
def test_jdcloud_unserialisable_result_is_its_str(bootstrap, function_dir, python, function):
    run = invoke(bootstrap, function_dir("unserialisable_result"), "index." + function, {}, "jdcloud")
    assert run.status == 0, describe(run)
    if function == "handler":
        assert run.stdout.startswith(b"<index.Opaque object at 0x"), describe(run)
    else:
        assert run.stdout == (b"set([1, 2])" if python.major == 2 else b"{1, 2}"), describe(run)


# -- item 10: tencent keeps non-ASCII text in results ------------------------------------------------------------------

@pytest.mark.parametrize("function, value", [("as_dict", {"msg": HELLO}), ("as_text", HELLO),
                                             ("as_bytes_str", {"bytes": HELLO, "text": u"\u4e16\u754c"})])
def test_tencent_keeps_chinese_text_in_results(bootstrap, function_dir, function, value):
    run = invoke(bootstrap, function_dir("chinese_result"), "index." + function, {}, "tencent")
    assert result_json(run) == value, describe(run)
    assert b"\\u" not in run.stdout and u"\u4f60".encode("utf-8") in run.stdout, \
        "json.dumps(ret, ensure_ascii=False): the text as UTF-8, not \\u escapes; " + describe(run)
    assert "RetMsg:" + run.stdout.decode("utf-8") in run.stderr, "the Response line shows the same text; " + describe(run)


def test_tencent_lone_surrogate_is_escaped_rather_than_lost(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("chinese_result"), "index.lone_surrogate", {}, "tencent")
    assert run.status == 0 and run.stdout == b'{"odd": "\\ud800"}', describe(run)


def test_jdcloud_and_aliyun_results_keep_their_own_encoding(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("chinese_result"), "index.as_dict", {}, "jdcloud")
    assert run.status == 0 and run.stdout == b'{"msg": "\\u4f60\\u597d"}', describe(run)


# -- item 14: a str result is returned as it is on jdcloud --------------------------------------------------------------

def test_jdcloud_str_result_is_returned_as_is(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("hello_world"), "index.handler", {"key": "value"}, "jdcloud")
    assert run.status == 0 and run.stdout == b"hello world", "sca: Invoke Return : hello world; " + describe(run)


def test_jdcloud_unicode_on_2_7_is_json_as_in_sca(bootstrap, function_dir, python):
    """sca returns `str` as it is: on 2.7 that is the byte string; a 2.7 `unicode` goes through json.dumps."""
    run = invoke(bootstrap, function_dir("returns_values"), "index.as_unicode", {}, "jdcloud")
    expected = u"h\u00e9llo \u4e16\u754c"
    if python.major == 2:
        assert run.status == 0 and json.loads(run.stdout.decode("ascii")) == expected, describe(run)
    else:
        assert run.status == 0 and run.stdout == expected.encode("utf-8"), describe(run)


# -- item 16: jdcloud's error body ----------------------------------------------------------------------------------------

def test_jdcloud_trace_frames_are_traceback_strings(bootstrap, function_dir):
    """sca's format_trace_list: each frame is ['File "<path>"', 'line N', 'in <function>', '<code>']."""
    code = function_dir("raises")
    run = invoke(bootstrap, code, "index.handler", {}, "jdcloud")
    body = assert_function_error(run, "jdcloud", "UnhandledError", type_in_body="ValueError")
    path = str(code / "index.py")
    assert body["error_trace"] == [
        ['File "%s"' % path, "line %d" % line_number(path, "# call-line"), "in handler", "check(event)  # call-line"],
        ['File "%s"' % path, "line %d" % line_number(path, "# raise-line"), "in check",
         'raise ValueError("something is wrong")  # raise-line'],
    ], describe(run)


@pytest.mark.parametrize("scenario, handler, stable, python_class", [
    ("wrong_entry", "index.handler", "ImportModuleError", "ImportError"),
    ("import_error_inside", "index.handler", "ImportModuleError", "ImportError"),
    ("module_raises", "index.handler", "ImportModuleError", "ValueError"),
    ("syntax_error", "index.handler", "UserCodeSyntaxError", "SyntaxError"),
    ("missing_function", "index.handler", "HandlerNotFound", "Exception"),
    ("echo", "index", "MalformedHandlerName", "ValueError"),
])
def test_jdcloud_load_errors_carry_the_python_class(bootstrap, function_dir, scenario, handler, stable, python_class):
    """sca's load_handler_error_handler: ImportError, SyntaxError, ValueError or Exception in error_type; the stable
    type stays in the log's traceback line (and the frame's error_type, X-Function-Error-Type: the serve suite)."""
    run = invoke(bootstrap, function_dir(scenario), handler, {}, "jdcloud")
    body = assert_function_error(run, "jdcloud", stable, type_in_body=python_class)
    assert all(isinstance(part, str) for frame in body["error_trace"] for part in frame), describe(run)
    if scenario == "echo":
        assert "for example index.handler" in body["error_message"], \
            "the invalid-handler message suggests JD's default handler; " + describe(run)


@pytest.mark.parametrize("provider, example", [("tencent", "index.main_handler"), ("jdcloud", "index.handler")])
def test_invalid_handler_message_suggests_the_providers_default(bootstrap, function_dir, provider, example):
    run = invoke(bootstrap, function_dir("echo"), "index", {}, provider)
    message = (error_body(run, provider).get("errorMessage") or error_body(run, provider)["error_message"])
    assert message.endswith("for example %s" % example), describe(run)


# -- item 18: the runtime as JD's, and what stays ours ----------------------------------------------------------------

JD_REQUEST_ID = re.compile(r"^[0-9a-z]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_jdcloud_context_fields_through_vars_and_request_id(bootstrap, function_dir):
    """JD's FContext is an object with fields (its context page): vars() lists them; ids as JD's: 32 of [0-9a-z]."""
    run = invoke(bootstrap, function_dir("jd_runtime_facts"), "index.handler", {}, "jdcloud")
    seen = result_json(run)
    assert seen["vars"] == ["function", "logset", "logtopic", "request_id"], seen
    assert seen["function_vars"] == ["function_handler", "function_name", "function_version", "invoked_function_id",
                                     "memory_size", "timeout"], seen
    assert JD_REQUEST_ID.match(seen["request_id"]), seen


@pytest.mark.parametrize("provider", ["tencent", "aliyun", "jdcloud"])
def test_function_provider_is_not_in_the_functions_environment(bootstrap, function_dir, provider):
    """FUNCTION_PROVIDER is the image's default profile, ours: it configured the runtime and is gone before user
    code runs (the other request ids stay UUIDs)."""
    handler = "index.main_handler" if provider == "tencent" else "index.handler"
    event = "" if provider == "aliyun" else {}
    run = invoke(bootstrap, function_dir("jd_runtime_facts"), handler, event, provider,
                 env={"FUNCTION_PROVIDER": provider})
    seen = result_json(run)
    assert seen["provider_variable"] is None, "FUNCTION_PROVIDER reached the function; " + describe(run)
    if provider != "jdcloud":
        assert UUID.match(seen["request_id"]), seen


@pytest.mark.parametrize("option, value, named", [
    ("--timeout", "301", "1 to 300 seconds"), ("--timeout", "0.5", "1 to 300 seconds"),
    ("--memory", "200", "steps of 128"), ("--memory", "2048", "128 to 1024 MB"), ("--memory", "64", "128 to 1024")])
def test_jdcloud_limits_are_checked(bootstrap, function_dir, option, value, named):
    run = invoke(bootstrap, function_dir("hello_world"), "index.handler", {}, "jdcloud", options=[option, value])
    assert run.status == 2 and run.stdout == b"", describe(run)
    assert named in run.stderr and "JD Cloud" in run.stderr, describe(run)


@pytest.mark.parametrize("options", [["--timeout", "300", "--memory", "1024"], ["--timeout", "1", "--memory", "128"],
                                     ["--memory", "640"]])
def test_jdcloud_limits_accept_what_jd_offers(bootstrap, function_dir, options):
    run = invoke(bootstrap, function_dir("hello_world"), "index.handler", {}, "jdcloud", options=options)
    assert run.status == 0 and run.stdout == b"hello world", describe(run)


def test_jdcloud_async_event_over_128_kb_is_a_usage_error(bootstrap, function_dir):
    event = json.dumps({"data": "x" * (128 * 1024)})  # on standard input: over the size of one argument
    run = invoke(bootstrap, function_dir("hello_world"), "index.handler", None, "jdcloud",
                 options=["--invocation-type", "Event"], stdin=event)
    assert run.status == 2 and "128 KB" in run.stderr and "asynchronous" in run.stderr, describe(run)
    small = invoke(bootstrap, function_dir("hello_world"), "index.handler", {"data": "x" * 1000}, "jdcloud",
                   options=["--invocation-type", "Event"])
    assert small.status == 0, describe(small)
    synchronous = invoke(bootstrap, function_dir("hello_world"), "index.handler", None, "jdcloud", stdin=event)
    assert synchronous.status == 0 and synchronous.stdout == b"hello world", describe(synchronous)


# -- item 9: the event's strings on 2.7 -----------------------------------------------------------------------------------

EVENT = {"key1": "test value 1", "nested": {"list": ["a"]}, "chinese": HELLO, "number": 1}


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_event_string_types(bootstrap, function_dir, python, provider):
    """2.7: tencent byte strings (scfcli evaluates the event as a Python literal; the cloud's log samples print
    `{'key1': 'test value 1'}`), jdcloud unicode (sca's json.loads; the cloud capture in sca's invoke.md prints
    `{u'key_001': u'value_001'}`). 3.x: str for both."""
    run = invoke(bootstrap, function_dir("event_types"), "index.handler", EVENT, provider)
    seen = result_json(run)
    native = python.major == 3 or provider == "tencent"
    kind = "str" if native else "unicode"
    assert (seen["key_type"], seen["value_type"], seen["nested_type"], seen["is_str"]) == (kind, kind, kind, native), \
        describe(run)
    assert seen["chinese_utf8_bytes"] == (6 if python.major == 2 and provider == "tencent" else 2), describe(run)
    assert seen["number_type"] == "int", describe(run)
    printed = "\n".join(user_output(run, provider))
    if python.major == 2:
        assert ("{u'" in printed) == (provider == "jdcloud"), "print(event) as the cloud shows it; " + describe(run)


# -- item 12 (tencent): the root logger ----------------------------------------------------------------------------------

def test_tencent_root_logger_is_at_debug(bootstrap, function_dir):
    """scfcli's runtime sets the root logger to DEBUG with a message-only handler: logging.info/debug show."""
    run = invoke(bootstrap, function_dir("logs_levels"), "index.every_level", {}, "tencent")
    assert run.status == 0, describe(run)
    logged = [line for line in user_output(run, "tencent") if line.endswith("-line")]
    assert logged == ["debug-line", "info-line", "warning-line"], describe(run)


# -- item 13: JD's log lines ----------------------------------------------------------------------------------------------

def test_jdcloud_log_lines_as_jds_cloud_prints_them(bootstrap, function_dir, python):
    """sca doc/usage/invoke.md: `<time +08:00>  <id>  Start Invoke`, the function's lines after the same prefix,
    `End Invoke`, `Report Invoke <id>,Duration :8.21ms  BilledDuration: 100ms  Memory Size: 128 MB`; no init line,
    no return-value line."""
    run = invoke(bootstrap, function_dir("hello_world"), "index.handler", {"key": "value"}, "jdcloud")
    assert run.status == 0 and run.stdout == b"hello world", describe(run)
    lines = run.stderr.splitlines()
    assert len(lines) == 4, "Start, the printed event, End, Report: nothing else; " + describe(run)
    request_id, frames, _ = one_frame(run, "jdcloud")
    assert user_output(run, "jdcloud") == ["{u'key': u'value'}" if python.major == 2 else "{'key': 'value'}"]
    report = frames["report"][0][1]
    assert report.group("memory") == "128" and report.group("billed") == "100", describe(run)
    assert float(report.group("duration")) < 100 and re.search(r"Duration :\d+\.\d\dms", lines[3]), describe(run)
    assert "hello world" not in run.stderr and "RequestId" not in run.stderr, describe(run)


def test_jdcloud_log_on_error_and_timeout(bootstrap, function_dir, tmp_path):
    """The traceback and the runtime's own message (a timeout) carry the prefix too; End and Report still close."""
    run = invoke(bootstrap, function_dir("raises"), "index.handler", {}, "jdcloud")
    assert run.status == 1, describe(run)
    output = user_output(run, "jdcloud")
    assert output[0] == "about to fail" and "Traceback (most recent call last):" in output, describe(run)
    assert output[-1] == "ValueError: something is wrong", describe(run)
    run = invoke(bootstrap, function_dir("sleeps_forever"), "index.handler", {"pidfile": str(tmp_path / "p")},
                 "jdcloud", options=["--timeout", "1"], timeout=30)
    assert run.status == 1 and user_output(run, "jdcloud")[-1] == "Time out after 1 seconds", describe(run)
    duration, _, _, billed = report_figures(run, "jdcloud")
    assert duration >= 1000 and billed % 100 == 0 and billed >= duration, describe(run)


def test_jdcloud_line_prefix_survives_partial_writes(bootstrap, function_dir):
    """Lines written in pieces (no newline, then the rest) and several lines in one write each get one prefix."""
    run = invoke(bootstrap, function_dir("prints_to_fd1"), "index.handler", {}, "jdcloud")
    assert run.status == 0, describe(run)
    output = user_output(run, "jdcloud")
    for marker in ("marker-print", "marker-sys-stdout", "marker-sys-stderr", "marker-fd1", "marker-fd2"):
        assert any(marker in line for line in output), describe(run)


# -- found on the way: answers the supervisor cannot read -------------------------------------------------------------

@pytest.mark.parametrize("case", ["bad_json", "huge_length"])
def test_bytes_written_into_the_answer_pipe_are_answered_not_waited_on(bootstrap, function_dir, case):
    """A worker whose answer cannot be read is alive (waiting for its next request): it is killed and the invocation
    answered ProcessExited, naming why (it used to wait for the worker to exit, for ever)."""
    run = invoke(bootstrap, function_dir("writes_answer_pipe"), "index." + case, {}, "tencent", timeout=30)
    body = assert_function_error(run, "tencent", "ProcessExited")
    assert "could not read the worker's answer" in body["errorMessage"], describe(run)


def test_2_7_lone_surrogate_text_result_is_answered(bootstrap, function_dir, python, tmp_path):
    """2.7's codec encodes a lone surrogate into bytes that are not UTF-8: the frames escape it instead (a worker
    answer the supervisor could not decode hung the one-shot run)."""
    if python.major != 2:
        pytest.skip("2.7's codec only (3.x's refuses to encode a lone surrogate)")
    (tmp_path / "index.py").write_text(u'def handler(event, context):\n    return u"\\ud800"\n')
    run = invoke(bootstrap, tmp_path, "index.handler", "", "aliyun", timeout=30)
    assert run.status == 0, describe(run)
