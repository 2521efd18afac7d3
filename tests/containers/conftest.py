"""Fixtures of the container suite: the built images, serve-mode containers started by pytest-docker, and helpers.

`served` starts runtime:py27/py36/py37 from compose.yml (`--serve tcp:0.0.0.0:9000`), waits until each answers one
framed invocation, and maps each tag to its (host, port). `run_image` is `docker run --rm` with stdout and stderr apart.
"""
import os
import shutil
import subprocess

import pytest

from containerkit import HERE, READY_TIMEOUT_S, SERVE_PORT, TAGS, TASK_DIR, answers, docker_cli, image_for


@pytest.fixture(scope="session")
def docker():
    """Path of the docker client; fails with what to do when no engine answers."""
    cli = docker_cli()
    probe = subprocess.run([cli, "info"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    if probe.returncode != 0:
        pytest.fail("no Docker engine answers (%s): run `make engine-up`" % probe.stderr.decode(errors="replace")[-300:])
    return cli


@pytest.fixture(scope="session")
def runtime_images(docker):
    """The per-version tags, after checking each is built (make build)."""
    for tag in TAGS:
        probe = subprocess.run([docker, "image", "inspect", image_for(tag)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        if probe.returncode != 0:
            pytest.fail("image %s is not built: run `make build` (or `make build PY=%s`)" % (image_for(tag), tag[2:]))
    return TAGS


@pytest.fixture(scope="session")
def docker_compose_file():
    return os.path.join(HERE, "compose.yml")


@pytest.fixture(scope="session")
def docker_compose_command():
    """Compose v1 (Debian's docker-compose, which speaks to engine 20.10) when installed, else the v2 plugin."""
    return "docker-compose" if shutil.which("docker-compose") else "docker compose"


@pytest.fixture(scope="session")
def docker_setup():
    # pytest-docker's default `up --build --wait` is v2-only; the images come from build.py, not compose.
    return ["up -d"]


@pytest.fixture(scope="session")
def served(runtime_images, docker_services, docker_ip):
    """Map each tag to the (host, port) of its serve-mode container, once it answers a framed invocation."""
    addresses = {}
    for tag in runtime_images:
        address = (docker_ip, docker_services.port_for(tag, SERVE_PORT))
        try:
            docker_services.wait_until_responsive(lambda: answers(address), timeout=READY_TIMEOUT_S, pause=0.5)
        except Exception:
            logs = docker_services._docker_compose.execute("logs --no-color --tail 30 %s" % tag)
            pytest.fail("%s did not answer a framed invocation on %s:%d within %ds; its log:\n%s"
                        % (image_for(tag), address[0], address[1], READY_TIMEOUT_S, logs.decode(errors="replace")))
        addresses[tag] = address
    return addresses


class RunResult(object):
    """What a `docker run` gave: exit status, standard output and standard error as bytes."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return "RunResult(rc=%r, stdout=%r, stderr=%r)" % (self.returncode, self.stdout[-2000:], self.stderr[-2000:])


@pytest.fixture(scope="session")
def run_image(docker, runtime_images):
    """Call run_image(tag, *args, mount=True): `docker run --rm [-v task:/var/task:ro] runtime:TAG args...`."""

    def run(tag, *args, **options):
        command = [docker, "run", "--rm"]
        if options.get("mount", True):
            command += ["-v", "%s:/var/task:ro" % TASK_DIR]
        command += [image_for(tag)] + list(args)
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=options.get("timeout", 120))
        return RunResult(done.returncode, done.stdout, done.stderr)

    return run

