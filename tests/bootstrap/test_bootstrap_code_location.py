"""Contract section 2: the code directory comes first on sys.path (vendored packages win over built-in ones), it is
found through `--code`, FUNCTION_CODE_DIR or the current directory (ARCHITECTURE.md, Code directory), and a zip
package (`--zip` or FUNCTION_ZIP) runs from a private directory after the clouds' check that the entry file sits at
the zip's root, with a message that says so when it does not.
"""
import os
import shutil
import subprocess
import zipfile

import pytest

from oneshot_support import PROVIDERS, assert_function_error, describe, error_message, invoke, result_json

NATIVE_CODE_DIRS = ("/var/task", "/var/user", "/code", "/function/code")


def test_code_dir_is_first_on_sys_path(bootstrap, function_dir):
    code = function_dir("echo")
    result = result_json(invoke(bootstrap, code, "index.where", {}))
    assert os.path.realpath(result["sys_path"][0]) == os.path.realpath(str(code)), result["sys_path"]
    assert os.path.realpath(result["file"]) == os.path.realpath(str(code / "index.py"))


def test_vendored_modules_win(bootstrap, function_dir, tmp_path):
    """A vendored six.py beats one on PYTHONPATH, and a vendored pip/ beats the interpreter's site-packages pip."""
    builtin = tmp_path / "builtin-libs"
    builtin.mkdir()
    (builtin / "six.py").write_text("VENDORED = False\n")
    code = function_dir("vendored")
    result = result_json(invoke(bootstrap, code, "index.handler", {}, env={"PYTHONPATH": str(builtin)}))
    assert result["six_vendored"] is True, result
    assert result["pip_vendored"] is True, result
    assert os.path.dirname(os.path.realpath(result["six_file"])) == os.path.realpath(str(code)), result


def test_code_dir_from_function_code_dir(bootstrap, function_dir):
    code = function_dir("echo")
    result = result_json(invoke(bootstrap, None, "index.where", {}, env={"FUNCTION_CODE_DIR": str(code)}))
    assert os.path.realpath(result["file"]) == os.path.realpath(str(code / "index.py"))


def test_option_beats_function_code_dir(bootstrap, function_dir, tmp_path):
    code = function_dir("echo")
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "index.py").write_text("def where(event, context):\n    return {'file': 'decoy'}\n")
    result = result_json(invoke(bootstrap, code, "index.where", {}, env={"FUNCTION_CODE_DIR": str(decoy)}))
    assert os.path.realpath(result["file"]) == os.path.realpath(str(code / "index.py"))


def test_code_dir_defaults_to_current_directory(bootstrap, function_dir):
    present = [d for d in NATIVE_CODE_DIRS if os.path.isdir(d) and os.listdir(d)]
    if present:
        pytest.skip("this host has %s, which the runtime prefers to the current directory" % present[0])
    code = function_dir("echo")
    result = result_json(invoke(bootstrap, None, "index.where", {}, cwd=str(code)))
    assert os.path.realpath(result["file"]) == os.path.realpath(str(code / "index.py"))


# Run in a private mount namespace with a tmpfs over /var, so /var/task and /var/user exist for that process only.
VAR_SCRIPT = ('mount -t tmpfs none /var && mkdir -p /var/task /var/user && '
              'for d in $POPULATE; do cp -r "$SOURCE"/. "$d"/; done && exec "$@"')


def private_var_available():
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs none /var"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


@pytest.mark.parametrize("populate, expected", [("/var/task", "/var/task"), ("/var/user", "/var/user"),
                                                ("/var/task /var/user", "/var/task")])
def test_provider_native_code_dirs(bootstrap, function_dir, populate, expected):
    """Without --code or FUNCTION_CODE_DIR: the first non-empty of /var/task, /var/user (then /code,
    /function/code, which a host test cannot create)."""
    if not private_var_available():
        pytest.skip("needs `unshare -m` and mount rights (root) to give the run a private /var")
    prefix = ["unshare", "-m", "--propagation", "private", "sh", "-c", VAR_SCRIPT, "sh"]
    run = invoke(bootstrap, None, "index.where", {}, prefix=prefix,
                 env={"POPULATE": populate, "SOURCE": str(function_dir("echo"))})
    result = result_json(run)
    assert result["file"] == expected + "/index.py", result
    assert result["sys_path"][0].rstrip("/") == expected, result["sys_path"]


def make_zip(source, target, prefix=""):
    """Zip every file under `source` into `target`, names prefixed by `prefix`."""
    with zipfile.ZipFile(str(target), "w") as archive:
        for folder, _, files in os.walk(str(source)):
            for name in files:
                path = os.path.join(folder, name)
                archive.write(path, prefix + os.path.relpath(path, str(source)))
    return target


@pytest.fixture
def zip_ok(function_dir, tmp_path):
    return make_zip(function_dir("zip_ok"), tmp_path / "code.zip")


@pytest.mark.parametrize("how", ["option", "environment"])
def test_zip_package_runs_from_a_private_directory(bootstrap, zip_ok, tmp_path, how):
    empty = tmp_path / "empty-code-dir"
    empty.mkdir()
    before = sorted(os.listdir(str(tmp_path)))
    options = ["--zip", str(zip_ok)] if how == "option" else []
    env = {"FUNCTION_ZIP": str(zip_ok)} if how == "environment" else {}
    run = invoke(bootstrap, empty, "index.handler", {}, options=options, env=env)
    result = result_json(run)
    assert result["zipped"] is True
    unpacked = os.path.dirname(result["file"])
    assert os.path.realpath(unpacked) not in (os.path.realpath(str(tmp_path)), os.path.realpath(str(empty))), result
    assert sorted(os.listdir(str(tmp_path))) == before, "the zip was unpacked beside itself"
    assert os.listdir(str(empty)) == [], "the zip was unpacked into the code directory"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_zip_entry_file_must_be_at_the_root(bootstrap, function_dir, tmp_path, provider):
    package = make_zip(function_dir("zip_nested"), tmp_path / "nested.zip")
    run = invoke(bootstrap, None, "index.handler", "{}", provider, options=["--zip", str(package)])
    assert run.status == 1, describe(run)
    body = assert_function_error(run, provider, "ImportModuleError")
    message = error_message(body)
    assert "root" in message and "index.py" in message, \
        "the message must say the entry file index.py has to be at the zip's root: %r" % message
    assert "code/index.py" in message or "code/" in message, "the message should name what was found: %r" % message


def test_zip_that_does_not_exist_is_bad_usage(bootstrap, tmp_path):
    missing = tmp_path / "nowhere.zip"
    run = invoke(bootstrap, None, "index.handler", "{}", options=["--zip", str(missing)])
    assert run.status == 2 and run.stdout == b"", describe(run)
    assert str(missing) in run.stderr or "nowhere.zip" in run.stderr, describe(run)


def assert_usage_error_without_frames(run, *named):
    """Exit 2, nothing on stdout, one `bootstrap: error:` message naming each of `named`, and no traceback or frame of
    the runtime in what the user sees."""
    assert run.status == 2, describe(run)
    assert run.stdout == b"", describe(run)
    lines = run.stderr.splitlines()
    assert lines and lines[0].startswith("bootstrap: error: "), describe(run)
    assert lines[1:] == ["(run with --help for usage)"], describe(run)
    assert "Traceback" not in run.stderr, describe(run)
    for frame in ("cli.py", "supervisor.py", "loader.py", "serve.py", 'File "'):
        assert frame not in run.stderr, "a runtime frame (%s) is shown to the user:\n%s" % (frame, describe(run))
    for name in named:
        assert name in lines[0], "the message must name %r: %s" % (name, describe(run))
    return lines[0]


@pytest.mark.parametrize("mode", ["one-shot", "serve"])
def test_file_that_is_not_a_zip_is_a_clear_error(bootstrap, tmp_path, mode):
    """Found by issue 16: this used to end in an uncaught ValueError with the runtime's frames (exit 1)."""
    fake = tmp_path / "fake.zip"
    fake.write_text("this is not a zip archive")
    options = ["--zip", str(fake)] + (["--serve", "stdio"] if mode == "serve" else [])
    run = invoke(bootstrap, None, "index.handler", None if mode == "serve" else "{}", options=options, timeout=30)
    message = assert_usage_error_without_frames(run, str(fake))
    assert "zip archive" in message and "root" in message, \
        "the message must say what a zip package must be: %r" % message


@pytest.mark.parametrize("member", ["../escaped.py", "sub/../../escaped.py"])
def test_zip_member_outside_the_package_is_refused(bootstrap, function_dir, tmp_path, member):
    """The zip-slip guard: a member whose path leaves the unpack directory refuses the whole package (exit 2, the
    member named), and nothing is written outside it. (Python's extractall would silently rename such a member;
    a package that names one is refused instead, so nobody deploys something that unpacks differently elsewhere.)"""
    package = tmp_path / "slip.zip"
    with zipfile.ZipFile(str(package), "w") as archive:
        archive.write(str(function_dir("zip_ok") / "index.py"), "index.py")
        archive.writestr(member, "raise SystemExit('unpacked outside')\n")
    private_tmp = tmp_path / "tmp"  # where the runtime unpacks (TMPDIR): a member escaping lands here
    private_tmp.mkdir()
    run = invoke(bootstrap, None, "index.handler", "{}", options=["--zip", str(package)],
                 env={"TMPDIR": str(private_tmp)})
    message = assert_usage_error_without_frames(run, str(package), repr(member))
    assert "outside" in message, message
    assert os.listdir(str(private_tmp)) == [], \
        "a member was unpacked outside, or the refused package's directory was left behind: %s" \
        % os.listdir(str(private_tmp))
