"""Issue 18 items 4, 5, 7 and 12 on the host interpreters: results json cannot encode (per provider), layers on
sys.path in each cloud's order, FC's environment as its runtime leaves it, fc-docker's command-line spellings,
str(context), and the initializer's own request id."""
import base64
import glob
import json
import os
import shutil

import pytest

from oneshot_support import PROVIDERS, assert_function_error, describe, frame_lines, invoke, result_json

FUNCTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions")


# -- item 4: Decimal, datetime, to_json() ------------------------------------------------------------------------------

def test_decimal_result(bootstrap):
    """FC's runtime: float(Decimal) (a JSON number), nested too. Tencent (scfcli converts only a Decimal that is the
    whole result) and jdcloud (sca answers str(value)): tests/bootstrap/test_bootstrap_provider_facts.py."""
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "returns_decimal"), "index.decimal_result", "{}", "aliyun")
    assert result_json(run) == {"price": 1.5}, describe(run)


def test_tencent_nested_decimal_is_not_serialisable(bootstrap):
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "returns_decimal"), "index.decimal_result", "{}", "tencent")
    assert_function_error(run, "tencent", "ResultNotSerializable")


def test_aliyun_datetime_and_to_json(bootstrap, python):
    """FC's 3.x runtime (fc_rapis_util.default_serializer): date and datetime as ISO 8601, to_json()'s value; its 2.7
    runtime serialises Decimal only."""
    code = os.path.join(FUNCTIONS, "returns_decimal")
    dated = invoke(bootstrap, code, "index.datetime_result", "", "aliyun")
    custom = invoke(bootstrap, code, "index.to_json_result", "", "aliyun")
    if python.major == 2:
        assert_function_error(dated, "aliyun", "ResultNotSerializable")
        assert_function_error(custom, "aliyun", "ResultNotSerializable")
    else:
        assert result_json(dated) == {"at": "2020-01-02T03:04:05", "on": "2020-01-02"}, describe(dated)
        assert result_json(custom) == [{"amount": 3}], describe(custom)
        assert dated.stdout.decode().startswith('{\n    "at"'), "indent=4, sorted keys: " + describe(dated)


def test_datetime_elsewhere_is_not_serialisable(bootstrap):
    """tencent: json.dumps fails (scfcli); jdcloud answers str(value) instead (sca; test_bootstrap_provider_facts)."""
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "returns_decimal"), "index.datetime_result", "{}", "tencent")
    assert_function_error(run, "tencent", "ResultNotSerializable")


# -- item 5: layers ------------------------------------------------------------------------------------------------------

def test_fc_layer_order(bootstrap, python):
    """FC: code folder, then the layer's python/lib/pythonX.Y/site-packages, then its python/, then the built-ins."""
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "layered"), "index.handler", "", "aliyun",
                 options=["--layer", os.path.join(FUNCTIONS, "layer_fc")])
    found = result_json(run)
    assert found["layerpkg"] == "fc layer python/", found
    assert found["shadowed"] == "code folder", found
    assert found["pip"] == "fc layer python/", found
    assert found["sitepkg"] == "fc layer site-packages", found
    layer = os.path.join(FUNCTIONS, "layer_fc")
    assert found["sys_path"][:3] == [os.path.join(FUNCTIONS, "layered"),
                                     layer + "/python/lib/python%s/site-packages" % python.version,
                                     layer + "/python"], found["sys_path"]


@pytest.mark.parametrize("provider", ["tencent", "jdcloud"])
def test_scf_layer_order_from_the_environment(bootstrap, provider, tmp_path):
    """SCF: PYTHONPATH=/var/user:/opt: the layer's root after the code folder; FUNCTION_LAYERS is colon-separated,
    first given first."""
    empty = tmp_path / "empty-layer"
    empty.mkdir()
    layer = os.path.join(FUNCTIONS, "layer_scf")
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "layered"), "index.handler", "{}", provider,
                 env={"FUNCTION_LAYERS": "%s:%s" % (empty, layer)})
    found = result_json(run)
    assert (found["layerpkg"], found["shadowed"], found["pip"]) == ("scf layer root", "code folder",
                                                                    "scf layer root"), found
    assert found["sys_path"][:3] == [os.path.join(FUNCTIONS, "layered"), str(empty), layer], found["sys_path"]


def test_missing_layer_is_a_usage_error(bootstrap, tmp_path):
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "layered"), "index.handler", "{}", "tencent",
                 options=["--layer", str(tmp_path / "nope")])
    assert run.status == 2 and "layer folder" in run.stderr and "nope" in run.stderr, describe(run)


def test_without_a_layer_the_import_fails(bootstrap):
    run = invoke(bootstrap, os.path.join(FUNCTIONS, "layered"), "index.handler", "{}", "tencent")
    assert_function_error(run, "tencent", "UnhandledError")
    assert "layerpkg" in run.stderr, describe(run)


# -- item 7: FC's environment --------------------------------------------------------------------------------------------

@pytest.fixture
def fc_code(tmp_path):
    """fc_environment with a shared library in lib/ (a copy of the system's zlib under a name of its own)."""
    code = tmp_path / "code"
    shutil.copytree(os.path.join(FUNCTIONS, "fc_environment"), str(code))
    zlib = sorted(glob.glob("/lib/x86_64-linux-gnu/libz.so.1*") + glob.glob("/usr/lib/x86_64-linux-gnu/libz.so.1*"))
    if not zlib:
        pytest.skip("no libz.so.1 on this machine to copy into lib/")
    (code / "lib").mkdir()
    shutil.copy(zlib[0], str(code / "lib" / "libfnzlib.so"))
    return code


FC_INPUTS = {"FC_ACCESS_KEY_ID": "AKID", "FC_ACCESS_KEY_SECRET": "SECRET", "FC_HANDLER": "index.handler",
             "FC_TIMEOUT": "5", "FC_MEMORY_SIZE": "256", "FC_INITIALIZER": "index.initializer",
             "FC_SERVICE_LOG_PROJECT": "my-project", "FC_SERVICE_LOG_STORE": "my-store", "_FC_LOG_FD": "9",
             "FC_SERVER_PORT": "9000", "FC_REGION": "cn-shanghai"}


def test_fc_environment_seen_from_the_handler(bootstrap, python, fc_code):
    run = invoke(bootstrap, fc_code, None, None, "aliyun", env=FC_INPUTS)
    seen = result_json(run)
    fc = seen["fc"]
    for deleted in ("FC_ACCESS_KEY_ID", "FC_ACCESS_KEY_SECRET", "FC_HANDLER", "FC_TIMEOUT", "FC_MEMORY_SIZE",
                    "FC_INITIALIZER", "FC_SERVICE_LOG_PROJECT", "FC_SERVICE_LOG_STORE", "_FC_LOG_FD",
                    "FC_SERVER_PORT"):
        assert deleted not in fc, "FC's runtime deletes %s before user code runs: %r" % (deleted, sorted(fc))
    assert fc["FC_REGION"] == "cn-shanghai" and fc["FC_FUNCTION_MEMORY_SIZE"] == "256", fc
    assert fc["FC_FUNCTION_HANDLER"] == "index.handler", fc
    assert fc["FC_RUNTIME_VERSION"] == ("python2.7" if python.major == 2 else "python3"), fc
    assert fc["FC_INSTANCE_ID"].startswith("c-"), fc
    assert (seen["log_project"], seen["log_store"], seen["credentials"]) == ("my-project", "my-store", "AKID"), seen
    code = str(fc_code)
    assert seen["LD_LIBRARY_PATH"] == "%s:%s/lib:/usr/local/lib" % (code, code), seen
    assert seen["loaded"] == "libfnzlib.so", seen
    assert seen["PYTHONUSERBASE"] == code + "/.fun/python", seen
    site = "%s/.fun/python/lib/python%s/site-packages" % (code, python.version)
    assert seen["funpkg"].startswith(site + "/funpkg/"), seen
    assert seen["sys_path"].index(site) > seen["sys_path"].index(code), seen["sys_path"]
    # item 12: the initializer has a request id of its own; str(context) names FC's module, not ours
    assert seen["init_request_id"] and seen["init_request_id"] != seen["request_id"], seen
    assert "fnruntime" not in seen["context"] and "fc_rapis_context.FCContext" in seen["context"], seen
    frames = frame_lines(run.stderr, "aliyun")
    assert frames["init_start"][0][1].group("id") == seen["init_request_id"], describe(run)
    assert frames["start"][0][1].group("id") == seen["request_id"], describe(run)


def test_user_library_path_is_left_alone(bootstrap, fc_code):
    """A LD_LIBRARY_PATH the user sets is theirs: no restart, and then libfnzlib.so is not found by name."""
    run = invoke(bootstrap, fc_code, "index.handler", "", "aliyun", env={"LD_LIBRARY_PATH": "/nonexistent"})
    assert_function_error(run, "aliyun", "UnhandledError", type_in_body="OSError")


# -- item 12: fc-docker's command line -------------------------------------------------------------------------------

def test_fc_docker_spellings(bootstrap, function_dir, tmp_path):
    code = function_dir("initializer")
    run = invoke(bootstrap, code, None, None, "aliyun",
                 options=["--handler", "index.handler", "--initializer", "index.initialize",
                          "--initializationTimeout", "2", "--event", "ignored"],
                 env={"INIT_LOG": str(tmp_path / "log")})
    assert result_json(run)["init_calls"] == 1, describe(run)
    piped = invoke(bootstrap, function_dir("echo"), None, None, "aliyun",
                   options=["--handler", "index.handler", "--stdin"], stdin=b'{"from": "stdin"}')
    assert base64.b64decode(result_json(piped)["event_b64"]) == b'{"from": "stdin"}', describe(piped)
    where = invoke(bootstrap, function_dir("echo"), None, None, "tencent", options=["--handler", "index.where"])
    assert set(result_json(where)) == {"file", "sys_path", "cwd"}, "--handler names the function; " + describe(where)
    evented = invoke(bootstrap, function_dir("echo"), None, None, "tencent",
                     options=["--event", '{"k": "from --event"}', "--handler", "index.main_handler"])
    assert "from --event" in evented.stdout.decode(), "--event is the event; " + describe(evented)


def test_handler_given_twice_is_a_usage_error(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("echo"), None, None, "aliyun",
                 options=["--handler", "index.handler", "--event", "{}", "index.handler", "{}"])
    assert run.status == 2, describe(run)


def test_library_path_restart_under_python_m(python, fc_code):
    """`python -m fnruntime` restarts itself as `python -m fnruntime` (its __main__.py is no script of its own)."""
    import subprocess
    bootstrap_dir = os.path.join(os.path.dirname(FUNCTIONS), os.pardir, "bootstrap")
    done = subprocess.run([python.path, "-m", "fnruntime", "--provider", "aliyun", "--code", str(fc_code),
                           "index.handler"], cwd=bootstrap_dir, env={"PATH": os.defpath, "LANG": "C.UTF-8"},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout.decode())["loaded"] == "libfnzlib.so", done.stdout
