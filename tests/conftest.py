"""Shared fixtures for every suite: the host interpreters the bootstrap runs on, isolation, and a runner.

The `python` fixture runs a test once per CPython version (2.7, 3.6, 3.7), found through FNRUNTIME_TEST_PYTHONS
(`2.7=/path/python2.7,3.6=/path/python3.6`) or, by default, the newest pyenv build of each version; a missing one is a
skip that names the path looked at and what to install; when CI or FNRUNTIME_REQUIRE_PYTHONS is set, a session that
would run any interpreter fails if even one is missing (`.ci/run` sets CI=1). Suites that run an interpreter without
the fixture mark their tests `host_python` and use the `require_host_python` fixture. `run_bootstrap` runs
`<python> bootstrap/bootstrap.py --code DIR ...` as a real subprocess in a clean environment.
"""
import collections
import contextlib
import fcntl
import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOTSTRAP = os.path.join(REPO, "bootstrap", "bootstrap.py")
FUNCTIONS = os.path.join(REPO, "tests", "functions")
HOSTLIBS = os.path.join(REPO, ".cache", "hostlibs")

VERSIONS = ("2.7", "3.6", "3.7")
PYTHONS_VARIABLE = "FNRUNTIME_TEST_PYTHONS"
REQUIRE_VARIABLE = "FNRUNTIME_REQUIRE_PYTHONS"

# What a clean child environment keeps from the host: nothing that configures the runtime (FUNCTION_*, SCF_*, FC_*,
# PYTHON*) or carries credentials (ALIBABA_CLOUD_*, TENCENTCLOUD_*).
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")

# Third-party libraries the WSGI suites load through PYTHONPATH (`hostlibs` fixture), pinned per interpreter: the real
# jdcloud-wsgi-wrapper 1.3 (which imports six without declaring it) and the newest Flask and Django of each line that
# still supports that Python. Every transitive dependency is pinned, since old pips do not honour Requires-Python
# on every index.
HOSTLIB_PINS = {
    "2.7": (
        "jdcloud-wsgi-wrapper==1.3", "six==1.16.0",
        "Flask==1.1.4", "Werkzeug==1.0.1", "Jinja2==2.11.3", "itsdangerous==1.1.0", "click==7.1.2",
        "MarkupSafe==1.1.1",
        "Django==1.11.29", "pytz==2024.1",
    ),
    "3.6": (
        "jdcloud-wsgi-wrapper==1.3", "six==1.16.0",
        "Flask==2.0.3", "Werkzeug==2.0.3", "Jinja2==3.0.3", "itsdangerous==2.0.1", "click==8.0.4",
        "MarkupSafe==2.0.1", "dataclasses==0.8", "importlib-metadata==4.8.3", "zipp==3.6.0",
        "typing-extensions==4.1.1",
        "Django==3.2.25", "asgiref==3.4.1", "sqlparse==0.4.4", "pytz==2024.1",
    ),
    "3.7": (
        "jdcloud-wsgi-wrapper==1.3", "six==1.16.0",
        "Flask==2.2.5", "Werkzeug==2.2.3", "Jinja2==3.1.6", "itsdangerous==2.1.2", "click==8.1.8",
        "MarkupSafe==2.1.5", "importlib-metadata==6.7.0", "zipp==3.15.0", "typing-extensions==4.7.1",
        "Django==3.2.25", "asgiref==3.7.2", "sqlparse==0.4.4", "pytz==2024.1",
    ),
}

Interpreter = collections.namedtuple("Interpreter", "version path looked_at")
Interpreter.tag = property(lambda self: "py" + self.version.replace(".", ""))
Interpreter.major = property(lambda self: int(self.version.split(".")[0]))

RunResult = collections.namedtuple("RunResult", "stdout stderr status")
RunResult.__doc__ = "One bootstrap run: stdout as bytes, stderr as text, the exit status (negative: killed by signal)."

PYTHONS_KEY = pytest.StashKey()


# --- interpreter discovery -------------------------------------------------------------------------------------------

def _version_key(path):
    """Sort key for pyenv folder names such as 3.6.15 (numeric, so 3.6.9 < 3.6.15)."""
    return [int(part) if part.isdigit() else -1 for part in re.split(r"[.\-]", os.path.basename(path))]


def _pyenv_interpreter(version, environ):
    """The newest `$PYENV_ROOT/versions/X.Y.*/bin/pythonX.Y` (PYENV_ROOT defaults to ~/.pyenv)."""
    root = environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    pattern = os.path.join(root, "versions", version + ".*")
    candidates = sorted((d for d in glob.glob(pattern) if re.match(r"^\d+\.\d+\.\d+$", os.path.basename(d))),
                        key=_version_key, reverse=True)
    for folder in candidates:
        path = os.path.join(folder, "bin", "python" + version)
        if os.access(path, os.X_OK):
            return Interpreter(version, path, path)
    return Interpreter(version, None, pattern + "/bin/python" + version)


def _parse_setting(value):
    """`2.7=/p/python2.7,3.6=/p/python3.6` -> {"2.7": "/p/python2.7", ...}; a clear error on anything else."""
    entries = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        version, sep, path = item.partition("=")
        if not sep or version.strip() not in VERSIONS or not path.strip():
            raise pytest.UsageError("%s: bad entry %r; expected VERSION=PATH with VERSION one of %s, e.g. %s"
                                    % (PYTHONS_VARIABLE, item, ", ".join(VERSIONS), "2.7=/usr/bin/python2.7"))
        entries[version.strip()] = os.path.expanduser(path.strip())
    return entries


def discover_pythons(environ):
    """Map each supported version to an Interpreter (path None when missing, looked_at says where we looked)."""
    setting = environ.get(PYTHONS_VARIABLE, "").strip()
    if not setting:
        return {version: _pyenv_interpreter(version, environ) for version in VERSIONS}
    entries = _parse_setting(setting)
    found = {}
    for version in VERSIONS:
        path = entries.get(version)
        if path is None:
            found[version] = Interpreter(version, None, "%s (no entry for %s)" % (PYTHONS_VARIABLE, version))
        elif os.access(path, os.X_OK):
            found[version] = Interpreter(version, path, path)
        else:
            found[version] = Interpreter(version, None, "%s from %s (not an executable)" % (path, PYTHONS_VARIABLE))
    return found


#: What a missing interpreter's message suggests installing (the builds this project is tested with).
INSTALL_HINT = {"2.7": "2.7.18", "3.6": "3.6.15", "3.7": "3.7.16"}
HOST_PYTHON_MARK = "host_python"


def pythons_required(environ=None):
    """True when a missing interpreter must fail instead of skip: CI (`.ci/run` sets CI=1) or
    FNRUNTIME_REQUIRE_PYTHONS."""
    environ = os.environ if environ is None else environ
    return bool(environ.get("CI")) or environ.get(REQUIRE_VARIABLE, "") not in ("", "0")


def missing_python_message(version, looked_at):
    """What to do about one missing interpreter: what was looked at, what to install, how to point at one."""
    return ("Python %s not found (looked at %s): install it (`pyenv install %s`) or point %s at one "
            "(e.g. %s=/usr/bin/python%s)" % (version, looked_at, INSTALL_HINT[version], PYTHONS_VARIABLE, version,
                                            version))


def pytest_configure(config):
    config.stash[PYTHONS_KEY] = discover_pythons(os.environ)
    config.addinivalue_line("markers", "%s: runs a host interpreter found as the `python` fixture finds them (fails "
                                       "instead of skipping under CI)" % HOST_PYTHON_MARK)


def pytest_report_header(config):
    pythons = config.stash[PYTHONS_KEY]
    return "host pythons: " + ", ".join("%s=%s" % (v, i.path or "missing (looked at %s)" % i.looked_at)
                                        for v, i in sorted(pythons.items()))


def _wants_host_pythons(item):
    return "python" in getattr(item, "fixturenames", ()) or item.get_closest_marker(HOST_PYTHON_MARK) is not None


def pytest_collection_modifyitems(session, config, items):
    """Under CI (or FNRUNTIME_REQUIRE_PYTHONS) fail the session when ANY interpreter is missing and a collected test
    would run one, instead of letting a third of the host suites skip with CI green."""
    pythons = config.stash[PYTHONS_KEY]
    missing = [i for _, i in sorted(pythons.items()) if i.path is None]
    if missing and pythons_required(os.environ) and any(_wants_host_pythons(item) for item in items):
        raise pytest.UsageError("CI (or %s) requires every host interpreter (%s), and %s missing:\n  %s"
                                % (REQUIRE_VARIABLE, ", ".join(VERSIONS), "one is" if len(missing) == 1 else
                                   "%d are" % len(missing),
                                   "\n  ".join(missing_python_message(i.version, i.looked_at) for i in missing)))


def require_python(config, version):
    """The path of the host interpreter for `version`; when missing, a failure under CI, else a skip, both saying
    what to install."""
    interpreter = config.stash[PYTHONS_KEY][version]
    if interpreter.path is None:
        message = missing_python_message(version, interpreter.looked_at)
        if pythons_required(os.environ):
            pytest.fail(message)
        pytest.skip(message)
    return interpreter.path


@pytest.fixture(scope="session")
def require_host_python(request):
    """`require_host_python(version)`: the interpreter's path, or a failure under CI (else a skip) saying what to
    install; for suites that start interpreters themselves (tests/reliability)."""
    return lambda version: require_python(request.config, version)


@pytest.fixture(scope="session", params=VERSIONS, ids=lambda v: "py" + v.replace(".", ""))
def python(request):
    """One host interpreter per parameter (Interpreter: version, path, tag, major); skipped when not installed."""
    require_python(request.config, request.param)
    return request.config.stash[PYTHONS_KEY][request.param]


# --- isolation ---------------------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def isolation():
    """Restore the environment and the working directory after every test."""
    environ = dict(os.environ)
    cwd = os.getcwd()
    yield
    os.chdir(cwd)
    for key in set(os.environ) - set(environ):
        del os.environ[key]
    os.environ.update(environ)


# --- running the bootstrap -----------------------------------------------------------------------------------------------

def clean_environment(extra=None):
    """A child environment with nothing of the host's runtime settings: PATH, HOME, locale; then `extra`
    (a value of None removes that variable)."""
    env = {key: os.environ[key] for key in KEPT_VARIABLES if key in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def _kill_group(process):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def run_bootstrap(python, args, code_dir=None, env=None, stdin=None, timeout=60, cwd=None, stdout=None, prefix=()):
    """Run `<python> bootstrap/bootstrap.py [--code DIR] ARGS` and return RunResult(stdout bytes, stderr text, status).

    `python` is an Interpreter or a path; `env` adds to a clean environment; `stdin` is bytes/str to feed, a file
    object or descriptor to hand over, or None (= /dev/null, so nothing ever waits on the terminal). `stdout` may be a
    descriptor (e.g. a pty) instead of the default pipe; then RunResult.stdout is b"". The whole process group is
    killed on `timeout`, and the test fails with what was written so far. `prefix` is put before the command (a
    wrapper such as `unshare -m ...`).
    """
    path = getattr(python, "path", python)
    argv = list(prefix) + [path, BOOTSTRAP] + (["--code", str(code_dir)] if code_dir is not None else []) + [str(a) for a in args]
    feed = None
    if stdin is None:
        stdin_arg = subprocess.DEVNULL
    elif isinstance(stdin, (bytes, str)):
        stdin_arg, feed = subprocess.PIPE, stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    else:
        stdin_arg = stdin
    process = subprocess.Popen(argv, stdin=stdin_arg, stdout=subprocess.PIPE if stdout is None else stdout,
                               stderr=subprocess.PIPE, env=clean_environment(env), cwd=cwd, start_new_session=True)
    try:
        out, err = process.communicate(feed, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        out, err = process.communicate()
        pytest.fail("bootstrap did not exit within %ss: %s\nstdout: %r\nstderr:\n%s"
                    % (timeout, " ".join(argv), out, err.decode("utf-8", "replace")))
    finally:
        _kill_group(process)  # a worker left behind by a broken supervisor must not outlive the test
    return RunResult(out or b"", err.decode("utf-8", "replace"), process.returncode)


@pytest.fixture
def bootstrap(python):
    """`bootstrap(args, code_dir, **kw)`: run_bootstrap bound to this test's interpreter."""
    def run(args, code_dir=None, **kwargs):
        return run_bootstrap(python, args, code_dir, **kwargs)
    return run


@pytest.fixture
def function_dir(tmp_path):
    """`function_dir(name)`: a private copy of tests/functions/<name> (tests may write into it)."""
    def copy(name):
        target = tmp_path / ("code-" + name)
        suffix = 1
        while target.exists():
            suffix += 1
            target = tmp_path / ("code-%s-%d" % (name, suffix))
        shutil.copytree(os.path.join(FUNCTIONS, name), str(target),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        return target
    return copy


# --- third-party libraries on the host (WSGI suites) ----------------------------------------------------------------------

def _pins_digest(version):
    return hashlib.sha256("\n".join(HOSTLIB_PINS[version]).encode()).hexdigest()[:16]


def _install_hostlibs(interpreter, target):
    """pip install the pinned set into a fresh folder next to `target`, then move it into place."""
    staging = tempfile.mkdtemp(prefix=os.path.basename(target) + ".", dir=os.path.dirname(target))
    command = [interpreter.path, "-m", "pip", "install", "--quiet", "--no-warn-script-location",
               "--disable-pip-version-check", "--target", staging] + list(HOSTLIB_PINS[interpreter.version])
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        log = done.stdout.decode("utf-8", "replace")
        lines = [line for line in log.splitlines() if "is ignored" not in line]
        pytest.fail("installing the WSGI test libraries for Python %s failed (%s):\n%s"
                    % (interpreter.version, " ".join(command), "\n".join(lines[-30:])))
    with open(os.path.join(staging, ".pins"), "w") as stamp:
        stamp.write(_pins_digest(interpreter.version))
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)


@pytest.fixture(scope="session")
def hostlibs(python):
    """`<repo>/.cache/hostlibs/pyXY`: jdcloud-wsgi-wrapper 1.3, six, Flask and Django for this interpreter, installed
    with its own pip when missing or when the pins changed. Pass it in PYTHONPATH to the bootstrap."""
    target = os.path.join(HOSTLIBS, python.tag)
    if not os.path.isdir(HOSTLIBS):
        os.makedirs(HOSTLIBS)
    with open(target + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers install once
        stamp = os.path.join(target, ".pins")
        current = open(stamp).read().strip() if os.path.exists(stamp) else None
        if current != _pins_digest(python.version):
            _install_hostlibs(python, target)
    return target

