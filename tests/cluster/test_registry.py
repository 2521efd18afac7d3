"""The registry paths of build.py, against a real registry (Debian's docker-registry on a loopback port):

(a) `build.py --base-registry 127.0.0.1:PORT` takes its base from that registry: a python:3.7-slim compatible base is
    published there (the base runtime:py37-jdcloud was built on), the local tag removed, and the build pulls it (the
    registry's access log shows the engine fetching its manifest), labels the image with it and assembles nothing;
(b) built images pushed to the registry run after their local copies are removed, by tag and by digest: the runtime
    image, and the function image of deploy/hello/Dockerfile built on the registry's runtime by digest.

One tag (py37-jdcloud, the smallest) is built, on the layers `make build` left (only its labels change), under its own
repository name so the shared runtime:* tags stay as they are.
"""
import json
import os
import subprocess
import sys

import pytest

from clusterkit import DEPLOY, EXAMPLE, REPO, docker_run, image_exists, image_labels, pushed_digest

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1200)]

TAG = "py37-jdcloud"
PY = "37"
PYTHON_VERSION = "3.7"
RUNTIME = "runtime:" + TAG
TEST_REPOSITORY = "fnruntime-registry-test"
EVENT = '{"name": "registry"}'


def run_build(*args):
    return subprocess.run([sys.executable, os.path.join(REPO, "build.py")] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=1800, cwd=REPO,
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))


def greeting_from(output):
    result = json.loads(output)
    assert result["greeting"] == "Hello, registry!", result
    assert result["python"].startswith(PYTHON_VERSION + "."), result
    return result


@pytest.fixture(scope="module")
def runtime_image(docker):
    if not image_exists(RUNTIME):
        pytest.fail("%s is not built: run `make build PY=%s`" % (RUNTIME, PY))
    sys.path.insert(0, REPO)
    import build
    current = build.input_hashes(pys=[PY])[TAG]
    label = image_labels(RUNTIME).get("runtime.input-hash")
    if label != current:
        pytest.fail("%s is stale (runtime.input-hash %s, source %s): run `make build PY=%s`" % (RUNTIME, label, current, PY))
    return RUNTIME


@pytest.fixture(scope="module")
def registry_build(docker, registry, runtime_image):
    """Publish the base of runtime:py37-jdcloud as REGISTRY/python:3.7-slim, drop its local tag, then build the tag
    with --base-registry. Returns (build output, registry log lines of the build, the local base, the base published, built name, its digest)."""
    base_label = image_labels(runtime_image)["runtime.base"]
    local_base = base_label.rsplit(" (", 1)[0]
    published = "%s/python:%s-slim" % (registry.address, PYTHON_VERSION)
    docker_run("tag", local_base, published)
    base_digest = pushed_digest(docker_run("push", published).stdout)
    docker_run("rmi", published)
    assert not image_exists(published), "the base must come from the registry, not from a local tag"
    mark = registry.mark()
    done = run_build("--py", PY, "--tag", TAG, "--base-registry", registry.address, "--repository", TEST_REPOSITORY)
    assert done.returncode == 0, "build.py --base-registry failed:\n%s" % done.stdout[-4000:]
    built = "%s:%s" % (TEST_REPOSITORY, TAG)
    try:
        yield done.stdout, registry.since(mark), local_base, published, built, base_digest
    finally:
        docker_run("rmi", "--force", built, check=False)


def test_build_takes_its_base_from_the_registry(registry, registry_build):
    output, registry_log, local_base, published, built, base_digest = registry_build
    assert "base: trying to pull %s" % published in output
    assert "base py%s: %s (registry, Python %s." % (PY, published, PYTHON_VERSION) in output
    for local_step in ("LOCAL BASE", "NO REGISTRY", "assembling", "debootstrap"):
        assert local_step not in output, "the build fell back to a local base:\n%s" % output[-3000:]
    # the engine resolved the tag at the registry during the build (HEAD or GET of the tag's manifest; the layers it
    # has already are not fetched again), and the base's local tag is back, with the registry's digest
    access = [line for line in registry_log if line.startswith("127.0.0.1 - - [") and '"docker/' in line]
    resolved = [line for line in access if "/v2/python/manifests/%s-slim HTTP/1.1\" 200" % PYTHON_VERSION in line]
    assert resolved, "the registry saw no pull of the base during the build:\n%s" % "\n".join(registry_log[-20:])
    repo_digests = json.loads(docker_run("image", "inspect", "--format", "{{json .RepoDigests}}", published).stdout)
    assert "%s/python@%s" % (registry.address, base_digest) in repo_digests, repo_digests
    labels = image_labels(built)
    assert labels["runtime.base"] == "%s (registry)" % published
    assert labels["runtime.input-hash"] == image_labels(RUNTIME)["runtime.input-hash"]
    base_layers = json.loads(docker_run("image", "inspect", "--format", "{{json .RootFS.Layers}}", published).stdout)
    layers = json.loads(docker_run("image", "inspect", "--format", "{{json .RootFS.Layers}}", built).stdout)
    assert layers[:len(base_layers)] == base_layers, "the image is built on the pulled base"
    run = docker_run("run", "--rm", "-v", "%s:/var/task:ro" % EXAMPLE, built, "index.handler", EVENT)
    greeting_from(run.stdout)


def test_build_with_an_unreachable_base_registry_fails_naming_it(registry):
    closed = "127.0.0.1:9"  # discard: nothing listens
    done = run_build("--py", PY, "--tag", TAG, "--base-registry", closed, "--repository", TEST_REPOSITORY)
    assert done.returncode == 1
    assert "cannot pull %s/python:%s-slim from --base-registry %s" % (closed, PYTHON_VERSION, closed) in done.stdout
    assert "LOCAL BASE" not in done.stdout and "assembling" not in done.stdout


def test_pushed_images_run_after_the_local_copies_are_removed(registry, registry_build):
    built = registry_build[4]
    remote = "%s/runtime:%s" % (registry.address, TAG)
    docker_run("tag", built, remote)
    image_id = docker_run("image", "inspect", "--format", "{{.Id}}", remote).stdout.strip()
    digest = pushed_digest(docker_run("push", remote).stdout)
    docker_run("rmi", remote, built)
    assert not image_exists(image_id), "no local copy of the pushed image is left"

    # by tag
    pulled = docker_run("pull", remote).stdout
    assert "Digest: %s" % digest in pulled and "Downloaded newer image for %s" % remote in pulled, pulled
    assert docker_run("image", "inspect", "--format", "{{.Id}}", remote).stdout.strip() == image_id
    greeting_from(docker_run("run", "--rm", "-v", "%s:/var/task:ro" % EXAMPLE, remote, "index.handler", EVENT).stdout)
    docker_run("rmi", remote)
    assert not image_exists(image_id)

    # by digest (docker run pulls what it does not have)
    by_digest = "%s/runtime@%s" % (registry.address, digest)
    run = docker_run("run", "--rm", "-v", "%s:/var/task:ro" % EXAMPLE, by_digest, "index.handler", EVENT)
    assert "Unable to find image '%s' locally" % by_digest in run.stderr, run.stderr
    greeting_from(run.stdout)

    # the function image (code baked in), built on the registry's runtime by digest, pushed, removed, run
    function = "%s/fnruntime/hello:1" % registry.address
    docker_run("build", "-f", os.path.join(DEPLOY, "Dockerfile"), "--build-arg", "RUNTIME=" + by_digest,
               "-t", function, EXAMPLE)
    function_id = docker_run("image", "inspect", "--format", "{{.Id}}", function).stdout.strip()
    function_digest = pushed_digest(docker_run("push", function).stdout)
    docker_run("rmi", function)
    docker_run("rmi", by_digest)
    assert not image_exists(function_id) and not image_exists(image_id)
    run = docker_run("run", "--rm", function, "index.handler", EVENT)
    assert "Pull complete" in run.stderr, "the code layer exists only in the registry: %s" % run.stderr
    greeting_from(run.stdout)
    docker_run("rmi", function)
    function_by_digest = "%s/fnruntime/hello@%s" % (registry.address, function_digest)
    run = docker_run("run", "--rm", function_by_digest, "index.handler", EVENT)
    assert "Unable to find image '%s' locally" % function_by_digest in run.stderr
    greeting_from(run.stdout)
