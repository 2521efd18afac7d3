"""Contract section 3, HANDLER: `file.function`, `dir/file.function` and `pkg.module.function` resolve from the code
directory; without HANDLER, FUNCTION_HANDLER, then the provider's default (`index.main_handler` tencent,
`index.handler` aliyun and jdcloud). Malformed names and names that shadow the standard library are startup errors.
"""
import json
import os

import pytest

from oneshot_support import DEFAULT_HANDLER, PROVIDERS, assert_function_error, error_message, invoke, result_json


def test_file_function(bootstrap, function_dir):
    result = result_json(invoke(bootstrap, function_dir("counter"), "index.handler", {}))
    assert result["count"] == 1


def test_dir_file_function_puts_the_folder_first(bootstrap, function_dir):
    result = result_json(invoke(bootstrap, function_dir("nested_dir"), "src/app.handler", {}))
    assert result == {"module": "app", "helper": "found beside app.py"}


@pytest.mark.parametrize("handler, module", [("pkg.module.handler", "pkg.module"),
                                             ("pkg.sub.deeper.handler", "pkg.sub.deeper")])
def test_pkg_module_function(bootstrap, function_dir, handler, module):
    result = result_json(invoke(bootstrap, function_dir("pkg_handler"), handler, {}))
    assert result == {"module": module}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_provider_default_handler(bootstrap, tmp_path, provider):
    """No HANDLER and no FUNCTION_HANDLER: the provider's default name is used."""
    (tmp_path / "index.py").write_text(
        "def main_handler(event, context):\n    return 'main_handler'\n\n"
        "def handler(event, context):\n    return 'handler'\n")
    run = invoke(bootstrap, tmp_path, provider=provider)
    expected = DEFAULT_HANDLER[provider].split(".")[1]
    out = run.stdout.decode("utf-8")
    assert run.status == 0 and (json.loads(out) if provider == "tencent" else out) == expected, run


@pytest.mark.parametrize("variable", ["FUNCTION_HANDLER", "SCF_FUNCTION_HANDLER"])
def test_handler_from_environment_tencent(bootstrap, function_dir, variable):
    run = invoke(bootstrap, function_dir("pkg_handler"), env={variable: "pkg.module.handler"})
    assert result_json(run) == {"module": "pkg.module"}


@pytest.mark.parametrize("variable", ["FUNCTION_HANDLER", "FC_HANDLER"])
def test_handler_from_environment_aliyun(bootstrap, function_dir, variable):
    run = invoke(bootstrap, function_dir("pkg_handler"), provider="aliyun", env={variable: "pkg.module.handler"})
    assert result_json(run) == {"module": "pkg.module"}


def test_argument_beats_environment(bootstrap, function_dir):
    run = invoke(bootstrap, function_dir("pkg_handler"), "pkg.sub.deeper.handler", {},
                 env={"FUNCTION_HANDLER": "pkg.module.handler"})
    assert result_json(run) == {"module": "pkg.sub.deeper"}


def test_environment_beats_provider_default(bootstrap, tmp_path):
    (tmp_path / "index.py").write_text("def main_handler(event, context):\n    return 'default'\n\n"
                                       "def other(event, context):\n    return 'from FUNCTION_HANDLER'\n")
    run = invoke(bootstrap, tmp_path, env={"FUNCTION_HANDLER": "index.other"})
    assert result_json(run) == "from FUNCTION_HANDLER"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("name", ["index", "index.", ".handler", "in-dex.handler", "index..handler", "/index.handler"])
def test_malformed_handler_name(bootstrap, function_dir, provider, name):
    body = assert_function_error(invoke(bootstrap, function_dir("echo"), name, "{}", provider),
                                 provider, "MalformedHandlerName")
    message = error_message(body)
    assert "Invalid handler '%s'" % name in message or "Invalid handler '%s'" % name.split(".")[0] in message, message
    assert "FILE.FUNCTION" in message, message


def test_malformed_message_as_documented(bootstrap, function_dir):
    """ARCHITECTURE.md: `Invalid handler 'index': expected FILE.FUNCTION, for example index.main_handler` (a detail
    may be added)."""
    body = assert_function_error(invoke(bootstrap, function_dir("echo"), "index", "{}"), "tencent",
                                 "MalformedHandlerName")
    message = error_message(body)
    assert message.startswith("Invalid handler 'index'"), message
    assert "expected FILE.FUNCTION, for example index.main_handler" in message, message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_handler_shadowing_the_standard_library(bootstrap, function_dir, provider):
    event = "{}"
    body = assert_function_error(invoke(bootstrap, function_dir("shadows_stdlib"), "json.handler", event, provider),
                                 provider, "ShadowedModule")
    assert "json" in error_message(body), body


def test_handler_module_may_import_siblings(bootstrap, tmp_path):
    """The entry module's neighbours import as top-level modules (code dir on sys.path)."""
    (tmp_path / "util.py").write_text("VALUE = 'sibling'\n")
    (tmp_path / "index.py").write_text("import util\n\ndef main_handler(event, context):\n    return util.VALUE\n")
    assert result_json(invoke(bootstrap, tmp_path, "index.main_handler", {})) == "sibling"


def test_nested_dir_module_file_is_the_one_in_the_folder(bootstrap, function_dir):
    code = function_dir("nested_dir")
    (code / "app.py").write_text("def handler(event, context):\n    return {'module': 'top-level app.py'}\n")
    result = result_json(invoke(bootstrap, code, "src/app.handler", {}))
    assert result["module"] == "app" and result["helper"] == "found beside app.py", result
    assert os.path.exists(str(code / "app.py"))
