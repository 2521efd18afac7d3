"""Helpers of the image suites: run a command in an image, run build.py as the Makefile does, name an image.

Kept out of conftest.py so the suites can import them by a name no other suite uses.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROBE = (Path(__file__).resolve().parent / "probe.py").read_text()
DOCKER = "/usr/bin/docker" if os.path.exists("/usr/bin/docker") else "docker"


def image_name(catalogue, tag):
    return "%s:%s" % (catalogue.repository, tag)


def run_in(name, args, entrypoint="python", user=None, check=True, extra=()):
    """docker run --rm --network none (Debian's client, which matches the engine); returns CompletedProcess (text)."""
    command = [DOCKER, "run", "--rm", "--network", "none", "--entrypoint", entrypoint]
    if user:
        command += ["--user", user]
    command += list(extra) + [name] + list(args)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(command[:8]), proc.returncode,
                                                         proc.stdout[-3000:], proc.stderr[-3000:]))
    return proc


def build_cli(*args, timeout=3600):
    """Run build.py as the Makefile does; returns CompletedProcess (text, stdout and stderr merged)."""
    return subprocess.run([sys.executable, str(ROOT / "build.py")] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, cwd=str(ROOT),
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))
