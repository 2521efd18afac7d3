"""The serving designs' floors (bench/floors/lend.py) that `make bench` measures beside the runtime answer what the
runtime answers: each keep-alive `POST /invoke` of several concurrent clients gets its own 200 with the handler's
result, from one of the workers, and its log reaches standard error; in both designs (relay, lend). A floor that
answered errors or nothing would make its figures meaningless (the HTTP section also counts non-2xx answers)."""
import http.client
import os
import subprocess
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from measure import free_port, wait_http  # noqa: E402

FLOOR = os.path.join(ROOT, "bench", "floors", "lend.py")


@pytest.mark.parametrize("design", ["relay", "lend"])
def test_a_floor_answers_every_request_of_concurrent_keep_alive_clients(design, tmp_path):
    port = free_port()
    log = open(str(tmp_path / "stderr"), "wb")
    proc = subprocess.Popen([sys.executable, FLOOR, str(port), "2", design], stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_http(port, 30, proc)
        answers, failures = [], []

        def client():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                for _ in range(25):
                    connection.request("POST", "/invoke", body=b"{}", headers={"Content-Type": "application/json"})
                    response = connection.getresponse()
                    answers.append((response.status, response.read(), response.getheader("X-Function-Instance"),
                                    response.getheader("X-Request-Id")))
            except Exception as exc:  # reported below, with what was answered
                failures.append(repr(exc))
            finally:
                connection.close()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures, failures
        assert len(answers) == 100
        assert set((status, body) for status, body, _, _ in answers) == {(200, b'{"ok": true}')}
        assert set(instance for _, _, instance, _ in answers) <= {"1", "2"}
        request_ids = [request_id for _, _, _, request_id in answers]
        assert len(set(request_ids)) == 100  # one invocation per request, none answered twice
        # a lending worker answers the client before it tells the server, which then logs: wait for the last logs
        deadline = time.monotonic() + 20
        while (tmp_path / "stderr").read_text().count('" 200 ') < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    text = (tmp_path / "stderr").read_text()
    for request_id in request_ids:
        assert "%s  Start Invoke" % request_id in text
    assert text.count('fnruntime: 127.0.0.1 "POST /invoke HTTP/1.1" 200') == 100
