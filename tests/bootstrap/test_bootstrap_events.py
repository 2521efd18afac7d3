"""Contract sections 3 and 4, EVENT: the argument; else `--event-file PATH`; else standard input when it is not a
terminal; else `{}`. tencent and jdcloud decode JSON into a dict (a body that is not a JSON object is a clear error,
exit 2 in one-shot); aliyun passes the raw body, bytes on Python 3 and str on 2.7.
"""
import base64
import json
import os
import pty
import shutil

import pytest

from oneshot_support import describe, invoke, result_json

EVENT = {"key": "value", "n": [1, 2], "text": u"h\u00e9llo"}


def test_event_from_argument(bootstrap, function_dir):
    result = result_json(invoke(bootstrap, function_dir("echo"), "index.handler", EVENT))
    assert result["event"] == EVENT and result["event_type"] == "dict"


def test_event_from_file(bootstrap, function_dir, tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    run = invoke(bootstrap, function_dir("echo"), "index.handler", options=["--event-file", str(path)])
    assert result_json(run)["event"] == EVENT


def test_event_from_stdin_pipe(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("echo"), "index.handler", stdin=json.dumps(EVENT))
    assert result_json(run)["event"] == EVENT


def test_argument_beats_event_file_and_stdin(bootstrap, function_dir, tmp_path):
    path = tmp_path / "event.json"
    path.write_text('{"from": "file"}')
    run = invoke(bootstrap, function_dir("echo"), "index.handler", {"from": "argument"},
                 options=["--event-file", str(path)], stdin='{"from": "stdin"}')
    assert result_json(run)["event"] == {"from": "argument"}


def test_event_file_beats_stdin(bootstrap, function_dir, tmp_path):
    path = tmp_path / "event.json"
    path.write_text('{"from": "file"}')
    run = invoke(bootstrap, function_dir("echo"), "index.handler", options=["--event-file", str(path)],
                 stdin='{"from": "stdin"}')
    assert result_json(run)["event"] == {"from": "file"}


def test_default_event_when_stdin_is_a_terminal(bootstrap, function_dir):
    """No argument, no file, standard input a terminal: the event is {} (and nothing waits for typing)."""
    master, slave = pty.openpty()
    try:
        run = invoke(bootstrap, function_dir("echo"), "index.handler", stdin=slave, timeout=30)
    finally:
        os.close(slave)
        os.close(master)
    assert result_json(run)["event"] == {}


def test_empty_stdin_is_the_default_event(bootstrap, function_dir):
    """`docker run` without -i gives the container /dev/null: that must run with {} rather than fail (gap in the
    contract; users of the clouds' CLIs get {} here)."""
    run = invoke(bootstrap, function_dir("echo"), "index.handler")
    assert result_json(run)["event"] == {}


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_dict_event_for_json_providers(bootstrap, function_dir, provider):
    result = result_json(invoke(bootstrap, function_dir("echo"), "index.handler", EVENT, provider))
    assert result["event_type"] == "dict" and result["event"] == EVENT


@pytest.mark.parametrize("raw", [b'{"key": "value"}', b"not json at all", u"h\u00e9llo \u4e16\u754c".encode("utf-8")])
def test_aliyun_event_is_the_raw_body(bootstrap, function_dir, python, raw):
    run = invoke(bootstrap, function_dir("echo"), "index.handler", provider="aliyun", stdin=raw)
    result = result_json(run)
    assert result["event_type"] == ("str" if python.major == 2 else "bytes"), result
    assert base64.b64decode(result["event_b64"]) == raw, result


def test_aliyun_event_from_argument_is_raw(bootstrap, function_dir, python):
    run = invoke(bootstrap, function_dir("echo"), "index.handler", "plain words", "aliyun")
    result = result_json(run)
    assert base64.b64decode(result["event_b64"]) == b"plain words"
    assert result["event_type"] == ("str" if python.major == 2 else "bytes")


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_event_that_is_not_json_is_bad_usage(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("echo"), "index.handler", "{not json", provider)
    assert run.status == 2 and run.stdout == b"", describe(run)
    assert "JSON" in run.stderr, "the message must name the problem (event is not JSON); " + describe(run)


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
@pytest.mark.parametrize("event", ["[1, 2]", '"text"', "42"])
def test_event_that_is_not_a_json_object_is_a_clear_error(bootstrap, function_dir, provider, event):
    run = invoke(bootstrap, function_dir("echo"), "index.handler", event, provider)
    assert run.status == 2 and run.stdout == b"", describe(run)
    assert "object" in run.stderr, "the message must say an object is expected; " + describe(run)


def test_missing_event_file_is_bad_usage(bootstrap, function_dir, tmp_path):
    missing = tmp_path / "no-such-event.json"
    run = invoke(bootstrap, function_dir("echo"), "index.handler", options=["--event-file", str(missing)])
    assert_event_file_refused(run, missing, "No such file or directory")


def without_file_permission_override():
    """A prefix under which even root is refused a file without read permission (DAC override capabilities dropped
    from the bounding set), or () when not root."""
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        reason = "needs setpriv (util-linux) to make a file unreadable for root"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


def assert_event_file_refused(run, path, reason):
    """Exit 2, empty stdout, one usage message naming the file and the system's reason, no traceback."""
    assert run.status == 2 and run.stdout == b"", describe(run)
    lines = run.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("bootstrap: error: "), describe(run)
    assert str(path) in lines[0] and reason in lines[0], "the message must name the file and why: " + describe(run)
    assert "Traceback" not in run.stderr and 'File "' not in run.stderr, describe(run)


def test_unreadable_event_file_is_bad_usage(bootstrap, function_dir, tmp_path):
    """A file that exists but may not be read (mode 000): the message names it and says permission was denied."""
    private = tmp_path / "private-event.json"
    private.write_text('{"secret": true}')
    private.chmod(0)
    run = invoke(bootstrap, function_dir("echo"), "index.handler", options=["--event-file", str(private)],
                 prefix=without_file_permission_override())
    assert_event_file_refused(run, private, "Permission denied")


def test_event_file_that_is_a_directory_is_bad_usage(bootstrap, function_dir, tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    run = invoke(bootstrap, function_dir("echo"), "index.handler", options=["--event-file", str(folder)])
    assert_event_file_refused(run, folder, "Is a directory")
