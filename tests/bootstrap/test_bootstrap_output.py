"""Contract sections 3 and 4: standard output carries only the result, serialised per provider (ARCHITECTURE.md,
One-shot output: tencent/jdcloud `json.dumps(result)`; aliyun str/bytes raw, other types
`json.dumps(value, indent=4, sort_keys=True)`; a newline only when stdout is a terminal). Everything the function
writes, by print, logging, fd 1/2 or C code, goes to standard error inside the invocation's frame.
"""
import json
import os
import pty
import select
import subprocess

import pytest

from oneshot_support import (PROVIDERS, assert_function_error, describe, error_message, invoke, result_json,
                             user_output)

DICT = {"b": 1, "a": [1, 2.5], "c": {"z": None, "y": True}}
MARKERS = ("marker-print", "marker-sys-stdout", "marker-sys-stderr", "marker-fd1", "marker-fd2")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stdout_carries_only_the_result(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("prints_to_fd1"), "index.handler", "{}", provider)
    assert run.status == 0, describe(run)
    expected = b'"done"' if provider == "tencent" else b"done"
    assert run.stdout == expected, describe(run)
    logged = "\n".join(user_output(run, provider))
    for marker in MARKERS:
        assert marker in logged, "%s missing from the invocation's log; %s" % (marker, describe(run))


@pytest.mark.parametrize("function", ["write_fds", "puts_flushed"])
def test_c_level_output_reaches_the_log(bootstrap, function_dir, function):
    run = invoke(bootstrap, function_dir("c_extension_output"), "index." + function, {})
    assert run.stdout == b'"done"', describe(run)
    logged = "\n".join(user_output(run, "tencent"))
    wanted = ["marker-c-write-fd1", "marker-c-write-fd2"] if function == "write_fds" else ["marker-c-puts-flushed"]
    for marker in wanted:
        assert marker in logged, "%s missing from the invocation's log; %s" % (marker, describe(run))


def test_unflushed_c_stdio_output_reaches_the_invocation_log(bootstrap, function_dir):
    """A C extension printing with stdio and never flushing (the common case) still lands in this invocation's
    frame, before its END line: the runtime flushes C stdio after the handler returns."""
    run = invoke(bootstrap, function_dir("c_extension_output"), "index.puts_unflushed", {})
    assert run.stdout == b'"done"', describe(run)
    assert "marker-c-puts-unflushed" in "\n".join(user_output(run, "tencent")), describe(run)


RETURNED = {"as_dict": "{'b': 1, 'a': [1, 2.5], 'c': {'z': None, 'y': True}}", "as_list": "[3, 'two', None]"}


def expected_dumps(python, function, **options):
    """json.dumps of what returns_values.<function> returns, computed by the function's interpreter from the same
    literal (so 2.7's dict order is the one the handler's dict has)."""
    script = "import json, sys\nsys.stdout.write(json.dumps(%s, **%r))\n" % (RETURNED[function], options)
    return subprocess.run([python.path, "-c", script], stdout=subprocess.PIPE, check=True).stdout


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
@pytest.mark.parametrize("function, value", [("as_dict", DICT), ("as_str", "plain text, not JSON"),
                                             ("as_unicode", u"h\u00e9llo \u4e16\u754c"),
                                             ("as_list", [3, "two", None]), ("as_int", 42), ("as_none", None)])
def test_json_providers_serialise_with_json_dumps(bootstrap, function_dir, python, provider, function, value):
    """tencent json.dumps(ret, ensure_ascii=False) (scfcli); jdcloud json.dumps, but a `str` as it is (sca)."""
    run = invoke(bootstrap, function_dir("returns_values"), "index." + function, {}, provider)
    assert run.status == 0, describe(run)
    raw_str = provider == "jdcloud" and (function == "as_str" or function == "as_unicode" and python.major == 3)
    if raw_str:
        assert run.stdout == value.encode("utf-8"), "jdcloud returns a str as it is; " + describe(run)
        return
    assert json.loads(run.stdout.decode("utf-8")) == value
    options = {"ensure_ascii": False} if provider == "tencent" else {}
    expected = (expected_dumps(python, function, **options) if function in RETURNED
                else json.dumps(value, **options).encode("utf-8"))
    assert run.stdout == expected, "expected exactly json.dumps(result); " + describe(run)


@pytest.mark.parametrize("function, expected", [
    ("as_str", b"plain text, not JSON"),
    ("as_unicode", u"h\u00e9llo \u4e16\u754c".encode("utf-8")),
    ("as_dict", None),
    ("as_list", None),
    ("as_int", b"42"),
    ("as_none", b"null"),
])
def test_aliyun_serialisation(bootstrap, function_dir, python, function, expected):
    """str/bytes raw; anything else json.dumps(value, indent=4, sort_keys=True) of the function's interpreter."""
    if expected is None:
        expected = expected_dumps(python, function, indent=4, sort_keys=True)
    run = invoke(bootstrap, function_dir("returns_values"), "index." + function, "", "aliyun")
    assert run.status == 0 and run.stdout == expected, describe(run)
    if function == "as_dict":
        assert json.loads(run.stdout.decode("utf-8")) == DICT and b'\n    "a": [' in run.stdout, describe(run)


def test_aliyun_bytes_returned_raw(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("returns_bytes"), "index.handler", "", "aliyun")
    assert run.status == 0 and run.stdout == b"raw \x00\xff\xfe bytes", describe(run)


@pytest.mark.parametrize("provider", ["tencent", "aliyun"])  # jdcloud: test_bootstrap_provider_facts
@pytest.mark.parametrize("function", ["handler", "as_set"])
def test_unserialisable_result_is_a_clear_error(bootstrap, function_dir, provider, function):
    run = invoke(bootstrap, function_dir("unserialisable_result"), "index." + function, "{}", provider)
    body = assert_function_error(run, provider, "ResultNotSerializable")
    message = error_message(body)
    assert ("Opaque" in message) if function == "handler" else ("set" in message), \
        "the message should name the type that could not be serialised: %r" % message
    assert "Traceback" not in message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_str_with_a_lone_surrogate_is_a_clear_error_one_shot(bootstrap, function_dir, python, provider):
    """3.x: a str UTF-8 cannot encode is returned as text by aliyun and jdcloud, so it is a ResultNotSerializable
    naming the character; tencent's JSON escapes it (so does jdcloud's on 2.7, where a unicode result is JSON), and
    2.7's encoder writes it as bytes (aliyun): successes."""
    run = invoke(bootstrap, function_dir("unserialisable_result"), "index.lone_surrogate", "{}", provider)
    if provider == "tencent" or (provider == "jdcloud" and python.version == "2.7"):  # 2.7 jdcloud: unicode is JSON
        assert run.status == 0 and json.loads(run.stdout.decode("ascii")) == u"a\udc80b", describe(run)
        return
    if python.version == "2.7":
        assert run.status == 0 and run.stdout == b"a\xed\xb2\x80b", describe(run)
        return
    body = assert_function_error(run, provider, "ResultNotSerializable")
    assert error_message(body).startswith(
        "the function returned a str that cannot be encoded as UTF-8: '\\udc80' at position 1 is a lone surrogate"), \
        error_message(body)


def test_bytes_result_for_json_providers(bootstrap, function_dir, python):
    """tencent/jdcloud use json.dumps: on 2.7 these bytes are a str that is not UTF-8, on 3.x bytes are not JSON;
    either way a clear ResultNotSerializable error, never a crash."""
    run = invoke(bootstrap, function_dir("returns_bytes"), "index.handler", {})
    assert_function_error(run, "tencent", "ResultNotSerializable")


def read_all(fd, deadline=10.0):
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], deadline)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_newline_added_only_on_a_terminal(bootstrap, function_dir, provider):
    code = function_dir("returns_values")
    piped = invoke(bootstrap, code, "index.as_str", "{}", provider)
    assert not piped.stdout.endswith(b"\n"), describe(piped)
    master, slave = pty.openpty()
    try:
        run = invoke(bootstrap, code, "index.as_str", "{}", provider, stdout=slave)
        os.close(slave)
        slave = None
        shown = read_all(master)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert run.status == 0, describe(run)
    expected = b'"plain text, not JSON"' if provider == "tencent" else b"plain text, not JSON"
    assert shown.replace(b"\r\n", b"\n") == expected + b"\n", shown
