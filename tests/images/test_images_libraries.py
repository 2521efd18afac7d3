"""Every library of every table imports in every built image at the table's version (deviations included), and
`pip check` reports exactly the conflicts the tables record.

Per tag one container imports all modules and reads all distribution versions (probe.py); each table entry is then
one test: importable (or failing as recorded), installed version == the table's (or the recorded deviation), and a
string `__version__` of its first module equal to it (or to the recorded `module-version`).
"""
import re

import pytest
from packaging.version import Version

from imagekit import image_name, run_in

import build  # noqa: E402 (imagekit puts the repository on sys.path)

pytestmark = pytest.mark.docker

CATALOGUE = build.load_catalogue()
CASES = [(p.tag, s) for p in build.plan(CATALOGUE) for s in p.specs]


def same_version(found, wanted):
    try:
        return Version(found) == Version(wanted)
    except Exception:  # not PEP 440 (e.g. "0.9999999" is, "2017.11.05" is too; keep a plain fallback)
        return found == wanted


@pytest.mark.parametrize("tag,spec", CASES, ids=["%s-%s" % (t, s.name) for t, s in CASES])
def test_library_imports_at_table_version(probe, tag, spec):
    result = probe(tag)
    installed = result["dists"][spec.name]
    imports = [result["imports"][m] for m in spec.imports]
    if spec.missing:
        assert installed is None, "%s should not be installed (%s) but %s is" % (spec.name, spec.missing, installed)
        for module, outcome in zip(spec.imports, imports):
            assert not outcome["ok"], "%s imports although %s is recorded missing" % (module, spec.name)
        return
    assert installed is not None, "%s is not installed in %s" % (spec.name, tag)
    assert same_version(installed, spec.version), "%s: installed %s, table says %s" % (spec.name, installed,
                                                                                       spec.version)
    if spec.import_error is not None:
        for module, outcome in zip(spec.imports, imports):
            assert not outcome["ok"], "%s imports, but the table records that it fails (%s)" % (module, spec.reason)
            assert spec.import_error in outcome["error"], outcome["error"]
        return
    for module, outcome in zip(spec.imports, imports):
        assert outcome["ok"], "import %s failed in %s: %s" % (module, tag, outcome["error"])
    if imports and imports[0]["version"]:
        wanted = spec.module_version or spec.version
        reported = imports[0]["version"].split()[0] if imports[0]["version"].strip() else ""
        # psycopg2 says "2.8.2 (dt dec pq3 ext lo64)": the version is the first word
        assert same_version(reported, wanted), "%s.__version__ is %s, table says %s" % (
            spec.imports[0], imports[0]["version"], wanted)


PIP_CHECK_LINE = re.compile(
    r"^(?P<dist>\S+) \S+ (?:has requirement (?P<req>.+?), but you have .+|requires (?P<missing>\S+), "
    r"which is not installed)\.$")


def expected_conflicts(catalogue, tag_plan):
    installed = {s.key: s for s in tag_plan.specs if s.version}
    expected = set()
    for conflict in catalogue.known_conflicts:
        applies = tag_plan.kind == build.UNION if conflict["provider"] == build.UNION else (
            tag_plan.kind in (conflict["provider"], build.UNION))
        if applies and tag_plan.py in conflict["py"] and build.normalize(conflict["dist"]) in installed:
            expected.add((build.normalize(conflict["dist"]), conflict["requirement"].replace(" ", "").lower()))
    return expected


@pytest.mark.parametrize("tag", [p.tag for p in build.plan(CATALOGUE)])
def test_pip_check_reports_only_recorded_conflicts(current_image, catalogue, plans, tag):
    current_image(tag)
    proc = run_in(image_name(catalogue, tag), ["-m", "pip", "check"], check=False)
    found = set()
    for line in proc.stdout.splitlines():
        if not line.strip() or line.startswith("No broken requirements"):
            continue
        match = PIP_CHECK_LINE.match(line.strip())
        assert match, "unexpected pip check line: %r" % line
        requirement = match.group("req") or match.group("missing")
        found.add((build.normalize(match.group("dist")), requirement.replace(" ", "").lower()))
    expected = expected_conflicts(catalogue, plans[tag])
    assert found == expected, "pip check in %s:\n%s\nnot recorded: %s\nrecorded but not reported: %s" % (
        tag, proc.stdout, sorted(found - expected), sorted(expected - found))
    assert (proc.returncode == 0) == (not expected)


# installed distributions (site-packages; 2.7's standard library carries Python.egg-info and wsgiref.egg-info)
FREEZE = (
    "import json, pkg_resources\n"
    "print('FREEZE ' + json.dumps(dict((d.project_name, d.version) for d in pkg_resources.working_set"
    " if 'site-packages' in (d.location or ''))))\n")


@pytest.mark.parametrize("tag", [p.tag for p in build.plan(CATALOGUE) if p.kind == "aliyun"])
def test_aliyun_strict_images_hold_exactly_fc_dockers_list(current_image, catalogue, plans, tag):
    """Every installed distribution of a strict aliyun image is an entry of aliyun.toml (fc-docker's whole list,
    top-level and transitive, plus the dependencies it leaves unpinned, `listed = false`) or base.toml's tools, at
    the entry's version: nothing more, nothing less, deviations included."""
    current_image(tag)
    proc = run_in(image_name(catalogue, tag), ["-c", FREEZE])
    lines = [l for l in proc.stdout.splitlines() if l.startswith("FREEZE ")]
    assert lines, proc.stdout + proc.stderr
    installed = dict((build.normalize(k), v) for k, v in __import__("json").loads(lines[-1][7:]).items())
    wanted = dict((s.key, s.version) for s in plans[tag].specs if s.version)
    assert sorted(set(installed) - set(wanted)) == [], "installed in %s but not in the tables" % tag
    assert sorted(set(wanted) - set(installed)) == [], "in the tables but not installed in %s" % tag
    wrong = dict((k, (installed[k], wanted[k])) for k in wanted if not same_version(installed[k], wanted[k]))
    assert not wrong, "installed version differs from the table (installed, table): %s" % wrong
    listed = [s for s in plans[tag].specs if s.listed and s.provider == "aliyun"]
    assert len(listed) >= (90 if plans[tag].py == "27" else 80), "fc-docker's list has 97 (2.7) / 82 (3.6) pins"


def test_pyopenssl_on_py36_aliyun_prints_no_cryptography_deprecation_warning(current_image, catalogue):
    """With fc-docker's pins (pyOpenSSL 18.0.0, cryptography 3.2.1) `import OpenSSL` is silent on 3.6, as in the
    cloud; cryptography 40 (the resolver's choice before) warns that Python 3.6 is no longer supported."""
    current_image("py36-aliyun")
    proc = run_in(image_name(catalogue, "py36-aliyun"), ["-W", "always", "-c", "import OpenSSL, cryptography; "
                                                         "print(OpenSSL.__version__, cryptography.__version__)"])
    assert proc.stdout.split() == ["18.0.0", "3.2.1"], proc.stdout
    assert "CryptographyDeprecationWarning" not in proc.stderr, proc.stderr
