"""Issue 18 item 6: the aliyun error body carries FC's own names, as FC's Python runtime builds them (server.py,
fc_rapis_util.py, fc_rapis_exception): InvalidHandleName, UserCodeError with `Module initialization error: '...'` for an
exception while the module is imported, the initializer's exception under its own class, TypeError for a result json
cannot encode, and a load error's stackTrace as a flat list of strings. The other profiles keep the stable types."""
import json
import struct

import pytest

from oneshot_support import assert_function_error, describe, error_body, invoke


def test_exception_while_importing_is_user_code_error(bootstrap):
    run = invoke(bootstrap, "tests/functions/non_ascii_import", "index.handler", "", "aliyun")
    body = error_body(run, "aliyun")
    assert body["errorType"] == "UserCodeError", describe(run)
    assert body["errorMessage"] == u"Module initialization error: '\u6a21\u5757\u52a0\u8f7d\u5931\u8d25'", body
    assert body["stackTrace"] == [u"RuntimeError: \u6a21\u5757\u52a0\u8f7d\u5931\u8d25"], body


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_exception_while_importing_elsewhere(bootstrap, provider):
    run = invoke(bootstrap, "tests/functions/non_ascii_import", "index.handler", "{}", provider)
    body = assert_function_error(run, provider, "ImportModuleError",
                                 type_in_body="Exception" if provider == "jdcloud" else None)  # sca: Exception
    message = body.get("errorMessage") or body.get("error_message")
    assert "the module raised RuntimeError" in message, body


def test_import_error_keeps_import_module_error(bootstrap):
    run = invoke(bootstrap, "tests/functions/import_error_inside", "index.handler", "", "aliyun")
    body = assert_function_error(run, "aliyun", "ImportModuleError")
    assert body["stackTrace"] and body["stackTrace"][-1].startswith(("ImportError", "ModuleNotFoundError")), body
    assert all(isinstance(item, str) for item in body["stackTrace"]), body


def test_syntax_error_trace_is_flat(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("syntax_error"), "index.handler", "", "aliyun")
    body = assert_function_error(run, "aliyun", "UserCodeSyntaxError")
    trace = body["stackTrace"]
    assert trace[0].startswith('File "') and trace[0].endswith('index.py"'), trace
    assert trace[1].startswith("line "), trace
    assert trace[-1].startswith("SyntaxError"), trace
    assert not any("^" in item or item != item.strip() for item in trace), trace


@pytest.mark.parametrize("name", ["index", "in-dex.handler"])
def test_invalid_handle_name(bootstrap, function_dir, name):
    body = assert_function_error(invoke(bootstrap, function_dir("echo"), name, "", "aliyun"), "aliyun",
                                 "MalformedHandlerName", type_in_body="InvalidHandleName")
    assert body["errorMessage"].startswith("Invalid handler"), body


def test_initializer_exception_keeps_its_class_and_message(bootstrap):
    run = invoke(bootstrap, "tests/functions/non_ascii_errors", "index.handler", "", "aliyun",
                 options=["--initializer", "index.initializer"])
    body = assert_function_error(run, "aliyun", "InitializerError", type_in_body="ValueError")
    assert body["errorMessage"] == u"\u521d\u59cb\u5316\u5931\u8d25", body
    assert body["stackTrace"][-1][2] == "in initializer", body


def test_unserialisable_result_is_type_error(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("unserialisable_result"), "index.handler", "", "aliyun")
    body = assert_function_error(run, "aliyun", "ResultNotSerializable", type_in_body="TypeError")
    assert "is not JSON serializable" in body["errorMessage"], body


def test_stable_types_stay_in_the_frame(bootstrap, function_dir):
    """Over `--serve stdio` the response's error_type is the stable type; only the body carries FC's name."""
    payload = json.dumps({"id": 1, "event": {}}).encode()
    run = bootstrap(["--provider", "aliyun", "--serve", "stdio", "index"], function_dir("echo"),
                    stdin=struct.pack(">I", len(payload)) + payload)
    size = struct.unpack(">I", run.stdout[:4])[0]
    response = json.loads(run.stdout[4:4 + size].decode("utf-8"))
    assert response["error_type"] == "MalformedHandlerName", response
    assert response["error"]["errorType"] == "InvalidHandleName", response
