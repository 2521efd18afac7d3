"""Flask's tutorial `flaskr` in a real browser against the jdcloud images themselves (issue 11, "The real apps"):
each image's own jdcloud-wsgi-wrapper 1.3 with examples/jdcloud-wsgi-fixes, `--serve http --api-gateway`, the same
browser steps as tests/serve/test_serve_realapps.py (register, log in, post, edit, delete, the CSS). Flask (1.1.4 on
2.7, 2.0.3 on 3.6, 2.2.5 on 3.7) and its libraries come from the matching host interpreter's `hostlibs`, mounted
read-only without their copy of the wrapper, so the image's wrapper is the one that runs. On runtime:py27-jdcloud the
login works (the image has `_hashlib`; the host's pyenv 2.7 has not, so the host test stops at its 500).
"""
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from containerkit import docker_cli, image_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve"))
from test_serve_browser import browser  # noqa: E402,F401 (the fixture, shared)
from test_serve_realapps import flaskr_code, use_flaskr  # noqa: E402
from test_instances import ServedContainer, free_port  # noqa: E402

pytestmark = pytest.mark.docker
WRAPPER_FILES = ("jdcloud_wsgi_wrapper.py", "headers.py", "constants.py", "file_wrapper.py", "example.py")


def libraries_without_the_wrapper(hostlibs, target):
    shutil.copytree(hostlibs, str(target), ignore=shutil.ignore_patterns("__pycache__", *WRAPPER_FILES))
    return target


@pytest.mark.parametrize("python", ["2.7", "3.6", "3.7"], indirect=True)
def test_flaskr_on_the_jdcloud_image(python, hostlibs, browser, tmp_path):  # noqa: F811
    docker = docker_cli()
    version = python.version.replace(".", "")
    tag = "py%s-jdcloud" % version
    if subprocess.run([docker, "image", "inspect", image_for(tag)], capture_output=True).returncode != 0:
        pytest.fail("image %s is not built: run `make build PY=%s PROVIDER=jdcloud`" % (image_for(tag), version))
    code = flaskr_code(hostlibs, tmp_path)
    libs = libraries_without_the_wrapper(hostlibs, tmp_path / "libs")
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(str(data), 0o777)  # the runtime's uid 1000 writes the sqlite file
    subprocess.run(["chmod", "-R", "a+rX", str(code), str(libs)], check=True)
    name = "realapps-%s" % uuid.uuid4().hex[:8]
    address = "http:127.0.0.1:%d" % free_port()
    started = subprocess.run(
        [docker, "run", "-d", "--name", name, "--network", "host", "-v", "%s:/var/task:ro" % code,
         "-v", "%s:/libs:ro" % libs, "-v", "%s:/data" % data, "-e", "PYTHONPATH=/libs",
         "-e", "FLASKR_DATABASE=/data/flaskr.sqlite", image_for(tag), "--serve", address, "--api-gateway",
         "index.handler"], capture_output=True, timeout=120)
    assert started.returncode == 0, started.stderr
    served = ServedContainer(docker, name, "http", address, None)
    try:
        deadline = time.time() + 60
        while "fnruntime: listening on" not in served.stderr():  # the runtime's own line, polled
            assert time.time() < deadline and served.alive(), "the container did not listen:\n" + served.stderr()
            time.sleep(0.05)
        use_flaskr(served, browser)
    finally:
        served.close()
