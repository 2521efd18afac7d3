"""Fixtures of the reliability suite: every way of calling the fault dispatcher (tests/functions/faults), per
interpreter and per image, started once per session and kept warm.

Target ids: `host-py36-oneshot`, `host-py36-stdio` (the host interpreters, no Docker), `image-py36-oneshot`
(`docker run -i`), `image-py36-tcp`, `image-py36-http` (serve-mode containers); a `-aliyun` suffix runs that target
with the third provider profile, a `-x4` suffix serves it with `--instances 4` (FUNCTION_INSTANCES). Image targets carry the `docker` marker and fail, saying what to run, when the
engine or an image is missing.
"""
import os

import pytest

import rkit
import targets

HOST_MODES = ("oneshot", "stdio")
IMAGE_MODES = ("oneshot", "tcp", "http")
EXTRA_PROVIDER_TARGETS = ("host-py36-stdio-aliyun", "image-py36-tcp-aliyun", "image-py27-oneshot-aliyun")


def target_ids():
    ids = ["host-%s-%s" % (tag, mode) for tag in rkit.TAGS for mode in HOST_MODES]
    ids += ["image-%s-%s" % (tag, mode) for tag in rkit.TAGS for mode in IMAGE_MODES]
    return ids + list(EXTRA_PROVIDER_TARGETS)


def target_params(ids=None):
    """pytest params for `target`, image ones marked `docker`."""
    return [pytest.param(i, id=i, marks=[pytest.mark.docker] if i.startswith("image-") else [pytest.mark.host_python])
            for i in (ids or target_ids())]


def parse_target(target_id):
    parts = target_id.split("-")
    where, tag, mode = parts[:3]
    instances = int(parts.pop()[1:]) if parts[-1].startswith("x") else 1
    provider = parts[3] if len(parts) > 3 else rkit.DEFAULT_PROVIDER[tag]
    return where, tag, mode, provider, instances


@pytest.fixture(scope="session")
def docker_ready():
    """Fails with what to do when no engine answers or an image is missing (never a silent skip)."""
    if not rkit.engine_answers():
        pytest.fail("no Docker engine answers: run `scripts/docker-engine.sh up` (or `make engine-up`)")
    missing = [tag for tag in rkit.TAGS if not rkit.image_exists(tag)]
    if missing:
        pytest.fail("images not built: %s; run `make build`" % ", ".join("runtime:" + t for t in missing))
    return rkit.docker_cli()


@pytest.fixture(scope="session")
def target_pool(request, tmp_path_factory, require_host_python):
    """Session cache of started targets, closed at the end of the session."""
    pool = {}
    logs = tmp_path_factory.mktemp("stdio-logs")

    def get(target_id):
        if target_id in pool:
            return pool[target_id]
        where, tag, mode, provider, instances = parse_target(target_id)
        env = {"FUNCTION_INSTANCES": str(instances)} if instances > 1 else None
        version = rkit.VERSION_OF_TAG[tag]
        if where == "host":
            require_host_python(version)  # fails under CI, saying what to install
            if mode == "oneshot":
                target = targets.host_oneshot(version, provider)
            else:
                target = targets.StdioServer(version, provider, str(logs / (target_id + ".stderr")))
        else:
            request.getfixturevalue("docker_ready")
            if mode == "oneshot":
                target = targets.image_oneshot(tag, provider)
            elif mode == "tcp":
                target = targets.TcpServer(tag, provider, env)
            else:
                target = targets.HttpServer(tag, provider, env)
            pool[target_id] = target
            if mode != "oneshot":
                target.wait_ready()
        pool[target_id] = target
        return target

    yield get
    for target in pool.values():
        target.close()


@pytest.fixture
def target(request, target_pool):
    return target_pool(request.param)


def pytest_generate_tests(metafunc):
    if "target" in metafunc.fixturenames and not any(m.name == "parametrize" and "target" in m.args[0]
                                                     for m in metafunc.definition.iter_markers()):
        metafunc.parametrize("target", target_params(), indirect=True)


@pytest.fixture
def running_as_root():
    return os.geteuid() == 0
