"""Every template format of PROJECTS.md read into functions (no Docker): each example project gives its functions
with the provider, strict image, handler, code folder, timeout, memory, initializer, environment and triggers its
template says, and its HTTP routes; and every bad template gets a message that says what to do."""
import os
import textwrap

import pytest

from fnlocal.model import ProjectError
from fnlocal.templates import load_project
from projectkit import EXAMPLES, fnruntime


def summary(project):
    return {f.name: (f.provider, f.image, f.handler, os.path.relpath(f.code, EXAMPLES), f.timeout, f.memory,
                     f.initializer, f.env, [(t.kind, t.methods, t.path, t.stage) for t in f.triggers])
            for f in project.functions}


def routes(project):
    return sorted((",".join(r.methods), r.path, r.function.name, r.kind, r.stage) for r in project.routes())


def test_fun_template():
    project = load_project(os.path.join(EXAMPLES, "fun"))
    assert project.format == "fun"
    assert summary(project) == {
        "api": ("aliyun", "runtime:py36-aliyun", "index.handler", "fun/api", 10, 256, None,
                {"SHOP_NAME": "Local shop"}, [("http", ["GET"], None, None)]),
        "feedback": ("aliyun", "runtime:py36-aliyun", "index.handler", "fun/feedback", 3, 128, None, {},
                     [("http", ["GET", "POST"], None, None)]),
        "thumbnail": ("aliyun", "runtime:py36-aliyun", "index.handler", "fun/thumbnail", 3, 128, "index.initializer",
                      {}, [("oss", [], None, None)]),
    }
    assert project.function("thumbnail").initializer_timeout == 5
    assert [f.function_type for f in project.functions] == ["http", "http", None]
    assert project.function("shop/api").name == "api"
    # two HTTP functions: each at FC's proxy path only
    assert routes(project) == [("GET", "/2016-08-15/proxy/shop/api/{fc_path+}", "api", "http", None),
                               ("GET,POST", "/2016-08-15/proxy/shop/feedback/{fc_path+}", "feedback", "http", None)]


def test_serverless_devs_fc_component():
    project = load_project(os.path.join(EXAMPLES, "devs-fc", "s.yaml"))
    assert project.format == "s.yaml (fc)"
    assert summary(project) == {
        "hello": ("aliyun", "runtime:py27-aliyun", "index.hello", "devs-fc/src", 5, 128, None, {"GREETING": "Hello"},
                  [("http", ["GET", "POST"], None, None)]),
        "nightly": ("aliyun", "runtime:py27-aliyun", "index.nightly", "devs-fc/src", 3, 128, None, {},
                    [("timer", [], None, None)]),
    }
    assert project.function("hello").service == "greeter"  # ${vars.service.name}
    # the project's only HTTP function answers at / too
    assert routes(project) == [("GET,POST", "/2016-08-15/proxy/greeter/hello/{fc_path+}", "hello", "http", None),
                               ("GET,POST", "/{fc_path+}", "hello", "http", None)]


def test_serverless_devs_fc3():
    project = load_project(os.path.join(EXAMPLES, "devs-fc3", "s.yaml"))
    assert project.format == "s.yaml (fc3)"
    assert summary(project) == {
        "orders": ("aliyun", "runtime:py36-aliyun", "index.orders", "devs-fc3/code", 10, 512, None,
                   {"CURRENCY": "CNY"}, [("http", ["GET", "POST"], None, None)]),
        "audit": ("aliyun", "runtime:py36-aliyun", "index.audit", "devs-fc3/code", 3, 128, "index.warm_up", {},
                  [("log", [], None, None)]),
    }
    assert project.function("audit").initializer_timeout == 3


def test_tencent_scf_components_folder():
    project = load_project(os.path.join(EXAMPLES, "tencent-scf"))
    assert project.format == "serverless.yml (scf components)"
    assert summary(project) == {
        "books-api-dev-bookshop": ("tencent", "runtime:py36-tencent", "index.main_handler", "tencent-scf/api/src", 5,
                                   128, None, {"SHELF": "fiction"}, [("apigw", ["GET"], "/books", "release"),
                                                                     ("apigw", ["GET"], "/books/{id}", "release")]),
        "feedback-dev-bookshop": ("tencent", "runtime:py36-tencent", "index.main_handler",
                                  "tencent-scf/feedback/src", 3, 128, None, {},
                                  [("apigw", ["POST"], "/feedback", "release")]),
        "covers-dev-bookshop": ("tencent", "runtime:py36-tencent", "index.main_handler", "tencent-scf/uploads/src",
                                10, 128, None, {}, [("cos", [], None, None)]),
    }
    # ${name}-${stage}-${app} expanded; the instance's name and its folder's name work too
    assert project.function("books-api").name == project.function("api").name == "books-api-dev-bookshop"
    assert len(project.sources) == 3
    single = load_project(os.path.join(EXAMPLES, "tencent-scf", "uploads", "serverless.yml"))
    assert single.format == "serverless.yml (scf component)" and single.function().name == "covers-dev-bookshop"


def test_tencent_plugin_layout():
    project = load_project(os.path.join(EXAMPLES, "tencent-plugin"))
    assert project.format == "serverless.yml (tencent plugin)"
    env = {"BOOK_TITLE": "Guestbook"}
    assert summary(project) == {
        "entries": ("tencent", "runtime:py27-tencent", "index.entries", "tencent-plugin", 5, 128, None, env,
                    [("apigw", ["ANY"], "/entries", "release")]),
        "sign": ("tencent", "runtime:py27-tencent", "index.sign", "tencent-plugin", 5, 128, None, env,
                 [("apigw", ["POST"], "/entries/{author}", "release")]),
        "cleanup": ("tencent", "runtime:py27-tencent", "index.cleanup", "tencent-plugin", 30, 128, None, env,
                    [("timer", [], None, None)]),
    }


def test_scfcli_tcsam_template():
    project = load_project(os.path.join(EXAMPLES, "scfcli", "template.yaml"))
    assert project.format == "template.yaml (scfcli)"
    assert summary(project) == {
        "weather": ("tencent", "runtime:py36-tencent", "index.weather", "scfcli", 6, 128, None, {"UNITS": "metric"},
                    [("apigw", ["ANY"], "/weather", "release")]),
        "alerts": ("tencent", "runtime:py36-tencent", "index.alerts", "scfcli", 6, 128, None, {},
                   [("cmq", [], None, None)]),
        # `Type: timer` and `Cron:` as TCSAM's examples spell them; Runtime from Globals.Function
        "refresh": ("tencent", "runtime:py36-tencent", "index.refresh", "scfcli", 6, 128, None, {},
                    [("timer", [], None, None)]),
    }


def test_jd_sca_template():
    project = load_project(os.path.join(EXAMPLES, "jd-sca"))
    assert project.format == "template.yaml (sca)"
    assert summary(project) == {
        "catalogue": ("jdcloud", "runtime:py37-jdcloud", "index.handler", "jd-sca/api", 10, 128, None,
                      {"CATALOGUE": "spring"}, [("api", ["GET"], "/catalogue/{item}", "test")]),
        "web": ("jdcloud", "runtime:py37-jdcloud", "index.handler", "jd-sca/web", 3, 128, None, {},
                [("api", ["GET"], "/", "test"), ("api", ["POST"], "/greet", "test")]),
        "archive": ("jdcloud", "runtime:py37-jdcloud", "index.handler", "jd-sca/api", 3, 128, None, {},
                    [("oss", [], None, None)]),
    }


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    (tmp_path / "index.py").write_text("def handler(event, context):\n    return event\n")
    return str(path)


FUN = """\
    ROSTemplateFormatVersion: '2015-09-01'
    Transform: 'Aliyun::Serverless-2018-04-03'
    Resources:
      svc:
        Type: 'Aliyun::Serverless::Service'
        fn:
          Type: 'Aliyun::Serverless::Function'
          Properties:
            Handler: index.handler
            Runtime: %s
            CodeUri: %s
    """


def error_of(path, name=None):
    with pytest.raises(ProjectError) as caught:
        load_project(path).function(name)
    return str(caught.value)


def test_a_template_that_does_not_parse_names_file_and_line(tmp_path):
    path = write(tmp_path, "template.yml", FUN % ("python3", "./") + "            Timeout: 3: 4\n")
    message = error_of(path)
    assert path + ", line 12, column " in message and "does not parse as YAML" in message, message
    assert "mapping values are not allowed here" in message, message
    path = write(tmp_path, "template.yml", FUN % ("python3", "./") + "        Timeout: [3\n")
    message = error_of(path)
    assert "line 13" in message and "(in what starts on line 12)" in message and "expected ',' or ']'" in message


def test_an_unknown_function_lists_the_names():
    message = error_of(os.path.join(EXAMPLES, "scfcli"), "nope")
    assert "no function 'nope'" in message and "weather, alerts, refresh" in message, message


def test_a_runtime_without_an_image_lists_the_supported_ones(tmp_path):
    message = error_of(write(tmp_path, "template.yml", FUN % ("python3.10", "./")))
    assert "runtime 'python3.10' has no image" in message and "python2.7, python3" in message, message
    assert "line 6" in message, message  # the function's line


def test_code_in_cloud_storage_is_refused_with_what_to_do(tmp_path):
    message = error_of(write(tmp_path, "template.yml", FUN % ("python3", "oss://my-bucket/code.zip")))
    assert "oss://my-bucket/code.zip" in message and "not supported locally" in message and "download" in message
    assert "line 11" in message, message


def test_a_missing_code_folder_is_named(tmp_path):
    message = error_of(write(tmp_path, "template.yml", FUN % ("python3", "./nowhere")))
    assert "no such folder or zip file" in message and "nowhere" in message, message


def test_a_zip_code_uri_is_a_zip_package(tmp_path):
    (tmp_path / "code.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    function = load_project(write(tmp_path, "template.yml", FUN % ("python3", "./code.zip"))).function()
    assert function.zip and function.code == str(tmp_path / "code.zip")


def test_tencent_python37_runs_in_the_37_image_with_a_note(tmp_path):
    path = write(tmp_path, "serverless.yml", """\
        component: scf
        name: hello
        inputs:
          src: ./
          runtime: Python3.7
        """)
    function = load_project(path).function()
    assert function.image == "runtime:py37" and function.provider == "tencent"
    assert "Python3.7 has no image of its own" in function.notes[0]


def test_no_template_and_several_templates(tmp_path):
    result = fnruntime("local", "invoke", cwd=str(tmp_path))
    assert result.returncode == 2 and b"no template in" in result.stderr and b"pass -t" in result.stderr
    write(tmp_path, "template.yml", FUN % ("python3", "./"))
    write(tmp_path, "s.yaml", "edition: 3.0.0\nresources: {}\n")
    result = fnruntime("local", "invoke", cwd=str(tmp_path))
    assert result.returncode == 2 and b"several templates" in result.stderr and b"-t" in result.stderr


def test_variables_come_from_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path, "s.yaml", """\
        edition: 3.0.0
        resources:
          fn:
            component: fc3
            props:
              functionName: ${env.FN_NAME}
              handler: index.handler
              runtime: python3
              code: ./
        """)
    monkeypatch.setenv("FN_NAME", "from-env")
    assert load_project(path).function().name == "from-env"
