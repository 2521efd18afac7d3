"""build.py itself: plan and filters (--dry-run), layer reuse on a second build, rebuild of only the layers that
depend on a changed table entry (temporary copy of images/, temporary repository: the real tags are untouched),
and a failing step named in the output with a non-zero exit.
"""
import json
import shutil
import uuid

import pytest

from imagekit import build_cli

import build  # noqa: E402 (imagekit puts the repository on sys.path)

CATALOGUE = build.load_catalogue()


def test_dry_run_prints_every_tag_of_the_contract():
    proc = build_cli("--dry-run")
    assert proc.returncode == 0, proc.stdout
    tags = [line.split()[0] for line in proc.stdout.splitlines() if line.startswith("runtime:")]
    assert sorted(tags) == sorted(["runtime:py27", "runtime:py36", "runtime:py37", "runtime:py27-tencent",
                                   "runtime:py36-tencent", "runtime:py27-aliyun", "runtime:py36-aliyun",
                                   "runtime:py27-jdcloud", "runtime:py36-jdcloud", "runtime:py37-jdcloud"])
    assert "layer tencent-heavy" in proc.stdout and "tensorflow==1.9.0" in proc.stdout


def test_filters_select_python_version_and_provider():
    proc = build_cli("--dry-run", "--py", "36", "--provider", "aliyun", "union")
    tags = [line.split()[0] for line in proc.stdout.splitlines() if line.startswith("runtime:")]
    assert tags == ["runtime:py36", "runtime:py36-aliyun"]
    proc = build_cli("--dry-run", "--py", "2.7")
    tags = [line.split()[0] for line in proc.stdout.splitlines() if line.startswith("runtime:")]
    assert tags == ["runtime:py27-tencent", "runtime:py27", "runtime:py27-aliyun", "runtime:py27-jdcloud"]


def test_bad_arguments_name_the_problem():
    proc = build_cli("--py", "38", "--dry-run")
    assert proc.returncode == 1 and "unknown Python version 38" in proc.stdout
    proc = build_cli("--provider", "aws", "--dry-run")
    assert proc.returncode == 2 and "unknown provider aws" in proc.stdout


def test_union_keeps_the_seed_tables_versions():
    union = {s.key: s for s in build.union_plan(CATALOGUE, "36").specs}
    tencent = {s.key: s for s in build.strict_plan(CATALOGUE, "36", "tencent").specs}
    aliyun = {s.key: s for s in build.strict_plan(CATALOGUE, "36", "aliyun").specs}
    for key, spec in tencent.items():
        assert union[key].version == spec.version, key
    assert aliyun["numpy"].version == "1.13.3" and union["numpy"].version == "1.15.0"
    assert union["oss2"].version == aliyun["oss2"].version
    assert "boto3" in union and "jdcloud-wsgi-wrapper" in union


def test_mirror_settings_are_http_only(monkeypatch, tmp_path):
    cert = tmp_path / "ca.pem"
    cert.write_text("not really a certificate\n")
    config = tmp_path / "pip.conf"
    config.write_text("[global]\nindex-url = https://mirror.example/simple\n"
                      "extra-index-url = file:///opt/local https://extra.example/simple\ncert = %s\n" % cert)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    for variable in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT"):
        monkeypatch.delenv(variable, raising=False)
    settings = build.host_index_settings()
    assert settings.index_url == "https://mirror.example/simple"
    assert settings.extra_index_urls == ("https://extra.example/simple",)
    assert settings.dropped == ("file:///opt/local",)
    assert settings.cert == str(cert)


def report_of(tmp_path, name, *args):
    report = tmp_path / ("%s.json" % name)
    proc = build_cli(*(list(args) + ["--json-report", str(report)]))
    assert proc.returncode == 0, proc.stdout[-6000:]
    return {row["image"]: row for row in json.loads(report.read_text())}, proc.stdout


@pytest.mark.slow
@pytest.mark.docker
def test_second_build_reuses_every_layer(tmp_path, current_image):
    current_image("py37-jdcloud")
    first, _ = report_of(tmp_path, "first", "--tag", "py37-jdcloud")
    second, output = report_of(tmp_path, "second", "--tag", "py37-jdcloud")
    row = second["runtime:py37-jdcloud"]
    assert row["steps_run"] == [], "steps rebuilt on the second build: %s" % row["steps_run"]
    assert row["id"] == first["runtime:py37-jdcloud"]["id"]
    assert row["steps"] > 15
    assert "runtime:py37-jdcloud" in output and " MB " in output


@pytest.mark.slow
@pytest.mark.docker
def test_changed_entry_rebuilds_only_dependent_layers(tmp_path, current_image, docker_client):
    """One light library of Tencent's 3.6 table changes: the tensorflow layer is reused, the library layer is not.
    The image before the change is built here from the same copy of images/ (all of it from the cache after `make
    build`, unless other suites removed images and with them the builder's cached steps), so that the second build
    is compared with the build it follows, whatever the image store went through before."""
    current_image("py36-tencent")
    images = tmp_path / "images"
    shutil.copytree(build.ROOT / "images", images)
    table = images / "tables" / "tencent.toml"
    text = table.read_text()
    marker = '[[lib]]\nname = "PyMySQL"\nimport = ["pymysql"]\npy27 = "0.9.3"\npy36 = "0.9.3"\n'
    assert marker in text
    repository = "runtime-test-%s" % uuid.uuid4().hex[:8]
    try:
        before, _ = report_of(tmp_path, "before", "--tag", "py36-tencent", "--images-dir", str(images),
                              "--repository", repository + "-before")
        original = docker_client.images.get(before["%s-before:py36-tencent" % repository]["id"])
        table.write_text(text.replace(marker, marker.replace('py36 = "0.9.3"', 'py36 = "0.9.2"')))
        rows, output = report_of(tmp_path, "changed", "--tag", "py36-tencent", "--images-dir", str(images),
                                 "--repository", repository)
        row = rows["%s:py36-tencent" % repository]
        stages_run = {step[0] for step in row["steps_run"]}
        assert not stages_run & {"wheels-tencent-heavy", "group-tencent-heavy", "wheels-tools", "group-tools"}
        assert "buildenv" not in stages_run and "pybase" not in stages_run
        heavy = layers_after_step(docker_client, row, "COPY --from=group-tencent-heavy")
        libs = layers_after_step(docker_client, row, "COPY --from=group-tencent-libs")
        old_layers = original.attrs["RootFS"]["Layers"]
        new_layers = docker_client.images.get(row["id"]).attrs["RootFS"]["Layers"]
        assert new_layers[:len(heavy)] == old_layers[:len(heavy)] == heavy, "the tensorflow layer was rebuilt"
        assert new_layers[len(libs) - 1] != old_layers[len(libs) - 1], "the changed library's layer was reused"
        inside = docker_client.containers.run(row["id"], ["-c", "import pymysql; print(pymysql.VERSION)"],
                                              entrypoint=["python"], remove=True).decode()
        assert "(0, 9, 2" in inside
    finally:
        for name in (repository, repository + "-before"):
            for image in docker_client.images.list(name=name):
                for tag in image.tags:  # the "before" image may be runtime:py36-tencent itself: its own tags only
                    if tag.startswith(name + ":"):
                        docker_client.images.remove(tag)


def layers_after_step(client, row, instruction):
    """RootFS layers of the intermediate image the builder made at the step starting with INSTRUCTION."""
    for stage, text, cached, image_id in row["step_images"]:
        if stage == "image" and text.startswith(instruction):
            return client.images.get(image_id).attrs["RootFS"]["Layers"]
    raise AssertionError("no step %r in the report" % instruction)


@pytest.mark.slow
@pytest.mark.docker
def test_failing_step_is_named_and_exit_is_non_zero(tmp_path, current_image):
    current_image("py37-jdcloud")
    images = tmp_path / "images"
    shutil.copytree(build.ROOT / "images", images)
    table = images / "tables" / "jdcloud.toml"
    table.write_text(table.read_text().replace('py37 = "0.3.7"', 'py37 = "99.0.0"'))
    proc = build_cli("--tag", "py37-jdcloud", "--images-dir", str(images), "--repository",
                     "runtime-test-%s" % uuid.uuid4().hex[:8])
    assert proc.returncode == 1, proc.stdout[-3000:]
    failure = proc.stdout[proc.stdout.index("build.py: FAILED"):]
    assert "wheels-jdcloud-libs" in failure and "pkgtool.py wheels" in failure
    assert "s3transfer==99.0.0" in failure


def test_readme_shows_the_deviation_table_of_the_tables():
    """The README's images section carries the deviation table exactly as the tables produce it."""
    readme = (build.ROOT / "README.md").read_text()
    start = readme.index("<!-- section:images")
    section = readme[start:readme.index("<!-- /section:images -->", start)]
    missing = [line for line in build.deviations_markdown(CATALOGUE).splitlines()
               if line.strip() and line not in section]
    assert not missing, "README images section is out of date (python build.py --print-deviations):\n%s" % (
        "\n".join(missing[:10]))
