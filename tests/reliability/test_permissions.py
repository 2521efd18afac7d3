"""Issue 11, item 2: code that exists but the function's user (uid 1000 `function` in the images) cannot read is a
permission problem, with the fix, not a missing file. Made so by the test itself (it runs as root; the runtime in
the image does not). Missing paths still say "does not exist"; exit statuses and error types are unchanged.
"""
import os
import re
import shutil
import subprocess
import zipfile

import pytest

import rkit

pytestmark = pytest.mark.docker
HANDLER_SOURCE = "def main_handler(event, context):\n    return 1\n"
FIXES = [r"chmod -R a\+rX", r"docker run -u \"\$\(id -u\)\""]


def run(tag, mounts, args):
    argv = [rkit.docker_cli(), "run", "--rm"]
    for source, target in mounts:
        argv += ["-v", "%s:%s:ro" % (source, target)]
    argv += rkit.runtime_mounts() + [rkit.image(tag)] + list(args)
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


def check_denied(output, path):
    assert re.search(re.escape(path) + r" (exists but cannot be read|cannot be reached): permission denied for "
                     r"uid 1000 \(function\)", output), output
    for fix in FIXES:
        assert re.search(fix, output), (fix, output)
    assert "does not exist" not in output, output


@pytest.fixture
def code(tmp_path):
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "index.py").write_text(HANDLER_SOURCE)
    os.chmod(str(tmp_path), 0o755)
    yield folder
    shutil.rmtree(str(tmp_path), ignore_errors=True)


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_an_unreadable_code_folder(docker_ready, tag, code):
    os.chmod(str(code), 0o700)
    os.chmod(str(code / "index.py"), 0o644)
    status, output = run(tag, [(str(code), "/var/task")], ["index.main_handler", "{}"])
    assert status == 1, output
    assert "ImportModuleError" in output or "Unable to import module" in output or "statusCode" in output, output
    check_denied(output, "/var/task")


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_an_unreadable_handler_file(docker_ready, tag, code):
    os.chmod(str(code), 0o755)
    os.chmod(str(code / "index.py"), 0o600)
    status, output = run(tag, [(str(code), "/var/task")], ["index.main_handler", "{}"])
    assert status == 1, output
    check_denied(output, "/var/task/index.py")


@pytest.mark.parametrize("tag", rkit.TAGS)
def test_an_unreadable_zip_package(docker_ready, tag, code, tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    with zipfile.ZipFile(str(package / "code.zip"), "w") as archive:
        archive.write(str(code / "index.py"), "index.py")
    os.chmod(str(package), 0o755)
    os.chmod(str(package / "code.zip"), 0o600)
    status, output = run(tag, [(str(package), "/pkg")], ["--zip", "/pkg/code.zip", "index.main_handler", "{}"])
    assert status == 2, output
    check_denied(output, "/pkg/code.zip")
    os.chmod(str(package), 0o700)  # the folder above it now
    os.chmod(str(package / "code.zip"), 0o644)
    status, output = run(tag, [(str(package), "/pkg")], ["--zip", "/pkg/code.zip", "index.main_handler", "{}"])
    assert status == 2, output
    check_denied(output, "/pkg/code.zip")


@pytest.mark.parametrize("tag", ["py36"])
def test_missing_paths_still_do_not_exist(docker_ready, tag):
    status, output = run(tag, [], ["--zip", "/pkg/missing.zip", "index.main_handler", "{}"])
    assert status == 2 and "does not exist" in output and "permission" not in output, output
    status, output = run(tag, [], ["--code", "/nowhere", "index.main_handler", "{}"])
    assert status == 2 and "does not exist" in output and "permission" not in output, output
