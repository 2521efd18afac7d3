"""`fnruntime local invoke` of every event-driven function of every example, with a generated event of its trigger's
kind, in its cloud's strict image: the result alone on stdout, the provider's framed log on stderr, exit 0; and what
the template says (environment, timeout, initializer) reaches the function, with `--env` and the shell's FUNCTION_*
on top. (The FC HTTP-trigger functions are served, not invoked: test_projects_start_api.py.)"""
import json
import os

import pytest

from projectkit import EXAMPLES, fnruntime, require_images

pytestmark = pytest.mark.docker

#: (example, function, generate-event arguments, check of the decoded result)
CASES = [
    ("fun", "thumbnail", ["aliyun", "oss-put", "--bucket", "shop-uploads", "--key", "images/cat.png"],
     lambda r: r == {"thumbnails": ["shop-uploads/thumbs/64/images/cat.png", "shop-uploads/thumbs/256/images/cat.png"]}),
    ("devs-fc", "nightly", ["aliyun", "timer", "--name", "timer", "--payload", "nightly report"],
     lambda r: r["ran"] == "timer" and r["payload"] == "nightly report"),
    ("devs-fc3", "audit", ["aliyun", "sls", "--project", "orders-logs", "--logstore", "audit"],
     lambda r: r["warm"] is True and (r["project"], r["logstore"]) == ("orders-logs", "audit")),
    ("tencent-scf", "books-api", ["tencent", "apigateway", "--method", "GET", "--path", "/books/1", "--route",
                                  "/books/{id}"],
     lambda r: r["statusCode"] == 200 and json.loads(r["body"])["title"] == "The Master and Margarita"),
    ("tencent-scf", "feedback", ["tencent", "apigateway", "--method", "POST", "--path", "/feedback", "--body",
                                 "name=Lu&message=more+poetry"],
     lambda r: r["body"] == "<p>Thanks, Lu! You said: more poetry</p>"),
    ("tencent-scf", "uploads", ["tencent", "cos-put", "--bucket", "covers", "--key", "covers/x.jpg"],
     lambda r: r["processed"][0]["key"] == "/1250000000/covers/covers/x.jpg"),
    ("tencent-plugin", "entries", ["tencent", "apigateway", "--method", "GET", "--path", "/entries", "--query",
                                   "page=2"],
     lambda r: json.loads(r["body"]) == {"title": "Guestbook", "method": "GET", "query": {"page": "2"}}),
    ("tencent-plugin", "sign", ["tencent", "apigateway", "--method", "POST", "--path", "/entries/ann", "--route",
                                "/entries/{author}", "--body", "hi"],
     lambda r: r["statusCode"] == 201 and json.loads(r["body"])["signed"] == "ann"),
    ("tencent-plugin", "cleanup", ["tencent", "timer", "--name", "hourly", "--message", "purge"],
     lambda r: r == {"trigger": "hourly", "type": "Timer", "message": "purge"}),
    ("scfcli", "weather", ["tencent", "apigateway", "--method", "GET", "--path", "/weather", "--query", "city=beijing"],
     lambda r: json.loads(r["body"]) == {"city": "beijing", "temperature": 12, "units": "metric"}),
    ("scfcli", "alerts", ["tencent", "cmq", "--message", "typhoon"], lambda r: r == ["typhoon"]),
    ("scfcli", "refresh", ["tencent", "timer", "--name", "every_ten_minutes"],
     lambda r: r["trigger"] == "every_ten_minutes"),
    ("jd-sca", "catalogue", ["jdcloud", "apigateway", "--path", "/catalogue/tulip", "--route", "/catalogue/{item}"],
     lambda r: json.loads(r["body"])["price"] == 3),
    ("jd-sca", "archive", ["jdcloud", "oss-put", "--key", "img/1.png"], lambda r: r == {"archived": ["img/1.png"]}),
]


@pytest.mark.parametrize("example,function,event_args,check", CASES, ids=["%s-%s" % c[:2] for c in CASES])
def test_local_invoke_of_every_function_with_its_trigger_event(example, function, event_args, check, docker_engine):
    from fnlocal.templates import load_project
    require_images(docker_engine, load_project(os.path.join(EXAMPLES, example)).function(function).image)
    event = fnruntime("generate-event", *event_args)
    assert event.returncode == 0, event.stderr
    result = fnruntime("local", "invoke", function, input=event.stdout, cwd=os.path.join(EXAMPLES, example))
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    assert check(json.loads(result.stdout)), result.stdout  # FC prints a returned str as it is: JSON text
    log = result.stderr.decode()
    if example.startswith(("fun", "devs")):
        assert "FC Invoke Start RequestId:" in log and "FC Invoke End RequestId:" in log, log
    elif example.startswith("jd"):  # JD's own log lines (sca doc/usage/invoke.md)
        assert "  Start Invoke" in log and "  Report Invoke " in log, log
    else:
        assert "START RequestId:" in log and "Report RequestId:" in log, log
    assert result.stdout.strip() and b"RequestId" not in result.stdout  # the result alone


def test_template_settings_reach_the_function_and_env_wins(tmp_path, docker_engine):
    require_images(docker_engine, "runtime:py36-tencent")
    (tmp_path / "index.py").write_text(
        "import os\n"
        "def main_handler(event, context):\n"
        "    return {k: os.environ.get(k) for k in ('A', 'B', 'C')}\n"
        "def slow(event, context):\n"
        "    import time; time.sleep(5)\n")
    (tmp_path / "serverless.yml").write_text(
        "component: scf\nname: envs\ninputs:\n  src: ./\n  runtime: Python3.6\n  timeout: 1\n"
        "  environment:\n    variables:\n      A: template\n      B: template\n      C: template\n")
    os.chmod(str(tmp_path), 0o755)
    os.chmod(str(tmp_path / "index.py"), 0o644)
    result = fnruntime("local", "invoke", "-t", tmp_path / "serverless.yml", "--env", "B=option", "-e", "{}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"A": "template", "B": "option", "C": "template"}
    # the template's timeout (1 s) holds; the shell's FUNCTION_HANDLER picks another handler
    result = fnruntime("local", "invoke", "-t", tmp_path / "serverless.yml", "-e", "{}",
                       env={"FUNCTION_HANDLER": "index.slow"})
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["errorMessage"] == "Invoking task timed out after 1 seconds"
    # and the shell's FUNCTION_TIMEOUT wins over the template's
    result = fnruntime("local", "invoke", "-t", tmp_path / "serverless.yml", "-e", "{}",
                       env={"FUNCTION_HANDLER": "index.slow", "FUNCTION_TIMEOUT": "2"})
    assert json.loads(result.stdout)["errorMessage"] == "Invoking task timed out after 2 seconds"


def test_a_zip_code_uri_runs_through_the_runtimes_zip(tmp_path, docker_engine):
    import zipfile
    require_images(docker_engine, "runtime:py37-jdcloud")
    with zipfile.ZipFile(str(tmp_path / "code.zip"), "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {'zipped': event['n']}\n")
    os.chmod(str(tmp_path / "code.zip"), 0o644)
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  z:\n    Type: JDCloud::Serverless::Function\n"
        "    Properties: {Handler: index.handler, Runtime: python3.7, CodeUri: ./code.zip}\n")
    result = fnruntime("local", "invoke", "-t", tmp_path / "template.yaml", "-e", '{"n": 5}')
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"zipped": 5}


def test_a_function_error_exits_1_with_the_error_body(docker_engine):
    require_images(docker_engine, "runtime:py36-tencent")
    result = fnruntime("local", "invoke", "alerts", "-e", '{"not": "cmq"}', cwd=os.path.join(EXAMPLES, "scfcli"))
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["errorMessage"] == "user code exception caught" and "KeyError" in body["stackTrace"]


def test_an_image_not_built_says_how_to_build_it(docker_engine):
    result = fnruntime("local", "invoke", "weather", "--image", "runtime:py35-aliyun", "-e", "{}",
                       cwd=os.path.join(EXAMPLES, "scfcli"))
    assert result.returncode == 2
    assert b"image runtime:py35-aliyun is not built: run `make build PY=35 PROVIDER=aliyun`" in result.stderr
