"""One-shot `docker run` of each per-version image, as a user runs it (contract sections 1 and 3).

Result alone on stdout, framed logs on stderr, exit 0/1/2, the image's default provider, an unprivileged user with a
writable /tmp and a read-only code mount, and `docker run IMAGE python ...` passing through to the image's Python.
"""
import json
import re

import pytest

from containerkit import DEFAULT_PROVIDER, PYTHON, TAGS

pytestmark = pytest.mark.docker



JD_START = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00  ([0-9a-z]{32})  Start Invoke$", re.M)


def _request_id(log, tag="py27"):
    """The invocation's request id from its start line: tencent `START RequestId:`, jdcloud (py37's default) JD's
    `<time +08:00>  <id>  Start Invoke`."""
    if DEFAULT_PROVIDER[tag] == "jdcloud":
        match = JD_START.search(log)
        assert match, "no JD `<time>  <id>  Start Invoke` line in the log:\n%s" % log
        return match.group(1)
    match = re.search(r"START RequestId:\s*(\S+)", log)
    assert match, "no `START RequestId:` line in the log:\n%s" % log
    return match.group(1)


def _closed(log, tag, request_id):
    """Whether the provider's closing lines name the request id (tencent END/Report, jdcloud End/Report Invoke)."""
    if DEFAULT_PROVIDER[tag] == "jdcloud":
        return (re.search(r"  %s  End Invoke$" % request_id, log, re.M)
                and re.search(r"  %s  Report Invoke %s,Duration :" % (request_id, request_id), log, re.M))
    return (re.search(r"END RequestId:\s*%s" % re.escape(request_id), log)
            and re.search(r"Report RequestId:\s*%s" % re.escape(request_id), log))


@pytest.mark.parametrize("tag", TAGS)
def test_result_on_stdout_and_framed_log_on_stderr(run_image, tag):
    event = {"action": "echo", "text": "h\u00e9llo", "items": [1, 2, 3]}
    done = run_image(tag, "index.handler", json.dumps(event))
    assert done.returncode == 0, done
    result = json.loads(done.stdout.decode("utf-8"))
    assert result["event"] == event
    assert result["python"] == PYTHON[tag]
    assert not done.stdout.endswith(b"\n"), "a newline is added only when stdout is a terminal"
    assert b"container-suite handler" not in done.stdout, "function output leaked into stdout"
    log = done.stderr.decode("utf-8")
    assert "container-suite handler: action=echo" in log
    request_id = _request_id(log, tag)
    assert _closed(log, tag, request_id), log


@pytest.mark.parametrize("tag", TAGS)
def test_user_code_runs_unprivileged_with_a_writable_tmp(run_image, tag):
    done = run_image(tag, "index.handler", "{}")
    assert done.returncode == 0, done
    result = json.loads(done.stdout.decode("utf-8"))
    assert result["uid"] != 0, "user code ran as root"
    assert result["tmp_writable"] is True


@pytest.mark.parametrize("tag", TAGS)
def test_handler_exception_exits_1_with_the_default_providers_error_body(run_image, tag):
    done = run_image(tag, "index.handler", '{"action": "fail"}')
    assert done.returncode == 1, done
    body = json.loads(done.stdout.decode("utf-8"))
    if DEFAULT_PROVIDER[tag] == "tencent":
        assert body["errorCode"] == -1, body
        assert body["statusCode"] == 430, body
        assert body["errorMessage"] == "user code exception caught", body
    else:
        assert body["error_type"] == "ValueError", body
        assert "container-suite was asked to fail" in body["error_message"], body
    log = done.stderr.decode("utf-8")
    assert "ValueError: container-suite was asked to fail" in log, log
    if DEFAULT_PROVIDER[tag] == "tencent":
        assert re.search(r"ERROR RequestId:\s*%s" % re.escape(_request_id(log, tag)), log), log
    else:  # JD's log has no ERROR line: the traceback, each line after JD's prefix, then End and Report
        assert _closed(log, tag, _request_id(log, tag)), log
    frames = [line for line in log.splitlines() if '  File "' in line or line.lstrip().startswith('File "')]
    assert frames, "no traceback frames in the log:\n%s" % log
    assert not [line for line in frames if "/var/runtime" in line], "bootstrap frames shown to the user:\n%s" % log


@pytest.mark.parametrize("tag", TAGS)
def test_missing_module_exits_1_naming_the_module(run_image, tag):
    done = run_image(tag, "nosuchmodule.handler", "{}")
    assert done.returncode == 1, done
    body = json.loads(done.stdout.decode("utf-8"))
    assert "nosuchmodule" in json.dumps(body), body


@pytest.mark.parametrize("tag", TAGS)
def test_unknown_option_exits_2_naming_it(run_image, tag):
    done = run_image(tag, "--no-such-option", "index.handler", "{}")
    assert done.returncode == 2, done
    assert done.stdout == b"", done
    assert b"--no-such-option" in done.stderr, done


@pytest.mark.parametrize("tag", TAGS)
def test_event_that_is_not_json_exits_2(run_image, tag):
    done = run_image(tag, "index.handler", "this is not json")
    assert done.returncode == 2, done
    assert done.stdout == b"", done
    assert b"json" in done.stderr.lower(), done


@pytest.mark.parametrize("tag", TAGS)
def test_python_command_passes_through_to_the_images_python(run_image, tag):
    done = run_image(tag, "python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])", mount=False)
    assert done.returncode == 0, done
    assert done.stdout.decode().strip() == PYTHON[tag]
    done = run_image(tag, "python", "-m", "pip", "--version", mount=False)
    assert done.returncode == 0, done
    assert "(python %s)" % PYTHON[tag] in done.stdout.decode(), done
