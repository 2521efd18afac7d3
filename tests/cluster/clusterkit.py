"""Helpers of the cluster suite: the deploy/ files of the example function, read as a cluster would read them, and the
rules that tie their values to the function's configuration (deploy/hello/function.env).

The rules (README "Running on a cluster" gives the reasons): containerConcurrency = FUNCTION_INSTANCES;
timeoutSeconds = ceil(FUNCTION_TIMEOUT) + 2; memory limit = FUNCTION_INSTANCES x FUNCTION_MEMORY_SIZE + 64 MiB.
"""
import json
import math
import os
import re
import shutil
import subprocess

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, "deploy", "hello")
EXAMPLE = os.path.join(REPO, "examples", "hello")
#: Variables the platform sets on Knative; a Service that sets them is rejected.
KNATIVE_RESERVED = ("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION")
SERVING_PORT = 8080
DOCKER = "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else (shutil.which("docker") or "docker")
MEMORY_HEADROOM_MI = 64
TIMEOUT_MARGIN_S = 2


def read_env_file(path):
    """KEY=VALUE lines as compose's env_file reads them (# comments and blank lines skipped)."""
    values = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                key, sep, value = line.partition("=")
                assert sep, "%s: not KEY=VALUE: %r" % (path, line)
                values[key] = value
    return values


def function_config():
    return read_env_file(os.path.join(DEPLOY, "function.env"))


def load_yaml(name):
    """Every document of deploy/hello/NAME."""
    with open(os.path.join(DEPLOY, name)) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def expected_concurrency(config):
    return int(config.get("FUNCTION_INSTANCES", "1"))


def expected_timeout_seconds(config):
    return int(math.ceil(float(config["FUNCTION_TIMEOUT"]))) + TIMEOUT_MARGIN_S


def expected_memory_mi(config):
    return expected_concurrency(config) * int(config["FUNCTION_MEMORY_SIZE"]) + MEMORY_HEADROOM_MI


def mebibytes(quantity):
    """A Kubernetes memory quantity ('320Mi', '1Gi', '335544320') or compose's ('320m') in MiB."""
    text = str(quantity)
    units = {"Ki": 1.0 / 1024, "Mi": 1, "Gi": 1024, "k": 1.0 / 1024, "m": 1, "g": 1024, "M": 1e6 / 2 ** 20,
             "G": 1e9 / 2 ** 20}
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * units[suffix]
    return float(text) / 2 ** 20


def compose_command():
    """Compose v1 (Debian's docker-compose, which speaks to engine 20.10) when installed, else the v2 plugin."""
    return ["docker-compose"] if shutil.which("docker-compose") else ["docker", "compose"]


def docker_run(*args, timeout=600, check=True, input=None):
    """`docker ARGS` (Debian's client, which matches the engine): CompletedProcess with text output."""
    done = subprocess.run([DOCKER] + [str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise AssertionError("docker %s failed (%d):\n%s\n%s" % (" ".join(map(str, args))[:300], done.returncode,
                                                                 done.stdout[-3000:], done.stderr[-3000:]))
    return done


def image_labels(name):
    return json.loads(docker_run("image", "inspect", "--format", "{{json .Config.Labels}}", name).stdout) or {}


def image_exists(name):
    return docker_run("image", "inspect", name, check=False).returncode == 0


def pushed_digest(push_output):
    """The manifest digest `docker push` prints: `TAG: digest: sha256:... size: N`."""
    match = re.search(r"digest: (sha256:[0-9a-f]{64})", push_output)
    assert match, "docker push printed no digest:\n%s" % push_output[-2000:]
    return match.group(1)
