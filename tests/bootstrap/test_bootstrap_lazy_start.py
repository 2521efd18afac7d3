"""The cold start's shortcuts change nothing a function can see (contract section 4, Logs; one-shot exit status).

The worker installs the provider's root-logger handler when user code first imports `logging` (not before), the
one-shot supervisor ends without the interpreter's teardown when nothing is left for it, and the runtime imports
neither `signal`'s enums, `ctypes` nor `importlib` for itself. Each test runs the real bootstrap on 2.7, 3.6 and 3.7
with handlers written for the purpose (created in the test's own code directory).
"""
import json
import os
import signal
import subprocess
import textwrap
import time

import pytest

from oneshot_support import ALIYUN_LOG_RECORD, describe, invoke, user_output

BOOTSTRAP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bootstrap",
                         "bootstrap.py")


def write_function(directory, source, name="index.py"):
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(textwrap.dedent(source))
    return directory


LOGS_ON_FIRST_USE = """
    def handler(event, context):
        import logging  # first imported here, during the invocation
        logging.getLogger().info("info-at-invoke")
        logging.getLogger("app").warning("warning-at-invoke")
        return "ok"
    main_handler = handler
"""


def test_logging_first_imported_in_the_handler_has_the_aliyun_format(bootstrap, tmp_path):
    run = invoke(bootstrap, write_function(tmp_path / "code", LOGS_ON_FIRST_USE), "index.handler", "", "aliyun")
    assert run.stdout == b"ok", describe(run)
    records = [ALIYUN_LOG_RECORD.match(line) for line in user_output(run, "aliyun")]
    assert [(r.group("level"), r.group("message")) for r in records if r] == [
        ("INFO", "info-at-invoke"), ("WARNING", "warning-at-invoke")], \
        "aliyun's root logger (INFO, time, request id, level) is in place at the first `import logging`; " + describe(run)


@pytest.mark.parametrize("provider", ("tencent", "jdcloud"))
def test_logging_first_imported_in_the_handler_has_the_providers_root_logger(bootstrap, tmp_path, provider):
    """tencent: message only at DEBUG (scfcli); jdcloud: time and level at WARNING (JD's docs, Python's level)."""
    run = invoke(bootstrap, write_function(tmp_path / "code", LOGS_ON_FIRST_USE), "index.handler", {}, provider)
    assert run.stdout == (b'"ok"' if provider == "tencent" else b"ok"), describe(run)
    output = user_output(run, provider)
    if provider == "tencent":
        assert "info-at-invoke" in output and "warning-at-invoke" in output, describe(run)
    else:
        assert any(line.endswith("+08:00 [WARNING] warning-at-invoke") for line in output), describe(run)
        assert not any("info-at-invoke" in line for line in output), describe(run)


def test_import_of_a_logging_submodule_first_installs_the_handler(bootstrap, tmp_path):
    code = write_function(tmp_path / "code", """
        import logging.handlers  # the package itself is imported on the way
        import logging

        def handler(event, context):
            logging.getLogger().info("via-submodule")
            return "ok"
    """)
    run = invoke(bootstrap, code, "index.handler", "", "aliyun")
    records = [ALIYUN_LOG_RECORD.match(line) for line in user_output(run, "aliyun")]
    assert [r.group("message") for r in records if r] == ["via-submodule"], describe(run)


def test_basic_config_at_import_does_not_double_the_lines(bootstrap, tmp_path):
    """As in the clouds: the root logger already has the runtime's handler, so basicConfig adds none."""
    code = write_function(tmp_path / "code", """
        import logging
        logging.basicConfig(level=logging.INFO, format="user-format %(message)s")
        logging.warning("at-import")

        def main_handler(event, context):
            logging.warning("at-invoke")
            return "ok"
    """)
    run = invoke(bootstrap, code, "index.main_handler", {}, "tencent")
    output = user_output(run, "tencent")
    assert output.count("at-import") == 1 and output.count("at-invoke") == 1, describe(run)
    assert not any(line.startswith("user-format") for line in output), describe(run)


def test_logging_looks_imported_as_usual(bootstrap, tmp_path):
    """After its import, `logging` has its ordinary loader and no finder of the runtime is left on sys.meta_path,
    even when the module was looked up (pkgutil.find_loader) before it was imported."""
    code = write_function(tmp_path / "code", """
        import json
        import pkgutil
        import sys

        def handler(event, context):
            looked_up = pkgutil.find_loader("logging") is not None
            import logging
            loader = getattr(logging, "__loader__", None)
            spec = getattr(logging, "__spec__", None)
            return json.dumps({
                "looked_up": looked_up,
                "handlers": [type(h).__name__ for h in logging.getLogger().handlers],
                "loader": type(loader).__name__ if loader is not None else None,
                "spec_loader": type(spec.loader).__name__ if spec is not None else None,
                "runtime_finders": [type(f).__module__ for f in sys.meta_path
                                    if type(f).__module__.startswith("fnruntime")],
            })
        main_handler = handler
    """)
    run = invoke(bootstrap, code, "index.handler", {}, "jdcloud")
    assert run.status == 0, describe(run)
    seen = json.loads(run.stdout.decode("utf-8"))  # jdcloud returns the str as it is
    assert seen["looked_up"] and seen["handlers"] == ["StreamHandler"], describe(run)
    assert seen["runtime_finders"] == [], describe(run)
    if seen["loader"] is not None:  # 3.x; 2.7's built-in importer sets no __loader__ on file modules
        assert seen["loader"] == seen["spec_loader"] == "SourceFileLoader", describe(run)


HOOK_SCRIPT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
from fnruntime.compat import after_import
calls = []
after_import("watched", lambda module: calls.append(module.__name__))
armed = [type(f).__name__ for f in sys.meta_path if type(f).__module__ == "fnruntime.compat"]
try:
    import watched  # raises the first time
except RuntimeError:
    pass
after_failure = (list(calls), "watched" in sys.modules)
import watched.sub  # the package first, then its submodule
import watched
after_import("watched", lambda module: calls.append("at once"))
print(json.dumps({
    "armed": armed, "after_failure": after_failure, "calls": calls,
    "left": [type(f).__name__ for f in sys.meta_path if type(f).__module__ == "fnruntime.compat"],
    "loader": type(getattr(watched, "__loader__", None)).__name__,
    "spec_loader": type(getattr(getattr(watched, "__spec__", None), "loader", None)).__name__,
    "sub": watched.sub.VALUE,
}))
"""


def test_after_import_calls_back_once_the_module_is_imported(python, tmp_path):
    """compat.after_import, which installs the root logger in the worker, on each interpreter: nothing happens before
    the module's import, a failed import leaves it armed, a successful one calls back once and removes the finder;
    the module keeps its own loader."""
    package = tmp_path / "lib" / "watched"
    package.mkdir(parents=True)
    flag = tmp_path / "failed-once"
    (package / "__init__.py").write_text(
        "import os\nif not os.path.exists(%r):\n    open(%r, 'w').close()\n    raise RuntimeError('first import fails')\n"
        % (str(flag), str(flag)))
    (package / "sub.py").write_text("VALUE = 42\n")
    script = tmp_path / "script.py"
    script.write_text(HOOK_SCRIPT)
    done = subprocess.run([python.path, str(script), os.path.dirname(BOOTSTRAP), str(tmp_path / "lib")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                          env={"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    seen = json.loads(done.stdout.decode("utf-8"))
    assert seen["armed"] == ["ImportHook"]
    assert seen["after_failure"] == [[], False], "a failed import calls nothing back"
    assert seen["calls"] == ["watched", "at once"], "called back once on import, and at once when already imported"
    assert seen["left"] == [], "the finder leaves sys.meta_path after the import"
    assert seen["sub"] == 42
    if python.major >= 3:
        assert seen["loader"] == seen["spec_loader"] == "SourceFileLoader"


@pytest.mark.parametrize("shadowed", ("logging", "signal", "threading", "traceback", "ctypes", "importlib"))
def test_a_user_file_named_like_a_runtime_module_does_not_replace_it(bootstrap, tmp_path, shadowed):
    """A file in the code directory named like a standard-library module the runtime uses is not what `import`
    gives user code (the clouds' runtimes have those loaded already), and a handler named after it is
    ShadowedModule."""
    code = write_function(tmp_path / "code", """
        import json
        import os

        def handler(event, context):
            module = __import__(%r)
            import logging
            logging.getLogger().warning("logged")
            path = getattr(module, "__file__", None)  # none for a built-in module (2.7's signal)
            return json.dumps(bool(path) and os.path.dirname(os.path.abspath(path)) == os.getcwd())
        main_handler = handler
    """ % shadowed)
    write_function(code, "raise RuntimeError('the user file %s.py was imported')\n" % shadowed,
                   name=shadowed + ".py")
    run = invoke(bootstrap, code, "index.handler", {}, "jdcloud")
    assert run.status == 0 and run.stdout == b"false", describe(run)  # jdcloud returns the str as it is
    assert any(line.endswith("[WARNING] logged") for line in user_output(run, "jdcloud")), describe(run)
    run = invoke(bootstrap, code, shadowed + ".handler", {}, "jdcloud")
    assert run.status == 1 and json.loads(run.stdout.decode("utf-8"))["error_type"] == "ImportError", describe(run)
    assert "ShadowedModule: " in run.stderr, "the stable type in the log, the class sca names in the body; " + describe(run)


def test_exit_functions_still_run(bootstrap, tmp_path):
    """An exit function registered in the supervisor's interpreter (here by a sitecustomize module) runs at its
    exit: the one-shot run then ends through the interpreter's ordinary exit, with the same status and output."""
    marker = tmp_path / "atexit-ran"
    site = write_function(tmp_path / "site", """
        import atexit
        import os

        def mark():
            with open(%r, "a") as out:
                out.write("%%d\\n" %% os.getpid())
        atexit.register(mark)
    """ % str(marker), name="sitecustomize.py")
    code = write_function(tmp_path / "code", "def main_handler(event, context):\n    return {'ok': True}\n")
    run = invoke(bootstrap, code, "index.main_handler", {}, "tencent", env={"PYTHONPATH": str(site)})
    assert run.status == 0 and run.stdout == b'{"ok": true}', describe(run)
    assert marker.exists(), "the supervisor's exit function did not run; " + describe(run)


def test_large_result_is_written_whole_before_the_process_ends(bootstrap, tmp_path):
    code = write_function(tmp_path / "code", "def main_handler(event, context):\n    return 'x' * 3000000\n")
    run = invoke(bootstrap, code, "index.main_handler", {}, "tencent")
    assert run.status == 0, describe(run)[:2000]
    assert run.stdout == b'"' + b"x" * 3000000 + b'"', "stdout cut short: %d bytes" % len(run.stdout)


def test_failure_exit_status_and_body(bootstrap, tmp_path):
    code = write_function(tmp_path / "code", "def main_handler(event, context):\n    raise KeyError('k')\n")
    run = invoke(bootstrap, code, "index.main_handler", {}, "tencent")
    assert run.status == 1, describe(run)
    assert json.loads(run.stdout.decode("utf-8"))["statusCode"] == 430, describe(run)


def test_sigterm_ends_a_one_shot_run_and_its_worker(python, tmp_path):
    """SIGTERM to the one-shot supervisor: exit status 143 (128 + 15), its worker gone with it."""
    pidfile = tmp_path / "worker.pid"
    code = write_function(tmp_path / "code", """
        import os
        import time

        def main_handler(event, context):
            with open(%r, "w") as out:
                out.write(str(os.getpid()))
            time.sleep(60)
    """ % str(pidfile))
    process = subprocess.Popen([python.path, BOOTSTRAP, "--code", str(code), "--provider", "tencent", "--timeout",
                                "50", "index.main_handler", "{}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"},
                               start_new_session=True)
    try:
        deadline = time.time() + 30
        while not (pidfile.exists() and pidfile.read_text()) and time.time() < deadline:
            time.sleep(0.05)
        assert pidfile.exists(), "the handler never started"
        worker = int(pidfile.read_text())
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 128 + signal.SIGTERM, (process.returncode, out, err)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(worker, 0)
            except OSError:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker %d outlived its supervisor" % worker)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_importlib_frames_stay_hidden_in_tracebacks(bootstrap, tmp_path):
    """A module the handler imports through importlib fails: the traceback shows the user's files only."""
    code = write_function(tmp_path / "code", """
        import importlib

        def handler(event, context):
            return importlib.import_module("helper")
    """)
    write_function(code, "raise ValueError('helper fails at import')\n", name="helper.py")
    run = invoke(bootstrap, code, "index.handler", "", "aliyun")
    assert run.status == 1, describe(run)
    body = json.loads(run.stdout.decode("utf-8"))
    files = [os.path.basename(frame[0].split('"')[1]) for frame in body["stackTrace"]]
    assert files == ["index.py", "helper.py"], "only the user's frames; " + describe(run)
