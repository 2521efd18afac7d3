"""What the benchmarks run on: the repository's paths, the host interpreters (pyenv's, or $BENCH_PY27...) with the
runtime byte-compiled for each, Docker (Debian's client), and the tools a section needs (wrk, matplotlib), installed
when missing. Shared by bench/run.py and its sections.
"""
import glob
import os
import shutil
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
BOOTSTRAP = os.path.join(ROOT, "bootstrap", "bootstrap.py")
TRIVIAL = os.path.join(BENCH, "functions", "trivial")
ECHO = os.path.join(BENCH, "floors", "echo.py")
VERSIONS = ("27", "36", "37")
DOCKER = "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else "docker"


def log(text):
    print(text, flush=True)


# -- tools ---------------------------------------------------------------------------------------------------------

def ensure_plotting():
    """matplotlib in this interpreter: the `bench` extra of pyproject.toml, installed when missing."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    import tomllib
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        requirements = tomllib.load(handle)["project"]["optional-dependencies"]["bench"]
    log("installing the bench extra of pyproject.toml: %s" % " ".join(requirements))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet"] + requirements, check=True)


def ensure_wrk():
    """Debian's wrk for the HTTP section: installed with apt-get when missing and we are root; else None."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("  installing Debian's wrk")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], env=env,
                       stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


# -- interpreters and images ---------------------------------------------------------------------------------------

def host_python(version):
    """The host interpreter for 27/36/37, its runtime byte-compiled: $BENCH_PY27..., else pyenv's newest X.Y.*;
    None when absent."""
    python = find_python(version)
    return compile_runtime(python) if python else None


def host_pythons(opts, results):
    """(version, host interpreter) for each version asked for; a version without one is noted in `results`."""
    for version in opts.versions:
        python = host_python(version)
        if python:
            yield version, python
        else:
            results[version] = {"skipped": "no host Python %s (set BENCH_PY%s)" % (version, version)}


def find_python(version):
    explicit = os.environ.get("BENCH_PY%s" % version)
    if explicit:
        return explicit
    dotted = "%s.%s" % (version[0], version[1:])
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python" % dotted)),
                        key=lambda p: [int(x) for x in p.split("/versions/")[1].split("/")[0].split(".")])
    if candidates:
        return candidates[-1]
    return shutil.which("python%s" % dotted)


def compile_runtime(python, tree=None):
    """Byte-compile the runtime for `python` (up-to-date files are skipped), as the image build does: a stale or
    missing .pyc would make every start compile the package (PYTHONDONTWRITEBYTECODE is set on the machines here)."""
    subprocess.run([python, "-m", "compileall", "-q", tree or os.path.join(ROOT, "bootstrap")], check=True,
                   stdout=subprocess.DEVNULL)
    return python


def python_version(python):
    out = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True)
    return out.stdout.strip()


def docker_ready():
    try:
        return subprocess.run([DOCKER, "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def image_exists(tag):
    return subprocess.run([DOCKER, "image", "inspect", tag], capture_output=True).returncode == 0


def image_python(tag):
    out = subprocess.run([DOCKER, "run", "--rm", "--entrypoint", "python", tag, "-c",
                          "import sys; print('%d.%d.%d' % sys.version_info[:3])"], capture_output=True, text=True)
    return out.stdout.strip()
