"""Helpers of the SDK suite (`fnruntime local start-functions` driven by the clouds' own SDKs): each SDK installed at
test time with pip into a private target folder (.cache/sdk/<name>-<version>, kept between runs), the SDK's calls run
by the scripts in clients/ with that folder on PYTHONPATH, and one started endpoint per test module.

The endpoint's tests need the built images (`make build`), like tests/containers.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "projects"))

from projectkit import REPO, StartedApi  # noqa: E402

SDK_CACHE = os.path.join(REPO, ".cache", "sdk")
PROJECTS = os.path.join(HERE, "projects")


def install_sdk(requirement):
    """pip install --target .cache/sdk/<requirement> (once); the folder to put on PYTHONPATH."""
    target = os.path.join(SDK_CACHE, requirement.replace("==", "-"))
    if os.path.exists(os.path.join(target, ".installed")):
        return target
    shutil.rmtree(target, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--target", target, requirement], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        pytest.fail("cannot install %s: %s" % (requirement, done.stdout.decode("utf-8", "replace")[-3000:]))
    open(os.path.join(target, ".installed"), "w").close()
    return target


def run_client(cloud, sdk_folder, spec):
    """The outcomes of clients/<cloud>.py run with the SDK of `sdk_folder` (and nothing of this checkout)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FUNCTION_"))}
    env["PYTHONPATH"] = sdk_folder
    done = subprocess.run([sys.executable, os.path.join(HERE, "clients", cloud + ".py"),
                           json.dumps(spec)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-4000:]
    return json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])


def project_copy(tmp_path_factory, name):
    """A copy of tests/sdk/projects/<name> readable by the images' uid 1000."""
    base = tmp_path_factory.mktemp("sdk-" + name)
    target = base / name
    shutil.copytree(os.path.join(PROJECTS, name), str(target))
    for folder, dirs, files in os.walk(str(base)):
        os.chmod(folder, 0o755)
        for entry in files:
            os.chmod(os.path.join(folder, entry), 0o644)
    return target


def start_functions(tmp_path_factory, name, args=(), env=None, port=0):
    folder = project_copy(tmp_path_factory, name)
    template = next(os.path.join(str(folder), f) for f in os.listdir(str(folder)) if f.startswith("template"))
    return StartedApi(template, args, env=env, log_path=str(folder.parent / "start-functions.log"),
                      command="start-functions", port=port)
