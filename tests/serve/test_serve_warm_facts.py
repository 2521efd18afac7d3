"""Issue 16: serve-mode promises that had no test, on the real 2.7, 3.6 and 3.7 interpreters.

- Max Memory Used is measured in serve modes too: a handler holding 60 MB shows it in the response frame's
  `max_memory_used_mb`, in the framed log's report line, and in HTTP's `X-Function-Max-Memory-Used-Mb`; never the
  `--memory` limit (contract section 4).
- A child process that an invocation started and left running counts in the Max Memory Used of the invocations
  after it, however brief (the worker measures its children as it answers).
- `/tmp` persists between warm invocations, as module state does (contract section 5, warm state).
- The framed request's `event_b64` (raw bytes), `context` (overrides of context fields) and the response's
  `result_b64` (a handler returning bytes), in positive cases (contract section 5).
"""
import base64
import json
import re
import uuid

import pytest

import servekit
from servekit import ALL_MODES, FRAMED_MODES

LIMIT_MB = 512
REPORT = {
    "tencent": re.compile(r"^Report RequestId:\S+ Duration:\S+ Memory:(\d+)MB MemUsage:([\d.]+)MB$", re.M),
    "aliyun": re.compile(r"Memory Size: (\d+) MB, Max Memory Used: ([\d.]+) MB$", re.M),
}


def invoke(served, event):
    """One invocation in any mode: (max memory used as the response says it, the response's log or None)."""
    if served.mode == "http":
        from fnruntime.client import invoke_http
        answer = invoke_http(served.address, json.dumps(event).encode(), timeout=120)
        assert answer.status == 200, answer
        return float(answer.headers["x-function-max-memory-used-mb"]), None, json.loads(answer.body)
    with served.client() as client:
        response = client.invoke(event)
    assert response.ok, response
    return response["max_memory_used_mb"], response.log, response.result


@pytest.mark.parametrize("provider", ["tencent", "aliyun"])
@pytest.mark.parametrize("mode", ALL_MODES)
def test_max_memory_used_is_measured_in_serve_modes(serve, mode, provider):
    """Nothing held, then 60 MB held: the second reports at least 40 MB more, both under the limit."""
    served = serve(mode, "allocates_memory", args=["--memory", str(LIMIT_MB), "--provider", provider])
    small, small_log, result = invoke(served, {"mb": 0})
    assert result == {"allocated_mb": 0}, result
    large, large_log, result = invoke(served, {"mb": 60})
    assert result == {"allocated_mb": 60}, result
    assert large - small >= 40, "max memory used %s MB with 60 MB held, %s MB with nothing held" % (large, small)
    assert 1 < small < LIMIT_MB and large < LIMIT_MB, (small, large)
    assert large < small + 60 + 60, "implausibly high: %s MB" % large
    if large_log is not None:
        report = REPORT[provider].findall(large_log)
        assert len(report) == 1, large_log
        limit, used = report[0]
        assert int(limit) == LIMIT_MB and abs(float(used) - large) < 0.01, (report, large)


@pytest.mark.parametrize("started_from", ["handler", "thread"])
def test_a_child_still_running_counts_in_the_quick_invocations_after(serve, started_from):
    """An invocation starts a child holding 60 MB that outlives it; the quick invocations after it (too brief for
    the supervisor to sample) report it in Max Memory Used, whether the handler or a thread of it started the child."""
    served = serve("http", "holds_child", args=["--memory", str(LIMIT_MB)])
    before, _, result = invoke(served, {})
    assert result == {"children": 0}, result
    invoke(served, {"start": True, "mb": 60, "from": started_from})
    for _ in range(3):
        after, _, result = invoke(served, {})
        assert result == {"children": 1}, result
        assert after - before >= 40, "max memory used %s MB with a child holding 60 MB, %s MB before it started" % (
            after, before)


@pytest.mark.parametrize("mode", ALL_MODES)
def test_tmp_persists_between_warm_invocations(serve, mode):
    served = serve(mode, "tmp_state")
    name = "fnruntime-warm-%s" % uuid.uuid4().hex
    try:
        first = invoke(served, {"name": name, "write": "from the first invocation"})[2]
        second = invoke(served, {"name": name, "write": "from the second invocation"})[2]
        third = invoke(served, {"name": name, "remove": True})[2]
    finally:
        invoke(served, {"name": name, "remove": True})
    assert first["found"] is None, first
    assert second["found"] == "from the first invocation", second
    assert third["found"] == "from the second invocation", third
    assert first["pid"] == second["pid"] == third["pid"], "the worker was replaced between warm invocations"


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_event_b64_reaches_an_aliyun_handler_as_the_exact_bytes(serve, mode):
    raw = b"raw \x00\xff body\r\n{not json"
    served = serve(mode, "echo", args=["--provider", "aliyun"])
    with served.client() as client:
        response = client.invoke(body=raw)
    assert response.ok, response
    assert response.result["event_type"] in ("bytes", "str"), response  # 2.7's str is bytes
    assert base64.b64decode(response.result["event_b64"]) == raw, response.result


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_event_b64_of_json_reaches_a_json_provider_as_the_object(serve, mode, provider):
    served = serve(mode, "echo", args=["--provider", provider])
    with served.client() as client:
        response = client.invoke(body=json.dumps({"sent": "as bytes", "n": 3}).encode())
    assert response.ok, response
    assert response.result["event"] == {"sent": "as bytes", "n": 3}, response.result


@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_bytes_result_comes_back_as_result_b64(serve, mode):
    served = serve(mode, "returns_bytes", args=["--provider", "aliyun"])
    with served.client() as client:
        response = client.invoke(body=b"")
    assert response.ok, response
    assert "result" not in response and base64.b64decode(response["result_b64"]) == b"raw \x00\xff\xfe bytes", \
        response


OVERRIDES = {
    "tencent": {"function_name": "overridden-name", "request_id": "given-id", "extra_field": [1, 2]},
    "jdcloud": {"function_name": "overridden-name", "request_id": "given-id", "extra_field": [1, 2]},
    "aliyun": {"region": "overridden-name", "request_id": "given-id", "extra_field": [1, 2]},
}


@pytest.mark.parametrize("provider", sorted(OVERRIDES))
@pytest.mark.parametrize("mode", FRAMED_MODES)
def test_context_overrides_reach_the_handler(serve, mode, provider):
    """The frame's `context` sets those fields (and adds new ones) for that invocation only; the invocations before
    and after see the runtime's own."""
    overrides = OVERRIDES[provider]
    served = serve(mode, "echo", args=["--provider", provider])
    event = {"body": b"{}"} if provider == "aliyun" else {"event": {}}
    with served.client() as client:
        plain = client.invoke(**event)
        given = client.invoke(context=overrides, **event)
        after = client.invoke(**event)
    for response in (plain, given, after):
        assert response.ok, response
    context = given.result["context"]
    assert {key: context.get(key) for key in overrides} == overrides, context
    for response in (plain, after):
        context = response.result["context"]
        assert context["request_id"] == response.request_id, (context, response.request_id)
        for key in overrides:
            assert context.get(key) != overrides[key], (key, context)


@pytest.mark.parametrize("mode", ALL_MODES)
def test_memory_is_measured_when_the_function_reuses_the_runtimes_descriptors(serve, mode, tmp_path):
    """The worker keeps its own /proc files open between invocations; a function that closes every descriptor above
    5 and opens files into those numbers gets nothing written into them, and the next invocations still measure
    what they hold (a kept descriptor is checked before each use, and reopened)."""
    served = serve(mode, "reuses_fds", args=["--memory", str(LIMIT_MB)])
    for number, megabytes in enumerate((0, 60, 0, 60)):
        used, _, result = invoke(served, {"mb": megabytes, "dir": str(tmp_path)})
        assert result["allocated_mb"] == megabytes, result
        assert len(result["written"]) == (8 if number else 0), result
        assert set(result["written"].values()) <= {0}, "the runtime wrote into the function's files: %r" % result
        if megabytes:
            assert used >= 50, "60 MB held, max memory used %s MB" % used
        else:
            assert 1 < used < 50, "nothing held, max memory used %s MB" % used
