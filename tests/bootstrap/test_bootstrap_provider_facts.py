# -*- coding: utf-8 -*-
"""Issue 18: the tencent and jdcloud profiles held against the clouds' own runtime code (one-shot runs).

Sources (README, provider table): scfcli `tcfcli/cmds/native/common/runtime/python2.7/bootstrap.py` (tencent results:
a `Decimal` becomes its string, then `json.dumps(ret, ensure_ascii=False)`); sca
`commands/local/image/python3x/server/wsgi_server.py` (jdcloud results: a `str` as it is, else `json.dumps`, and
`str(value)` for what JSON cannot encode).
"""
import json

import pytest

from oneshot_support import assert_function_error, describe, invoke, result_json

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
