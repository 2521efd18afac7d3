"""Helpers of the cluster suite: the deploy/ files of the example function, read as a cluster would read them, and the
rules that tie their values to the function's configuration (deploy/hello/function.env).

The rules (README "Running on a cluster" gives the reasons): containerConcurrency = FUNCTION_INSTANCES;
timeoutSeconds = ceil(FUNCTION_TIMEOUT) + 2; memory limit = FUNCTION_INSTANCES x FUNCTION_MEMORY_SIZE + 64 MiB.
"""
import math
import os
import shutil

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(REPO, "deploy", "hello")
EXAMPLE = os.path.join(REPO, "examples", "hello")
#: Variables the platform sets on Knative; a Service that sets them is rejected.
KNATIVE_RESERVED = ("PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION")
SERVING_PORT = 8080
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
