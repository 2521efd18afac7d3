"""Issue 18 items 1, 5, 7, 8 and 11 inside the images, as a user runs them (`docker run`, code mounted read-only,
the image's unprivileged user): non-ASCII errors on the 2.7 images, a layer mounted where the cloud lays layers out,
FC's environment with a native library in /code/lib, 2.7's default encoding under aliyun, an FC HTTP function."""
import glob
import json
import os
import shutil
import subprocess

import pytest

from containerkit import docker_cli, image_for

pytestmark = pytest.mark.docker

FUNCTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions")
ALIYUN_TAGS = ("py27-aliyun", "py36-aliyun")


def docker_run(tag, mounts, args, stdin=None, env=None):
    command = [docker_cli(), "run", "--rm", "-i"]
    for source, target in mounts:
        command += ["-v", "%s:%s:ro" % (source, target)]
    for key, value in (env or {}).items():
        command += ["-e", "%s=%s" % (key, value)]
    done = subprocess.run(command + [image_for(tag)] + list(args), input=stdin or b"", stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=180)
    return done


def readable_copy(tmp_path, name):
    """A copy of tests/functions/NAME the image's uid 1000 can read."""
    target = tmp_path / name
    shutil.copytree(os.path.join(FUNCTIONS, name), str(target))
    for root, dirs, files in os.walk(str(tmp_path)):
        os.chmod(root, 0o755)
        for entry in files:
            os.chmod(os.path.join(root, entry), 0o644)
    return target


@pytest.mark.parametrize("tag, provider", [("py27", "tencent"), ("py27-aliyun", "aliyun"), ("py27-jdcloud",
                                                                                            "jdcloud")])
def test_non_ascii_errors_on_the_27_images(tmp_path, tag, provider):
    code = readable_copy(tmp_path, "non_ascii_errors")
    for function in ("raises_unicode", "raises_with_comment"):
        done = docker_run(tag, [(code, "/var/task")], ["--provider", provider, "index." + function, "{}"])
        assert done.returncode == 1, done
        text = done.stdout.decode("utf-8")
        assert "exit status" not in text and ("\\u4e2d\\u6587" in text or u"\u4e2d\u6587" in text), done


@pytest.mark.parametrize("tag", ALIYUN_TAGS)
def test_fc_layer_mounted_at_opt_python(tmp_path, tag):
    code = readable_copy(tmp_path, "layered")
    layer = readable_copy(tmp_path, "layer_fc")
    done = docker_run(tag, [(code, "/code"), (layer / "python", "/opt/python")], ["index.handler"])
    assert done.returncode == 0, done
    found = json.loads(done.stdout.decode("utf-8"))
    assert (found["layerpkg"], found["shadowed"], found["sitepkg"]) == (
        "fc layer python/", "code folder", "fc layer site-packages"), found


@pytest.mark.parametrize("tag, layer_name, code_dir, expected", [
    ("py36-tencent", "layer_scf", "/var/user", "scf layer root"),
    ("py36-aliyun", "layer_fc", "/code", "fc layer python/")])
def test_layer_mounted_at_opt(tmp_path, tag, layer_name, code_dir, expected):
    """A layer mounted where the clouds lay layers out (/opt: the runtime lives elsewhere), in its cloud's sys.path
    order: the code folder first, the layer before the image's built-ins."""
    code = readable_copy(tmp_path, "layered")
    layer = readable_copy(tmp_path, layer_name)
    done = docker_run(tag, [(code, code_dir), (layer, "/opt")], [], b"{}")
    assert done.returncode == 0, done
    found = json.loads(done.stdout.decode("utf-8"))
    assert (found["layerpkg"], found["shadowed"], found["pip"]) == (expected, "code folder", expected), found


def test_scf_layer_given_with_layer(tmp_path):
    code = readable_copy(tmp_path, "layered")
    layer = readable_copy(tmp_path, "layer_scf")
    done = docker_run("py36-tencent", [(code, "/var/user"), (layer, "/layer")], ["--layer", "/layer"], b"{}")
    assert done.returncode == 0, done
    assert json.loads(done.stdout.decode("utf-8"))["layerpkg"] == "scf layer root", done


@pytest.mark.parametrize("tag", ALIYUN_TAGS)
def test_fc_environment_and_a_library_in_code_lib(tmp_path, tag):
    code = readable_copy(tmp_path, "fc_environment")
    zlib = sorted(glob.glob("/lib/x86_64-linux-gnu/libz.so.1*") + glob.glob("/usr/lib/x86_64-linux-gnu/libz.so.1*"))
    if not zlib:
        pytest.skip("no libz.so.1 on this machine to copy into lib/")
    os.makedirs(str(code / "lib"))
    shutil.copy(zlib[0], str(code / "lib" / "libfnzlib.so"))
    os.chmod(str(code / "lib"), 0o755)
    os.chmod(str(code / "lib" / "libfnzlib.so"), 0o644)
    done = docker_run(tag, [(code, "/code")], [], env={"FC_ACCESS_KEY_ID": "AKID", "FC_HANDLER": "index.handler",
                                                      "FC_SERVICE_LOG_PROJECT": "p"})
    assert done.returncode == 0, done
    seen = json.loads(done.stdout.decode("utf-8"))
    assert seen["LD_LIBRARY_PATH"] == "/code:/code/lib:/usr/local/lib" and seen["loaded"] == "libfnzlib.so", seen
    assert "FC_ACCESS_KEY_ID" not in seen["fc"] and "FC_HANDLER" not in seen["fc"], seen
    assert seen["credentials"] == "AKID" and seen["log_project"] == "p", seen
    assert seen["PYTHONUSERBASE"] == "/code/.fun/python" and seen["funpkg"].startswith("/code/.fun/python/"), seen


def test_default_encoding_on_the_27_aliyun_image(tmp_path):
    code = readable_copy(tmp_path, "default_encoding")
    done = docker_run("py27-aliyun", [(code, "/code")], ["index.handler"])
    assert done.returncode == 0, done
    assert json.loads(done.stdout.decode("utf-8"))["default_encoding"] == "utf-8", done


@pytest.mark.parametrize("tag", ALIYUN_TAGS)
def test_fc_http_function_one_shot(tmp_path, tag):
    code = readable_copy(tmp_path, "fc_http")
    done = docker_run(tag, [(code, "/code")], ["--function-type", "http", "index.echo"],
                      b"POST /a/b?c=d HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\r\nhi")
    assert done.returncode == 0, done
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK"), done
    seen = json.loads(body.decode("utf-8"))
    assert (seen["PATH_INFO"], seen["QUERY_STRING"], seen["body"], seen["fc.request_uri"]) == (
        "/a/b", "c=d", "hi", "/a/b?c=d"), seen
