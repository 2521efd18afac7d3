"""What the one-shot suites share: the provider table of ARCHITECTURE.md's behaviour choices, and parsers for the
log framing and the error bodies that fail with a readable message when a line or a field is not what the
contract says. Nothing here knows the implementation; it reads only standard output, standard error and exit status.
"""
import json
import os
import re

import pytest

PROVIDERS = ("tencent", "aliyun", "jdcloud")
DEFAULT_HANDLER = {"tencent": "index.main_handler", "aliyun": "index.handler", "jdcloud": "index.handler"}

# The tencent body carries no type; its statusCode tells the failure apart (ARCHITECTURE.md, Error bodies).
TENCENT_STATUS = {
    "UnhandledError": 430, "FunctionTimeout": 433, "OutOfMemory": 434, "HandlerNotFound": 437, "ProcessExited": 439,
    "ImportModuleError": 443, "UserCodeSyntaxError": 443, "MalformedHandlerName": 443, "ShadowedModule": 443,
    "InitializerError": 443, "ResultNotSerializable": 407,
}
# The aliyun body carries FC's own names where they differ (issue 18 item 6: FC's runtime, fc_rapis_exception); the
# stable type stays in the frame's error_type and X-Function-Error-Type.
ALIYUN_BODY_TYPE = {"MalformedHandlerName": "InvalidHandleName", "ResultNotSerializable": "TypeError"}
LOAD_ERRORS = ("ImportModuleError", "UserCodeSyntaxError", "HandlerNotFound", "MalformedHandlerName", "ShadowedModule")
# jdcloud's body names a load failure with the Python class sca's runtime uses (README, provider table).
JDCLOUD_LOAD_TYPES = {"ImportModuleError": "ImportError", "UserCodeSyntaxError": "SyntaxError",
                      "MalformedHandlerName": "ValueError", "HandlerNotFound": "Exception", "ShadowedModule": "ImportError"}
BODY_KEYS = {
    "tencent": {"errorCode", "errorMessage", "requestId", "stackTrace", "statusCode"},
    "aliyun": {"errorMessage", "errorType", "stackTrace"},
    "jdcloud": {"error_message", "error_type", "error_trace"},
}

NUMBER = r"\d+(?:\.\d+)?"
TENCENT_LINES = {
    "start": re.compile(r"^START RequestId:(?P<id>\S+)$"),
    "init": re.compile(r"^Init Report RequestId:(?P<id>\S+) InitDuration:(?P<init>%s)ms" % NUMBER),
    "response": re.compile(r"^Response RequestId:(?P<id>\S+) RetMsg:(?P<ret>.*)$"),
    "error": re.compile(r"^ERROR RequestId:(?P<id>\S+) Result:(?P<body>.*)$"),
    "end": re.compile(r"^END RequestId:(?P<id>\S+)$"),
    "report": re.compile(r"^Report RequestId:(?P<id>\S+) Duration:(?P<duration>%s)ms Memory:(?P<memory>\d+)MB "
                         r"MemUsage:(?P<used>%s)MB$" % (NUMBER, NUMBER)),
}
ALIYUN_LINES = {
    "init_start": re.compile(r"^FC Initialize Start RequestId: (?P<id>\S+)$"),
    "init_end": re.compile(r"^FC Initialize End RequestId: (?P<id>[^,\s]+)"),
    "start": re.compile(r"^FC Invoke Start RequestId: (?P<id>\S+)$"),
    "end": re.compile(r"^FC Invoke End RequestId: (?P<id>[^,\s]+)(?P<error>, Error: Unhandled function error)?$"),
    "report": re.compile(r"^Duration: (?P<duration>%s) ms, Billed Duration: (?P<billed>\d+) ms, "
                         r"Memory Size: (?P<memory>\d+) MB, Max Memory Used: (?P<used>%s) MB$" % (NUMBER, NUMBER)),
}
# JD's log (sca doc/usage/invoke.md): `<RFC 3339 time +08:00>  <request id>  <text>` on every line.
JD_PREFIX = r"(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00)  (?P<id>[0-9a-z]{32})  "
JDCLOUD_LINES = {
    "start": re.compile(r"^%sStart Invoke$" % JD_PREFIX),
    "end": re.compile(r"^%sEnd Invoke$" % JD_PREFIX),
    "report": re.compile(r"^%sReport Invoke (?P<rid>[0-9a-z]{32}),Duration :(?P<duration>%s)ms  BilledDuration: "
                         r"(?P<billed>\d+)ms  Memory Size: (?P<memory>\d+) MB$" % (JD_PREFIX, NUMBER)),
}
JDCLOUD_LINE = re.compile(r"^%s(?P<text>.*)$" % JD_PREFIX)
ALIYUN_LOG_RECORD = re.compile(r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z (?P<id>\S+) \[(?P<level>[A-Z]+)\] "
                               r"(?P<message>.*)$")


def function_dir_path(name):
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions", name)


def invoke(bootstrap, code_dir, handler=None, event=None, provider="tencent", options=(), **kwargs):
    """One-shot run: `--provider P [OPTIONS] [HANDLER [EVENT]]` (event: dict/list -> JSON, str/bytes as given)."""
    args = ["--provider", provider] + list(options)
    if handler is not None:
        args.append(handler)
        if event is not None:
            if isinstance(event, bytes):
                event = event.decode("utf-8")
            args.append(event if isinstance(event, str) else json.dumps(event))
    return bootstrap(args, code_dir, **kwargs)


def describe(run):
    """A run as text for assertion messages."""
    return "exit status %s\n--- stdout ---\n%r\n--- stderr ---\n%s" % (run.status, run.stdout, run.stderr)


def result_json(run):
    """The result of a successful run, JSON-decoded."""
    assert run.status == 0, "expected success; " + describe(run)
    try:
        return json.loads(run.stdout.decode("utf-8"))
    except ValueError:
        pytest.fail("standard output is not the JSON result; " + describe(run))


def error_body(run, provider):
    """The error body a failed run prints, after checking exit status 1 and the fields that carry the message and
    type (the exact key set is proven on its own by test_bootstrap_errors.test_error_body_shape)."""
    assert run.status == 1, "a function error exits 1; " + describe(run)
    try:
        body = json.loads(run.stdout.decode("utf-8"))
    except ValueError:
        pytest.fail("standard output is not a JSON error body; " + describe(run))
    needed = {"tencent": {"errorMessage", "statusCode"}, "aliyun": {"errorMessage", "errorType"},
              "jdcloud": {"error_message", "error_type"}}[provider]
    assert isinstance(body, dict) and needed <= set(body), \
        "%s error body lacks %s; %s" % (provider, sorted(needed - set(body or ())), describe(run))
    return body


def assert_body_shape(body, provider, run, load_error=False):
    """Exactly the provider's keys; tencent errorCode -1 and a string stackTrace; others a list of 4-item frames, but
    an aliyun load error's stackTrace is a flat list of strings (FC's runtime: format_exception_only's lines)."""
    assert set(body) == BODY_KEYS[provider], \
        "%s error body keys %s; expected %s; %s" % (provider, sorted(body), sorted(BODY_KEYS[provider]), describe(run))
    if provider == "tencent":
        assert body["errorCode"] == -1 and isinstance(body["stackTrace"], str), describe(run)
    else:
        trace = body["stackTrace" if provider == "aliyun" else "error_trace"]
        if provider == "aliyun" and load_error:
            assert isinstance(trace, list) and trace and all(isinstance(f, str) for f in trace), \
                "an aliyun load error's stackTrace is a flat list of strings; " + describe(run)
            return
        assert isinstance(trace, list) and all(isinstance(f, list) and len(f) == 4 for f in trace), \
            "stack trace must be a list of [file, line, function, code]; " + describe(run)


def error_message(body):
    return body["errorMessage"] if "errorMessage" in body else body["error_message"]


def assert_function_error(run, provider, stable_type, type_in_body=None):
    """Exit 1, the provider's body shape, and the type: errorType/error_type (the exception class for handler
    exceptions, else the stable type) or tencent's statusCode. Returns the body."""
    body = error_body(run, provider)
    if provider == "tencent":
        assert body["statusCode"] == TENCENT_STATUS[stable_type], \
            "tencent statusCode for %s must be %s; %s" % (stable_type, TENCENT_STATUS[stable_type], describe(run))
    else:
        got = body["errorType" if provider == "aliyun" else "error_type"]
        if type_in_body is None and provider == "jdcloud":
            type_in_body = JDCLOUD_LOAD_TYPES.get(stable_type)
        expected = type_in_body or (ALIYUN_BODY_TYPE.get(stable_type, stable_type) if provider == "aliyun"
                                    else stable_type)
        assert got == expected, "error type %r, expected %r; %s" % (got, expected, describe(run))
    return body


def frame_lines(stderr, provider):
    """{kind: [(line index, match), ...]} for every framing line of the provider in the log."""
    patterns = {"aliyun": ALIYUN_LINES, "jdcloud": JDCLOUD_LINES}.get(provider, TENCENT_LINES)
    found = dict((kind, []) for kind in patterns)
    for index, line in enumerate(stderr.splitlines()):
        for kind, pattern in patterns.items():
            match = pattern.match(line)
            if match:
                found[kind].append((index, match))
    return found


def one_frame(run, provider):
    """The single invocation frame of a one-shot log: checks one start, one end, one report line, in that order, all
    with one request id. Returns (request_id, frame dict, log lines)."""
    frames = frame_lines(run.stderr, provider)
    for kind in ("start", "end", "report"):
        assert len(frames[kind]) == 1, "expected exactly one %s %s line; %s" % (provider, kind, describe(run))
    (start, s), (end, e), (report, r) = frames["start"][0], frames["end"][0], frames["report"][0]
    assert start < end < report, "framing out of order (start, end, report); " + describe(run)
    request_id = s.group("id")
    assert request_id and e.group("id") == request_id, "request ids differ between lines; " + describe(run)
    if provider != "aliyun":
        assert r.group("id") == request_id, "Report line has another request id; " + describe(run)
    if provider == "jdcloud":
        assert r.group("rid") == request_id, "Report Invoke names another request id; " + describe(run)
    return request_id, frames, run.stderr.splitlines()


def user_output(run, provider):
    """The log lines between the start and the end line of the single frame (jdcloud: each checked to carry JD's
    time and request id prefix, and given without it)."""
    request_id, frames, lines = one_frame(run, provider)
    output = lines[frames["start"][0][0] + 1:frames["end"][0][0]]
    if provider != "jdcloud":
        return output
    matches = [JDCLOUD_LINE.match(line) for line in output]
    assert all(m and m.group("id") == request_id for m in matches), \
        "every line of a JD log starts with the time and the request id; " + describe(run)
    return [m.group("text") for m in matches]


def report_figures(run, provider):
    """(duration ms, memory limit MB, memory used MB, billed ms or None) from the frame's report line."""
    _, frames, _ = one_frame(run, provider)
    match = frames["report"][0][1]
    billed = int(match.group("billed")) if provider in ("aliyun", "jdcloud") else None
    used = None if provider == "jdcloud" else float(match.group("used"))  # JD's report line has no memory used
    return float(match.group("duration")), int(match.group("memory")), used, billed


def traceback_text(run):
    """The Python traceback printed in the log (from 'Traceback (most recent call last):' to the exception line)."""
    lines = [JDCLOUD_LINE.match(line).group("text") if JDCLOUD_LINE.match(line) else line
             for line in run.stderr.splitlines()]  # without JD's time and request id prefix
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last):")]
    assert starts, "no Python traceback in the log; " + describe(run)
    block = [lines[starts[-1]]]
    for line in lines[starts[-1] + 1:]:
        block.append(line)
        if not line.startswith(" "):
            break
    return "\n".join(block)


def line_number(path, marker):
    """1-based number of the line of `path` containing `marker`."""
    with open(path) as source:
        for number, line in enumerate(source, 1):
            if marker in line:
                return number
    raise AssertionError("marker %r not in %s" % (marker, path))


BOOTSTRAP_MARKERS = ("fnruntime", "bootstrap.py")


def assert_no_bootstrap_frames(text, run):
    for marker in BOOTSTRAP_MARKERS:
        assert marker not in text, "a frame of the bootstrap (%s) is shown to the user:\n%s\n%s" \
            % (marker, text, describe(run))
