"""Issue 18 items 1 and 8: errors whose message or source line holds non-ASCII characters keep their error body on
every interpreter and provider (2.7's source lines and messages are bytes or unicode: decoded once, as UTF-8 with
replacement), and the aliyun profile makes UTF-8 Python 2.7's default encoding, as FC's runtime does."""
import json

import pytest

from oneshot_support import PROVIDERS, assert_function_error, describe, error_message, invoke, result_json

MESSAGE = u"\u4e2d\u6587\u9519\u8bef"  # 中文错误
COMMENT = u"\u4e2d\u6587\u6ce8\u91ca"  # 中文注释


def trace_text(body, provider):
    return body["stackTrace"] if provider == "tencent" else json.dumps(
        body["stackTrace" if provider == "aliyun" else "error_trace"], ensure_ascii=False)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("function", ["raises_str", "raises_unicode"])
def test_non_ascii_message_keeps_its_error_body(bootstrap, provider, function):
    run = invoke(bootstrap, "tests/functions/non_ascii_errors", "index." + function, "{}", provider)
    body = assert_function_error(run, provider, "UnhandledError", type_in_body="Exception")
    assert "exit status" not in run.stdout.decode("utf-8"), describe(run)
    if provider == "tencent":
        assert ("Exception: " + MESSAGE) in body["stackTrace"], describe(run)
    else:
        assert error_message(body) == MESSAGE, describe(run)
    assert ("Exception: " + MESSAGE) in run.stderr, "the traceback in the log keeps the characters; " + describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_non_ascii_comment_on_the_raising_line(bootstrap, provider):
    run = invoke(bootstrap, "tests/functions/non_ascii_errors", "index.raises_with_comment", "{}", provider)
    body = assert_function_error(run, provider, "UnhandledError", type_in_body="ValueError")
    assert ("raise ValueError('plain')  # " + COMMENT) in trace_text(body, provider), describe(run)


def test_bytes_that_are_not_utf8_are_replaced(bootstrap, python):
    run = invoke(bootstrap, "tests/functions/non_ascii_errors", "index.raises_latin1_bytes", "{}", "aliyun")
    body = assert_function_error(run, "aliyun", "ValueError", type_in_body="ValueError")
    expected = u"caf\ufffd" if python.major == 2 else "b'caf\\xe9'"
    assert body["errorMessage"] == expected, describe(run)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_non_ascii_load_error(bootstrap, provider):
    run = invoke(bootstrap, "tests/functions/non_ascii_import", "index.handler", "{}", provider)
    assert run.status == 1, describe(run)
    body = json.loads(run.stdout.decode("utf-8"))
    assert u"\u6a21\u5757\u52a0\u8f7d\u5931\u8d25" in error_message(body), describe(run)  # 模块加载失败


@pytest.mark.parametrize("provider", PROVIDERS)
def test_non_ascii_initializer_error(bootstrap, provider):
    run = invoke(bootstrap, "tests/functions/non_ascii_errors", "index.handler", "{}", provider,
                 options=["--initializer", "index.initializer"])
    assert run.status == 1, describe(run)
    body = json.loads(run.stdout.decode("utf-8"))
    assert u"\u521d\u59cb\u5316\u5931\u8d25" in error_message(body), describe(run)  # 初始化失败


def test_aliyun_default_encoding_is_utf8_on_27(bootstrap, python):
    """FC's 2.7 runtime: reload(sys); sys.setdefaultencoding('utf-8'). u'中' + '中' works there."""
    run = invoke(bootstrap, "tests/functions/default_encoding", "index.handler", "", "aliyun")
    result = result_json(run)
    assert result["default_encoding"] == "utf-8", result
    assert result["mixed"] == u"\u4e2d\u4e2d", result
    assert result["stdout_is_the_log"], "reload(sys) must not put back the standard streams; " + describe(run)
    assert u"\u4e2d\u4e2d printed" in run.stderr, describe(run)


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_other_profiles_keep_pythons_default_encoding(bootstrap, python, provider):
    run = invoke(bootstrap, "tests/functions/default_encoding", "index.handler", "{}", provider)
    result = result_json(run)
    assert result["default_encoding"] == ("ascii" if python.major == 2 else "utf-8"), result
