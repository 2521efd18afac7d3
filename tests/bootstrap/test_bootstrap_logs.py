"""Contract section 4, Logs: each invocation framed as its provider frames it (ARCHITECTURE.md, Log framing):
tencent START / Init Report (cold) / Response or ERROR / END / Report; jdcloud `<time>  <id>  ` before every line,
Start Invoke / End Invoke / Report Invoke (sca's cloud captures); aliyun FC Invoke Start / End (with
`, Error: Unhandled function error`) / Duration line and its root-logger format with the request id. Memory used is
measured, not copied from the limit; billing granularity is 1 ms (tencent) or 100 ms (aliyun).
"""
import datetime
import json
import re

import pytest

from oneshot_support import (ALIYUN_LOG_RECORD, describe, frame_lines, invoke, one_frame, report_figures,
                             user_output)

@pytest.mark.parametrize("provider", ["tencent"])
def test_tencent_style_frame_on_success(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("logging_seed"), "index.main_handler", {"a": 1}, provider)
    assert run.stdout == b'"Hello World!"', describe(run)
    request_id, frames, lines = one_frame(run, provider)
    assert len(frames["init"]) == 1, "a one-shot run is a cold start: one Init Report line; " + describe(run)
    assert len(frames["response"]) == 1 and not frames["error"], describe(run)
    (init, i), (response, r) = frames["init"][0], frames["response"][0]
    start, end = frames["start"][0][0], frames["end"][0][0]
    assert start < init < response < end, "order: START, Init Report, output, Response, END; " + describe(run)
    assert i.group("id") == request_id and r.group("id") == request_id
    assert r.group("ret") == '"Hello World!"', "RetMsg carries the JSON result; " + describe(run)
    output = lines[init + 1:response]
    assert output.count("got event{'a': 1}") + output.count("got event{u'a': 1}") == 2, \
        "seed 001: logger.info and print both show `got event{...}` (message only); " + describe(run)


@pytest.mark.parametrize("provider", ["tencent"])
def test_tencent_style_frame_on_error(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("raises"), "index.handler", {}, provider)
    assert run.status == 1, describe(run)
    request_id, frames, lines = one_frame(run, provider)
    assert len(frames["error"]) == 1 and not frames["response"], describe(run)
    error_at, error = frames["error"][0]
    assert json.loads(error.group("body")) == json.loads(run.stdout.decode("utf-8")), \
        "the ERROR line carries the same body as standard output; " + describe(run)
    traceback_at = max(i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last):"))
    assert frames["start"][0][0] < traceback_at < error_at < frames["end"][0][0], describe(run)


def test_aliyun_frame_on_success(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("prints_to_fd1"), "index.handler", "", "aliyun")
    assert run.stdout == b"done", describe(run)
    request_id, frames, _ = one_frame(run, "aliyun")
    assert frames["end"][0][1].group("error") is None, describe(run)
    assert "marker-print" in user_output(run, "aliyun")


def test_aliyun_frame_on_error(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("raises"), "index.handler", "", "aliyun")
    assert run.status == 1, describe(run)
    _, frames, _ = one_frame(run, "aliyun")
    assert frames["end"][0][1].group("error") == ", Error: Unhandled function error", describe(run)


def test_aliyun_root_logger_format(bootstrap, function_dir):
    """`%(asctime)s.%(msecs)03dZ <request id> [LEVEL] message` in UTC, level INFO."""
    before = datetime.datetime.utcnow()
    run = invoke(bootstrap, function_dir("logs_levels"), "index.info_and_warning", "", "aliyun")
    after = datetime.datetime.utcnow()
    assert run.stdout == b"ok", describe(run)
    request_id, _, _ = one_frame(run, "aliyun")
    records = [ALIYUN_LOG_RECORD.match(line) for line in user_output(run, "aliyun")]
    records = [r for r in records if r]
    assert [(r.group("level"), r.group("message")) for r in records] == [("INFO", "info-line"),
                                                                         ("WARNING", "warning-line")], describe(run)
    for record in records:
        assert record.group("id") == request_id, describe(run)
        stamp = datetime.datetime.strptime(record.group("time"), "%Y-%m-%dT%H:%M:%S.%f")
        assert before - datetime.timedelta(seconds=2) <= stamp <= after + datetime.timedelta(seconds=2), \
            "the timestamp must be UTC now: %s not in [%s, %s]" % (stamp, before, after)


def test_tencent_root_logger_is_debug_and_message_only(bootstrap, function_dir):
    """scfcli's runtime: the root logger at DEBUG with a message-only handler."""
    run = invoke(bootstrap, function_dir("logs_levels"), "index.info_and_warning", {}, "tencent")
    assert run.stdout == b'"ok"', describe(run)
    output = user_output(run, "tencent")
    assert "info-line" in output and "warning-line" in output, "logger.info shows, message only; " + describe(run)


def test_jdcloud_root_logger_shows_time_and_level_at_warning(bootstrap, function_dir):
    """JD's documentation: logging.* entries carry a time stamp and the level (ours: `<RFC 3339 time, ms, +08:00>
    [LEVEL] message`); Python's default level WARNING, as JD's example sets INFO itself."""
    run = invoke(bootstrap, function_dir("logs_levels"), "index.info_and_warning", {}, "jdcloud")
    assert run.stdout == b"ok", describe(run)
    output = user_output(run, "jdcloud")
    records = [re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\+08:00 \[([A-Z]+)\] (.*)$", line) for line in output]
    assert [(r.group(2), r.group(3)) for r in records if r] == [("WARNING", "warning-line")], describe(run)
    stamp = datetime.datetime.strptime(records[[bool(r) for r in records].index(True)].group(1), "%Y-%m-%dT%H:%M:%S.%f")
    now = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
    assert abs((now - stamp).total_seconds()) < 30, "the time is China Standard Time (+08:00): %s" % stamp


@pytest.mark.parametrize("provider", ("tencent", "aliyun", "jdcloud"))
def test_memory_limit_shown_is_the_configured_one(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("counter"), "index.handler", "{}", provider, options=["--memory", "256"])
    assert run.status == 0, describe(run)
    assert report_figures(run, provider)[1] == 256


@pytest.mark.parametrize("provider", ("tencent", "aliyun"))  # JD's report line has no memory used
def test_max_memory_used_is_measured(bootstrap, function_dir, provider):
    """A handler holding 60 MB reports at least 40 MB more than one holding nothing; neither reports the limit."""
    code = function_dir("allocates_memory")
    options = ["--memory", "512"]
    small = invoke(bootstrap, code, "index.handler", '{"mb": 0}', provider, options=options)
    large = invoke(bootstrap, code, "index.handler", '{"mb": 60}', provider, options=options)
    _, limit, used_small, _ = report_figures(small, provider)
    _, _, used_large, _ = report_figures(large, provider)
    assert used_large - used_small >= 40, "memory used %s MB (60 MB held) vs %s MB (nothing held)" \
        % (used_large, used_small)
    assert 0 < used_small < limit and used_large < limit, (used_small, used_large, limit)
    assert used_large < 60 + used_small + 60, "implausibly high: %s MB" % used_large


def test_aliyun_billed_duration_rounds_up_to_100ms(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("counter"), "index.handler", "", "aliyun")
    duration, _, _, billed = report_figures(run, "aliyun")
    assert billed % 100 == 0 and billed >= duration and billed - duration <= 100, (duration, billed)
    assert billed >= 100


@pytest.mark.parametrize("provider", ("tencent", "jdcloud"))
def test_durations_are_measured(bootstrap, function_dir, provider, tmp_path):
    """A handler sleeping 300 ms reports a duration of at least 300 ms (and not the timeout)."""
    (tmp_path / "index.py").write_text("import time\n\ndef handler(event, context):\n    time.sleep(0.3)\n"
                                       "    return 'slept'\n")
    run = invoke(bootstrap, tmp_path, "index.handler", {}, provider)
    duration = report_figures(run, provider)[0]
    assert 300 <= duration < 3000, duration


@pytest.mark.parametrize("provider", ("tencent", "aliyun", "jdcloud"))
def test_event_invocation_logs_still_show_it(bootstrap, function_dir, provider):
    run = invoke(bootstrap, function_dir("prints_to_fd1"), "index.handler", "{}", provider,
                 options=["--invocation-type", "Event"])
    assert run.status == 0 and run.stdout == b"", describe(run)
    assert "marker-print" in user_output(run, provider)
    frames = frame_lines(run.stderr, provider)
    assert len(frames["report"]) == 1, describe(run)
