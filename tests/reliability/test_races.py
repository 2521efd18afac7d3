"""Issue 4, races between a worker's last answer and its exit: a worker that fails to load the handler writes its
error frame and exits at once; the supervisor must read that frame, never report the exit instead (which would turn
HandlerNotFound into ProcessExited). The window is a few microseconds per invocation, so the test repeats it."""
import collections

import pytest

import rkit
import targets

REPEATS = 1500


@pytest.mark.slow
@pytest.mark.host_python
def test_a_load_failure_is_never_reported_as_an_exit(tmp_path, require_host_python):
    version = "3.6"
    require_host_python(version)  # fails under CI, saying what to install
    server = targets.StdioServer(version, "tencent", str(tmp_path / "stderr"),
                                 handler="missing_function/index.no_such_function")
    try:
        seen = collections.Counter()
        for _ in range(REPEATS):
            reply = server.invoke({})
            seen[reply.error_type] += 1
            if reply.error_type != "HandlerNotFound":
                rkit.check_error(reply, "tencent", "HandlerNotFound")  # fails with the reply in the message
        assert seen == {"HandlerNotFound": REPEATS}, seen
    finally:
        server.close()
