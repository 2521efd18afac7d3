"""The cloud's OS in every image (issue 18 items 2 and 17): pip installs only wheels that load on the OS the image
stands for (PEP 600's _manylinux, visible to pip only), and the system programs and libraries functions call are
there (matplotlib.pyplot with its default backend's Tk libraries, ffmpeg, ImageMagick, CJK fonts in the aliyun
images).
"""
import base64
import hashlib
import json
import subprocess
import textwrap
import zipfile

import pytest

from imagekit import DOCKER, image_name, run_in

import build  # noqa: E402 (imagekit puts the repository on sys.path)

pytestmark = pytest.mark.docker

CATALOGUE = build.load_catalogue()
PLANS = {p.tag: p for p in build.plan(CATALOGUE)}
TAGS = sorted(PLANS)
MATPLOTLIB_TAGS = [t for t in TAGS if any(s.key == "matplotlib" and s.version for s in PLANS[t].specs)]
APT_TAGS = [t for t in TAGS if "ffmpeg" in PLANS[t].apt]
# the probe package's wheels: version -> the glibc its platform tag needs
PROBE_WHEELS = {"1.0": "manylinux2014_x86_64", "1.5": "manylinux_2_24_x86_64", "2.0": "manylinux_2_28_x86_64"}


def glibc_of(tag):
    return tuple(int(x) for x in PLANS[tag].os["glibc"].split("."))


def test_every_tag_stands_for_a_cloud_os_with_a_source():
    for tag, tag_plan in PLANS.items():
        assert tag_plan.os["os"] and tag_plan.os["source"], tag
    assert glibc_of("py37-jdcloud") == (2, 17) and glibc_of("py36-aliyun") == (2, 24)
    assert glibc_of("py27-tencent") == (2, 17)
    for tag, tag_plan in PLANS.items():   # a union image is as strict as the strictest of its clouds
        if tag_plan.kind == build.UNION:
            strict = [glibc_of(t) for t, p in PLANS.items() if p.py == tag_plan.py and p.kind != build.UNION]
            assert glibc_of(tag) == min(strict), tag


def make_wheel(folder, version, platform):
    """A minimal wheel of the package `fnglibc_probe` for PLATFORM (pure Python inside: only the tag matters)."""
    name = "fnglibc_probe-%s-py2.py3-none-%s.whl" % (version, platform)
    files = {
        "fnglibc_probe.py": "VERSION = %r\n" % version,
        "fnglibc_probe-%s.dist-info/METADATA" % version:
            "Metadata-Version: 2.1\nName: fnglibc-probe\nVersion: %s\n" % version,
        "fnglibc_probe-%s.dist-info/WHEEL" % version:
            "Wheel-Version: 1.0\nGenerator: fnruntime-tests\nRoot-Is-Purelib: true\nTag: py2-none-%s\n"
            "Tag: py3-none-%s\n" % (platform, platform),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(text.encode())))
    record_path = "fnglibc_probe-%s.dist-info/RECORD" % version
    files[record_path] = "\n".join(record + [record_path + ",,"]) + "\n"
    with zipfile.ZipFile(str(folder / name), "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)


@pytest.fixture(scope="module")
def probe_wheels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheels")
    for version, platform in PROBE_WHEELS.items():
        make_wheel(folder, version, platform)
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


@pytest.mark.parametrize("tag", TAGS)
def test_pip_install_t_picks_the_newest_wheel_that_loads_on_the_clouds_os(current_image, catalogue, tag,
                                                                         probe_wheels):
    current_image(tag)
    proc = run_in(image_name(catalogue, tag), ["-c", "python -m pip install -q --no-index --find-links /wheels "
                                               "-t /tmp/target fnglibc_probe && cd /tmp && PYTHONPATH=/tmp/target "
                                               "python -c 'import fnglibc_probe; print(fnglibc_probe.VERSION)'"],
                  entrypoint="/bin/sh", extra=["-v", "%s:/wheels:ro" % probe_wheels])
    wanted = "1.5" if glibc_of(tag) >= (2, 24) else "1.0"
    assert proc.stdout.strip().splitlines()[-1] == wanted, (
        "%s stands for glibc %s: pip installed fnglibc_probe %s (manylinux_2_28 is 2.0, _2_24 is 1.5, 2014 is 1.0)"
        % (tag, PLANS[tag].os["glibc"], proc.stdout.strip()))


@pytest.mark.parametrize("tag", TAGS)
def test_manylinux_module_is_for_pip_only(current_image, catalogue, tag, tmp_path):
    """pip sees _manylinux (its tags stop at the cloud's glibc); a plain interpreter and the function do not."""
    current_image(tag)
    major, minor = glibc_of(tag)
    debug = run_in(image_name(catalogue, tag), ["-m", "pip", "debug", "--verbose"], check=False).stdout
    assert "manylinux_%d_%d_x86_64" % (major, minor) in debug or "manylinux2014_x86_64" in debug, debug[:2000]
    assert "manylinux_%d_%d_x86_64" % (major, minor + 1) not in debug, "pip in %s accepts glibc %d.%d wheels" % (
        tag, major, minor + 1)
    plain = run_in(image_name(catalogue, tag), ["-c", "import _manylinux"], check=False)
    assert plain.returncode != 0 and "_manylinux" in plain.stderr, plain
    code = tmp_path / "code"
    code.mkdir()
    (code / "index.py").write_text(textwrap.dedent("""
        import sys
        def handler(event, context):
            try:
                import _manylinux
                return "importable from %s" % _manylinux.__file__
            except ImportError:
                return [p for p in sys.path if "fnruntime-pip" in p]
    """))
    tmp_path.chmod(0o755)
    code.chmod(0o755)
    (code / "index.py").chmod(0o644)
    proc = subprocess.run([DOCKER, "run", "--rm", "--network", "none", "-v", "%s:/var/task:ro" % code,
                           image_name(catalogue, tag), "index.handler", "{}"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == [], proc.stdout


def test_cryptography_for_jd_is_not_the_glibc_2_28_wheel(current_image, catalogue):
    """The case of issue 18 item 17, from PyPI: cryptography 41.0.7 for py37 has manylinux_2_28 and manylinux2014
    wheels; JD's cloud (CentOS 7, glibc 2.17) loads only the second."""
    current_image("py37-jdcloud")
    settings = build.host_index_settings()   # the index, and the CA bundle of a TLS proxy, as the build uses them
    options = ["-e", "PIP_INDEX_URL=" + settings.index_url]
    if settings.trusted_hosts:
        options += ["-e", "PIP_TRUSTED_HOST=" + " ".join(settings.trusted_hosts)]
    if settings.cert:
        options += ["-v", "%s:/tmp/ca.pem:ro" % settings.cert, "-e", "PIP_CERT=/tmp/ca.pem"]
    proc = subprocess.run([DOCKER, "run", "--rm", "--entrypoint", "/bin/sh"] + options +
                          [image_name(catalogue, "py37-jdcloud"),
                           "-c", "python -m pip download -q --no-deps --only-binary :all: -d /tmp/d "
                                 "cryptography==41.0.7 && ls /tmp/d"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, "pip download from PyPI failed:\n%s" % proc.stderr[-2000:]
    wheel = proc.stdout.split()[-1]
    assert "manylinux_2_28" not in wheel and "manylinux_2_17" in wheel, wheel


@pytest.mark.parametrize("tag", MATPLOTLIB_TAGS)
def test_matplotlib_pyplot_imports_with_its_default_backend_and_draws_a_png(current_image, catalogue, tag):
    current_image(tag)
    script = textwrap.dedent("""
        import json, os
        import matplotlib
        import matplotlib.pyplot as plt
        backend = matplotlib.get_backend()
        plt.switch_backend("agg")
        figure = plt.figure(figsize=(2, 2))
        plt.plot([0, 1, 2], [2, 0, 1])
        plt.title(u"\\u4e2d\\u6587")
        figure.savefig("/tmp/plot.png")
        with open("/tmp/plot.png", "rb") as handle:
            head = handle.read(8)
        import _tkinter
        print(json.dumps({"backend": backend, "png": head == b"\\x89PNG\\r\\n\\x1a\\n", "tk": _tkinter.TK_VERSION,
                          "size": os.path.getsize("/tmp/plot.png")}))
    """)
    proc = run_in(image_name(catalogue, tag), ["-c", script])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["png"] and result["size"] > 1000, result
    assert result["tk"] == "8.6", result


@pytest.mark.parametrize("tag", APT_TAGS)
def test_ffmpeg_imagemagick_and_cjk_fonts_are_there(current_image, catalogue, tag):
    current_image(tag)
    proc = run_in(image_name(catalogue, tag), ["-c", "ffmpeg -version | head -1; convert -version | head -1; "
                                               "fc-list :lang=zh family | head -3; command -v wish"],
                  entrypoint="/bin/sh")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ffmpeg version"), proc.stdout
    assert lines[1].startswith("Version: ImageMagick"), proc.stdout
    assert any("WenQuanYi" in line for line in lines[2:]), "no CJK font in %s:\n%s" % (tag, proc.stdout)
    assert lines[-1].startswith("/usr/bin/wish"), proc.stdout
