"""Fixtures of the serve suites: `serve(mode, function, args)` starts a warm server on this test's interpreter and
closes it (whole process group) at the end of the test."""
import pytest

import servekit


@pytest.fixture
def serve(python, tmp_path):
    started = []

    def start(mode, function="serve_mix", args=(), env=None, handler=None, code_dir=None, address=None):
        served = servekit.start(python, mode, code_dir or servekit.function_dir(function), tmp_path, args, env,
                                handler, address)
        started.append(served)
        return served
    yield start
    for served in started:
        served.close()
