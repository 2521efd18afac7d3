"""Issue 16: the provider-native code paths inside the images (contract section 2, README Code): code mounted at
`/code` runs in an aliyun image and `/function/code` in a jdcloud one, `/var/user` in a tencent one, with nothing at
/var/task, no --code and no FUNCTION_CODE_DIR; the module is loaded from there and that directory is first on
sys.path. Also the union images (runtime:pyXY) with each provider chosen by FUNCTION_PROVIDER.
"""
import json
import subprocess

import pytest

from containerkit import TASK_DIR

pytestmark = pytest.mark.docker

CASES = [
    ("runtime:py27-aliyun", None, "/code"), ("runtime:py36-aliyun", None, "/code"),
    ("runtime:py27-jdcloud", None, "/function/code"), ("runtime:py36-jdcloud", None, "/function/code"),
    ("runtime:py37-jdcloud", None, "/function/code"),
    ("runtime:py27-tencent", None, "/var/user"), ("runtime:py36-tencent", None, "/var/user"),
    ("runtime:py36", "aliyun", "/code"), ("runtime:py37", "jdcloud", "/function/code"),
]


@pytest.fixture(scope="module")
def image_present(docker):
    def check(image):
        probe = subprocess.run([docker, "image", "inspect", image], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
        if probe.returncode != 0:
            pytest.fail("image %s is not built: run `make build`" % image)
    return check


@pytest.mark.parametrize("image, provider, mount", CASES, ids=["%s@%s" % (c[0][8:], c[2]) for c in CASES])
def test_code_at_the_providers_own_path_runs(docker, image_present, image, provider, mount):
    image_present(image)
    command = [docker, "run", "--rm", "-v", "%s:%s:ro" % (TASK_DIR, mount)]
    if provider:
        command += ["-e", "FUNCTION_PROVIDER=" + provider]
    event = json.dumps({"action": "echo", "where": mount})
    command += [image, "index.handler", event]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120)
    assert done.returncode == 0, (done.returncode, done.stdout[-2000:], done.stderr[-3000:])
    output = done.stdout.decode("utf-8")
    result = json.loads(output if not output.startswith('"') else json.loads(output))
    assert result["file"] == mount + "/index.py", result
    assert result["sys_path_0"].rstrip("/") == mount, result
    assert result["event"] == {"action": "echo", "where": mount}, result
