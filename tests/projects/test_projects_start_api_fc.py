"""`start-api` of the Alibaba examples: FC HTTP triggers served as FC serves HTTP-trigger functions (WSGI
`handler(environ, start_response)`, the runtime's FUNCTION_TYPE=http), at `/2016-08-15/proxy/{service}/{function}/...`
as Fun's `fun local start` did, and at `/` for a project with one such function; the path below the prefix and the
query string reach the function as they came."""
import json
import os
import subprocess
import urllib.parse

import pytest

from projectkit import EXAMPLES, StartedApi, require_images

pytestmark = pytest.mark.docker


def http_functions_supported(image):
    """Whether the image's runtime has the FC HTTP function type (`--function-type http`)."""
    done = subprocess.run(["/usr/bin/docker" if os.path.exists("/usr/bin/docker") else "docker", "run", "--rm",
                           image, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return b"--function-type" in done.stdout


@pytest.fixture(scope="module")
def fc_images(docker_engine):
    require_images(docker_engine, "runtime:py36-aliyun", "runtime:py27-aliyun")
    if not http_functions_supported("runtime:py36-aliyun"):
        pytest.skip("runtime:py36-aliyun has no FC HTTP function type (--function-type http): rebuild the image "
                    "from a checkout that has it (make build PROVIDER=aliyun)")


@pytest.fixture(scope="module")
def shop(fc_images, tmp_path_factory):
    api = StartedApi(os.path.join(EXAMPLES, "fun"), log_path=str(tmp_path_factory.mktemp("fun") / "log"))
    yield api
    assert api.stop() == 0


def test_fun_http_functions_at_fcs_proxy_paths(shop):
    status, headers, body = shop.get("/2016-08-15/proxy/shop/api/items?limit=2")
    assert status == 200 and headers["content-type"] == ["application/json"], (status, body, shop.stderr()[-3000:])
    assert json.loads(body) == {"shop": "Local shop", "path": "/items",
                                "items": [{"id": 1, "name": "teapot"}, {"id": 2, "name": "kettle"}]}
    status, _, body = shop.get("/2016-08-15/proxy/shop/feedback/", method="POST", body=urllib.parse.urlencode(
        {"name": "Mei", "message": "great tea"}).encode(), headers={"Content-Type":
                                                                    "application/x-www-form-urlencoded"})
    assert status == 200 and body.decode() == "<p>Thank you, Mei: we read every message.</p>"
    assert shop.get("/2016-08-15/proxy/shop/api/items", method="POST")[0] == 405  # Methods: [GET]
    status, _, body = shop.get("/")  # two HTTP functions: nothing at /, the routes listed
    assert status == 200 and b"/2016-08-15/proxy/shop/feedback/{fc_path+}" in body


@pytest.mark.parametrize("example,path,check", [
    ("devs-fc", "/?name=Ada", lambda r: r == {"message": "Hello, Ada!", "path": "/"}),
    ("devs-fc", "/2016-08-15/proxy/greeter/hello/deep/path?name=Bo", lambda r: r["path"] == "/deep/path"),
    ("devs-fc3", "/1001", lambda r: r == {"currency": "CNY", "orders": {"total": 42.5}}),
])
def test_a_projects_only_http_function_answers_at_the_root_too(example, path, check, fc_images, tmp_path):
    api = StartedApi(os.path.join(EXAMPLES, example), log_path=str(tmp_path / "log"))
    try:
        status, _, body = api.get(path)
        assert status == 200 and check(json.loads(body)), (status, body, api.stderr()[-3000:])
    finally:
        assert api.stop() == 0
