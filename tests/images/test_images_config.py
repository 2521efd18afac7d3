"""What every image promises besides its libraries (contract section 1, issue 3): labels, entrypoint, unprivileged
user, read-only runtime, no build leftovers (compiler, certificate, wheels, caches, bytecode of tests), and a pip
that works for users (`pip install -t`), all checked in the built images.
"""
import json
import subprocess
import textwrap

import pytest

from imagekit import DOCKER, image_name, run_in

import build  # noqa: E402 (imagekit puts the repository on sys.path)

pytestmark = pytest.mark.docker

TAGS = [p.tag for p in build.plan(build.load_catalogue())]


def sh(catalogue, tag, script, **kwargs):
    return run_in(image_name(catalogue, tag), ["-c", script], entrypoint="/bin/sh", **kwargs)


@pytest.mark.parametrize("tag", TAGS)
def test_labels_entrypoint_env_user(current_image, catalogue, plans, tag):
    image = current_image(tag)
    config = image.attrs["Config"]
    labels = config["Labels"]
    assert build.RUNTIME_DIR == "/var/runtime"
    assert config["Entrypoint"] == ["/usr/local/bin/python", "/var/runtime/bootstrap.py"]
    assert labels["runtime.bootstrap"] == "/var/runtime/bootstrap.py"
    assert config["WorkingDir"] == "/var/task"
    assert config["User"] == "function"
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["HOME"] == "/tmp"
    assert env["FUNCTION_PROVIDER"] == plans[tag].provider == labels["runtime.provider"]
    inside = run_in(image_name(catalogue, tag), ["-c", "import platform; print(platform.python_version())"])
    assert inside.stdout.strip() == labels["runtime.python-version"]
    assert labels["runtime.python-version"].startswith(catalogue.python(plans[tag].py).version + ".")


@pytest.mark.parametrize("tag", TAGS)
def test_user_and_file_permissions(current_image, catalogue, tag):
    current_image(tag)
    proc = sh(catalogue, tag, textwrap.dedent("""
        id -u; id -un
        stat -c '%U %a' /var/task /var/runtime /var/runtime/bootstrap.py
        if touch /var/runtime/x 2>/dev/null; then echo runtime-writable; else echo runtime-read-only; fi
        if touch /var/task/x 2>/dev/null; then echo task-writable; else echo task-read-only; fi
        touch /tmp/x && echo tmp-writable
        ls -A /var/task | wc -l
    """))
    lines = proc.stdout.split()
    assert lines[:2] == ["1000", "function"]
    assert proc.stdout.splitlines()[2:5] == ["root 755", "root 755", "root 644"]
    assert "runtime-read-only" in lines and "task-read-only" in lines and "tmp-writable" in lines
    assert lines[-1] == "0", "/var/task is not empty"


@pytest.mark.parametrize("tag", TAGS)
def test_opt_is_empty_and_a_layer_mounted_there_leaves_the_runtime_working(current_image, catalogue, tag, tmp_path):
    """/opt is the user's (layers, as the clouds mount them): empty in the image, and a folder mounted over it hides
    nothing of the runtime."""
    current_image(tag)
    listing = sh(catalogue, tag, "stat -c '%U %a' /opt; ls -A /opt | wc -l")
    assert listing.stdout.split() == ["root", "755", "0"], "/opt in %s: %s" % (tag, listing.stdout)
    code, layer = tmp_path / "code", tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    code.mkdir()
    (layer / "python" / "marker.txt").write_text("layer\n")
    (code / "index.py").write_text("import os\ndef handler(event, context):\n    return sorted(os.listdir('/opt'))\n")
    for path in [tmp_path, code, layer, layer / "python"]:
        path.chmod(0o755)
    for path in [code / "index.py", layer / "python" / "marker.txt"]:
        path.chmod(0o644)
    proc = subprocess.run([DOCKER, "run", "--rm", "--network", "none", "-v", "%s:/var/task:ro" % code,
                           "-v", "%s:/opt:ro" % layer, image_name(catalogue, tag), "index.handler", "{}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, "%s with a layer at /opt: %s\n%s" % (tag, proc.stdout, proc.stderr[-2000:])
    assert json.loads(proc.stdout) == ["python"]


@pytest.mark.parametrize("tag", TAGS)
def test_no_build_leftovers(current_image, catalogue, tag):
    current_image(tag)
    proc = sh(catalogue, tag, textwrap.dedent("""
        for tool in gcc cc g++ make; do command -v $tool; done
        for path in /build /wheels /staging /root/.cache /tmp/.cache /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease; do
            [ -e $path ] && echo "present: $path"
        done
        site=$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
        find "$site" /var/runtime \\( -path '*/tests/*.pyc' -o -path '*/test/*.pyc' \\) | head -5
        find /var/runtime -maxdepth 1 -name '*.egg-info' | head -3
        find / -xdev -name 'ca.pem' -path '*build*' 2>/dev/null | head -5
        ls /var/cache/apt/archives/*.deb 2>/dev/null | head -3
    """), user="root")
    assert proc.stdout.strip() == "", "build leftovers in %s:\n%s" % (tag, proc.stdout)


@pytest.mark.parametrize("tag", TAGS)
def test_bootstrap_and_site_packages_are_precompiled(current_image, catalogue, tag):
    """The user cannot write bytecode, so the image carries it: no compile on every cold start."""
    current_image(tag)
    proc = run_in(image_name(catalogue, tag), ["-c", textwrap.dedent("""
        import os, sys, sysconfig, json
        def compiled(path):
            if sys.version_info[0] == 2:
                return os.path.exists(path + "c")
            import importlib.util
            return os.path.exists(importlib.util.cache_from_source(path))
        def missing(root):
            out = []
            for folder, dirs, files in os.walk(root):
                # the debugger of --debug-port ships modules for other Pythons: compiled where valid (Dockerfile)
                if "/tests" in folder or "/test" in folder or folder.startswith("/var/runtime/debugger"):
                    continue
                out += [os.path.join(folder, f) for f in files if f.endswith(".py") and not compiled(os.path.join(folder, f))]
            return out
        print(json.dumps({"runtime": missing("/var/runtime"), "six": compiled(__import__("six").__file__.replace(".pyc", ".py"))}))
    """)])
    result = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    assert result["runtime"] == []
    assert result["six"] is True


@pytest.mark.parametrize("tag", TAGS)
def test_pip_version_and_wheel_tags(current_image, catalogue, plans, tag):
    current_image(tag)
    pip_spec = [s for s in plans[tag].specs if s.name == "pip"][0]
    version = run_in(image_name(catalogue, tag), ["-m", "pip", "--version"]).stdout
    assert version.startswith("pip %s " % pip_spec.version), version
    debug = run_in(image_name(catalogue, tag), ["-m", "pip", "debug", "--verbose"], check=False).stdout
    assert "manylinux2014_x86_64" in debug, "pip in %s cannot install manylinux2014 wheels:\n%s" % (tag, debug[:2000])


@pytest.mark.parametrize("tag", TAGS)
def test_user_can_pip_install_into_a_code_directory(current_image, catalogue, tag, tmp_path):
    """`pip install -t` as the unprivileged user, offline, from a local project (no index needed)."""
    current_image(tag)
    project = tmp_path / "hello"
    (project / "hello_pkg").mkdir(parents=True)
    (project / "hello_pkg" / "__init__.py").write_text("VALUE = 42\n")
    (project / "setup.py").write_text(
        "from setuptools import setup\nsetup(name='hello-pkg', version='1.0', packages=['hello_pkg'])\n")
    tmp_path.chmod(0o755)
    for path in [project, project / "hello_pkg"]:
        path.chmod(0o755)
    proc = sh(catalogue, tag, "cp -r /src /tmp/src && python -m pip install -q --no-index --no-build-isolation "
                              "-t /tmp/target /tmp/src && cd /tmp && PYTHONPATH=/tmp/target python -c "
                              "'import hello_pkg; print(hello_pkg.VALUE)'",
              extra=["-v", "%s:/src:ro" % project])
    assert proc.stdout.strip().splitlines()[-1] == "42"


def test_labels_record_build_inputs(current_image, current_hashes):
    """Every image's input-hash label is the hash of today's sources (current_image fails otherwise)."""
    for tag in TAGS:
        assert current_image(tag).labels["runtime.input-hash"] == current_hashes[tag]
    # runtime:py37 is JD's table alone, like runtime:py37-jdcloud: same inputs, same hash, same image
    assert current_hashes["py37"] == current_hashes["py37-jdcloud"]
    assert len(set(current_hashes.values())) == len(current_hashes) - 1


def test_input_hash_changes_with_each_kind_of_input(tmp_path):
    """Dockerfile template, a table entry and a bootstrap file each change the hash; a reason text does not."""
    import shutil
    images = tmp_path / "images"
    shutil.copytree(build.ROOT / "images", images)
    boot = tmp_path / "bootstrap"
    shutil.copytree(build.ROOT / "bootstrap", boot, ignore=shutil.ignore_patterns("__pycache__"))
    tag = "py37-jdcloud"

    def current():
        return build.input_hashes(images, boot)[tag]
    first = current()
    assert current() == first
    table = images / "tables" / "jdcloud.toml"
    table.write_text(table.read_text().replace("the last release for 2.7", "the final release for 2.7"))
    assert current() == first, "a reason text is not a build input"
    table.write_text(table.read_text().replace('py37 = "0.3.7"', 'py37 = "0.3.6"'))
    second = current()
    assert second != first
    (boot / "fnruntime" / "extra_module.py").write_text("X = 1\n")
    third = current()
    assert third != second
    template = images / "Dockerfile.template"
    template.write_text(template.read_text().replace("WORKDIR /var/task", "WORKDIR /var/task\n# changed"))
    assert current() != third
    assert json.loads(json.dumps(build.input_hashes(images, boot)))[tag] == current()
