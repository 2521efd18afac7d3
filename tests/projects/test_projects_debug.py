"""`fnruntime local invoke --debug-port` and `local start-api --debug-port`: the function's container publishes the
port on 127.0.0.1, the command prints a VS Code launch.json entry whose path mapping is the template's code folder
to the container's, and a Debug Adapter Protocol client using exactly that entry stops at a breakpoint of the
example's handler, reads the request's field, continues and gets the answer. Needs the built images."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

from projectkit import EXAMPLES, StartedApi, command_env, free_port, request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "debug"))
from dapclient import DapClient  # noqa: E402
from debugkit import line_of  # noqa: E402

pytestmark = pytest.mark.docker

TEMPLATE = os.path.join(EXAMPLES, "scfcli", "template.yaml")
HANDLER = os.path.join(EXAMPLES, "scfcli", "index.py")


def handler_line():
    """The weather handler's `city = ...` line: where the request's query has been read."""
    with open(HANDLER) as source:
        for number, text in enumerate(source, 1):
            if text.strip().startswith("city = event["):
                return number
    raise AssertionError("no city line in %s" % HANDLER)


def launch_entries(text):
    """The JSON objects the command printed after its 'add to .vscode/launch.json' line."""
    decoder, entries = json.JSONDecoder(), []
    start = text.find("launch.json")
    assert start >= 0, text
    index = text.find("{", start)
    while index >= 0:
        entry, end = decoder.raw_decode(text, index)
        entries.append(entry)
        match = re.compile(r"\s*\{").match(text, end)
        index = match.end() - 1 if match else -1
    return entries


def stop_and_resume(entry, city):
    mapping = entry["pathMappings"][0]
    client = DapClient(entry["connect"]["host"], entry["connect"]["port"], connect_seconds=120)
    try:
        deadline = time.monotonic() + 180
        while True:  # docker-proxy accepts before the instance listens: until the adapter answers
            try:
                client.initialize(seconds=10)
                break
            except AssertionError:
                client.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                client = DapClient(entry["connect"]["host"], entry["connect"]["port"], connect_seconds=120)
        client.attach(HANDLER, [handler_line()], mapping["localRoot"], mapping["remoteRoot"])
        thread, frame = client.stopped()
        assert (frame["name"], frame["line"]) == ("weather", handler_line())
        event = client.locals_of(frame)["event"]
        assert city in event, event
        client.resume(thread)
    finally:
        client.close()


def test_local_invoke_waits_for_the_debugger_it_announces(docker_engine):
    port = free_port()
    event = json.dumps({"queryStringParameters": {"city": "beijing"}})
    process = subprocess.Popen([sys.executable, "-m", "fnlocal", "local", "invoke", "weather", "-t", TEMPLATE,
                                "--debug-port", str(port), "-e", event], env=command_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        printed = b""
        while b'"justMyCode"' not in printed:
            chunk = process.stderr.read1(65536)
            assert chunk, printed.decode("utf-8", "replace")
            printed += chunk
        entry, = launch_entries(printed.decode())
        assert entry["connect"] == {"host": "127.0.0.1", "port": port}
        mapping, = entry["pathMappings"]
        assert os.path.realpath(mapping["localRoot"]) == os.path.realpath(os.path.dirname(TEMPLATE)), entry
        assert mapping["remoteRoot"] == "/var/user", entry  # SCF's code folder, where the template's code is mounted
        stop_and_resume(entry, "beijing")
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err.decode("utf-8", "replace")
    assert json.loads(json.loads(out)["body"])["city"] == "beijing"


def test_start_api_gives_each_function_its_port_and_entry(tmp_path, docker_engine):
    port = free_port()
    api = StartedApi(TEMPLATE, ["--debug-port", str(port), "--debug-function", "weather"],
                     log_path=str(tmp_path / "api.log"))
    try:
        text = api.wait_for(r'"justMyCode"')
        entry, = launch_entries(text)
        assert entry["connect"]["port"] == port and entry["name"].startswith("Attach to weather")
        import threading
        answers = []
        caller = threading.Thread(target=lambda: answers.append(
            request(api.url + "/weather?city=shenzhen", timeout=300)))
        caller.start()
        stop_and_resume(entry, "shenzhen")
        caller.join(300)
        status, _, body = answers[0]
        assert status == 200 and json.loads(body)["city"] == "shenzhen", (status, body)
    finally:
        api.stop()


def test_a_debug_function_that_is_not_there_lists_the_names(tmp_path):
    done = subprocess.run([sys.executable, "-m", "fnlocal", "local", "start-api", "-t", TEMPLATE, "--port", "0",
                           "--debug-port", "5678", "--debug-function", "nope"], env=command_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 2
    assert b"--debug-function nope: no such function" in done.stderr and b"weather" in done.stderr
