"""Live reload. The runtime's serve modes with `--watch` / FUNCTION_WATCH=1 (on the real 2.7, 3.6 and 3.7): an edit of
the code folder, or a rewritten zip package (`--zip`), is served by the next invocation from a fresh instance (a cold
start, a log line naming the file),
and without it the warm instance keeps its code. `start-api --watch` in the images: an edit of a handler is seen by
the next request within 2 s of the write on 2.7, 3.6 and 3.7, and a template change restarts what it changed."""
import json
import os
import sys
import time

import pytest

from projectkit import StartedApi, request, require_images

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve"))
import servekit  # noqa: E402
from fnruntime.client import invoke_http  # noqa: E402

HANDLER = "import os\nfrom lib import helper\n\ndef main_handler(event, context):\n    return {'version': %r, " \
          "'helper': helper.NAME, 'pid': os.getpid()}\n"


def code_folder(tmp_path, version="v1"):
    code = tmp_path / "code"
    (code / "lib").mkdir(parents=True)
    (code / "lib" / "__init__.py").write_text("")
    (code / "lib" / "helper.py").write_text("NAME = 'h1'\n")
    (code / "index.py").write_text(HANDLER % version)
    for folder, dirs, files in os.walk(str(tmp_path)):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return code


def invoke(served):
    result = invoke_http(served.address, b"{}", timeout=30)
    assert result.status == 200, result
    return json.loads(result.body), result.headers


def test_runtime_watch_serves_an_edit_from_a_fresh_instance(python, tmp_path):
    code = code_folder(tmp_path)
    served = servekit.start(python, "http", str(code), tmp_path, ["--watch"])
    try:
        assert "watching %s for changes" % code in served.stderr()
        first, headers = invoke(served)
        assert first["version"] == "v1" and "x-function-init-duration-ms" in headers
        warm, headers = invoke(served)
        assert warm["pid"] == first["pid"] and "x-function-init-duration-ms" not in headers
        (code / "index.py").write_text(HANDLER % "v2")  # same size, same second: mtime_ns and inode tell
        edited, headers = invoke(served)
        assert edited["version"] == "v2" and edited["pid"] != first["pid"]
        assert "x-function-init-duration-ms" in headers  # a cold start
        assert "fnruntime: index.py changed: this invocation starts a fresh instance" in served.stderr()
        (code / "lib" / "helper.py").write_text("NAME = 'h2'\n")
        assert invoke(served)[0]["helper"] == "h2"
        assert "lib/helper.py changed" in served.stderr()
        assert invoke(served)[0]["pid"] == invoke(served)[0]["pid"]  # warm again until the next change
    finally:
        served.close()


def test_runtime_watch_retires_every_instance(python, tmp_path):
    """With --instances 2 both warm instances serve the edit: the idle one ends at once, a busy one when it is done."""
    import concurrent.futures
    code = code_folder(tmp_path)
    (code / "index.py").write_text((HANDLER % "v1").replace("def main_handler(event, context):\n",
                                                            "def main_handler(event, context):\n"
                                                            "    import time; time.sleep(0.3)\n"))
    served = servekit.start(python, "http", str(code), tmp_path, ["--watch", "--instances", "2"])
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = [r[0] for r in pool.map(lambda _: invoke(served), range(2))]
        assert {r["version"] for r in first} == {"v1"} and len({r["pid"] for r in first}) == 2
        (code / "index.py").write_text((HANDLER % "v2").replace("def main_handler(event, context):\n",
                                                                "def main_handler(event, context):\n"
                                                                "    import time; time.sleep(0.3)\n"))
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            second = [r[0] for r in pool.map(lambda _: invoke(served), range(2))]
        assert {r["version"] for r in second} == {"v2"}
        assert not {r["pid"] for r in second} & {r["pid"] for r in first}
    finally:
        served.close()


def zip_folder(code, target):
    """`target` rewritten (a new file, then renamed over the old one, as zip tools and builds do) with `code`'s files."""
    import zipfile
    partial = str(target) + ".partial"
    with zipfile.ZipFile(partial, "w") as archive:
        for folder, dirs, files in os.walk(str(code)):
            for name in files:
                path = os.path.join(folder, name)
                archive.write(path, os.path.relpath(path, str(code)))
    os.chmod(partial, 0o644)
    os.replace(partial, str(target))


def test_runtime_watch_serves_a_rewritten_zip_from_a_fresh_instance(python, tmp_path):
    code = code_folder(tmp_path)
    package = tmp_path / "code.zip"
    zip_folder(code, package)
    empty = tmp_path / "empty"
    empty.mkdir()
    served = servekit.start(python, "http", str(empty), tmp_path, ["--watch", "--zip", str(package)])
    try:
        assert "watching %s for changes" % package in served.stderr()
        first, headers = invoke(served)
        assert first["version"] == "v1" and "x-function-init-duration-ms" in headers
        assert invoke(served)[0]["pid"] == first["pid"]
        (code / "index.py").write_text(HANDLER % "v2")
        (code / "lib" / "helper.py").write_text("NAME = 'h2'\n")
        zip_folder(code, package)
        edited, headers = invoke(served)
        assert (edited["version"], edited["helper"]) == ("v2", "h2") and edited["pid"] != first["pid"], edited
        assert "x-function-init-duration-ms" in headers  # a cold start
        assert "fnruntime: code.zip changed: this invocation starts a fresh instance" in served.stderr()
        warm, headers = invoke(served)
        assert warm["pid"] == edited["pid"] and "x-function-init-duration-ms" not in headers
        package.write_bytes(b"PK not a zip yet")  # written in place, half done: the warm instance keeps serving
        still, _ = invoke(served)
        assert (still["version"], still["pid"]) == ("v2", edited["pid"]), still
        assert "fnruntime: code.zip changed, but zip package" in served.stderr()
        (code / "index.py").write_text(HANDLER % "v3")
        zip_folder(code, package)
        assert invoke(served)[0]["version"] == "v3"
    finally:
        served.close()


def test_runtime_watch_from_the_environment_in_a_framed_mode(python, tmp_path):
    code = code_folder(tmp_path)
    served = servekit.start(python, "tcp", str(code), tmp_path, env={"FUNCTION_WATCH": "1"})
    try:
        with served.client() as client:
            assert client.invoke({}).result["version"] == "v1"
            (code / "index.py").write_text(HANDLER % "v3")
            response = client.invoke({})
            assert response.result["version"] == "v3" and response.init_duration_ms is not None
    finally:
        served.close()


def test_without_watch_the_warm_instance_keeps_its_code(python, tmp_path):
    code = code_folder(tmp_path)
    served = servekit.start(python, "http", str(code), tmp_path)
    try:
        assert invoke(served)[0]["version"] == "v1"
        (code / "index.py").write_text(HANDLER % "v2")
        assert invoke(served)[0]["version"] == "v1"
        assert "changed" not in served.stderr()
    finally:
        served.close()


def test_a_bad_function_watch_value_is_refused(python, tmp_path):
    import subprocess
    env = servekit.clean_environment({"FUNCTION_WATCH": "maybe"})
    process = subprocess.run([python.path, servekit.BOOTSTRAP, "--code", str(code_folder(tmp_path)), "--serve",
                              "http:127.0.0.1:0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=60)
    assert process.returncode == 2 and b"FUNCTION_WATCH must be 1 or 0" in process.stderr


# -- start-api --watch in the images ------------------------------------------------------------------------------------

PROJECTS = {
    "py27": ("runtime:py27-tencent", "serverless.yml",
             "service: w\nprovider:\n  name: tencent\n  runtime: Python2.7\n  environment:\n    variables:\n"
             "      COLOUR: red\nfunctions:\n  page:\n    handler: index.main_handler\n    events:\n      - apigw:\n"
             "          parameters: {httpMethod: GET, path: /page}\n", "COLOUR: red", "COLOUR: blue"),
    "py36": ("runtime:py36-tencent", "template.yaml",
             "Resources:\n  default:\n    Type: TencentCloud::Serverless::Namespace\n    page:\n"
             "      Type: TencentCloud::Serverless::Function\n      Properties:\n        CodeUri: ./\n"
             "        Handler: index.main_handler\n        Runtime: Python3.6\n        Environment:\n"
             "          Variables: {COLOUR: red}\n        Events:\n          api:\n            Type: APIGW\n",
             "{COLOUR: red}", "{COLOUR: blue}"),
    "py37": ("runtime:py37-jdcloud", "template.yaml",
             "Resources:\n  page:\n    Type: JDCloud::Serverless::Function\n    Properties:\n"
             "      Handler: index.main_handler\n      Runtime: python3.7\n      CodeUri: ./\n"
             "      Env: {COLOUR: red}\n      Events:\n        - Type: Api\n          Properties: {Path: /page, "
             "Method: GET}\n", "{COLOUR: red}", "{COLOUR: blue}"),
}
PAGE = "import os, sys\n\ndef main_handler(event, context):\n    return {'statusCode': 200, 'headers': {}, " \
       "'body': '%s %%s %%d.%%d' %% (os.environ['COLOUR'], sys.version_info[0], sys.version_info[1])}\n"


@pytest.mark.docker
@pytest.mark.parametrize("version", sorted(PROJECTS))
def test_start_api_watch_sees_an_edit_and_a_template_change(version, tmp_path, docker_engine):
    image, name, template, before, after = PROJECTS[version]
    require_images(docker_engine, image)
    (tmp_path / name).write_text(template)
    (tmp_path / "index.py").write_text(PAGE % "one")
    os.chmod(str(tmp_path), 0o755)
    os.chmod(str(tmp_path / "index.py"), 0o644)
    api = StartedApi(tmp_path / name, ["--watch"], log_path=str(tmp_path.parent / ("%s.log" % version)))
    try:
        path = "/page"  # scfcli's APIGW trigger answers at /<function name>
        status, _, body = api.get(path)
        assert status == 200 and body.decode() == "one red %s.%s" % (version[2], version[3]), (body, api.stderr())
        assert "watching /" in api.stderr(), "the image's runtime has no --watch: rebuild it (make build)"
        (tmp_path / "index.py").write_text(PAGE % "two")
        written = time.monotonic()
        status, _, body = api.get(path)
        assert body.decode().startswith("two red") and time.monotonic() - written < 2.0, body
        assert "index.py changed: this invocation starts a fresh instance" in api.stderr()
        offset = len(api.stderr())
        (tmp_path / name).write_text(template.replace(before, after))
        api.wait_for(r"page changed in the template: a fresh container serves it", timeout=120, after=offset)
        assert api.get(path)[2].decode().startswith("two blue")
    finally:
        assert api.stop() == 0


@pytest.mark.docker
def test_start_api_watch_serves_a_rewritten_zip_code_uri(tmp_path, docker_engine):
    """A zip CodeUri, rewritten (a new file renamed over it): the next request runs it, from a fresh instance."""
    image, name, template, _, _ = PROJECTS["py36"]
    require_images(docker_engine, image)
    project = tmp_path / "project"
    source = project / "src"
    source.mkdir(parents=True)
    (project / name).write_text(template.replace("CodeUri: ./", "CodeUri: ./code.zip"))
    (source / "index.py").write_text(PAGE % "one")
    for folder in (tmp_path, project, source):
        os.chmod(str(folder), 0o755)
    os.chmod(str(source / "index.py"), 0o644)
    zip_folder(source, project / "code.zip")
    api = StartedApi(project / name, ["--watch"], log_path=str(tmp_path / "zip.log"))
    try:
        status, _, body = api.get("/page")
        assert status == 200 and body.decode() == "one red 3.6", (body, api.stderr())
        assert "watching /opt/fnlocal/package/code.zip for changes" in api.stderr(), api.stderr()
        (source / "index.py").write_text(PAGE % "two")
        zip_folder(source, project / "code.zip")
        status, _, body = api.get("/page")
        assert body.decode() == "two red 3.6", (body, api.stderr())
        assert "code.zip changed: this invocation starts a fresh instance" in api.stderr()
    finally:
        assert api.stop() == 0
