"""Issue 16: under CI a missing host interpreter fails the session, naming it and what to install, instead of letting
a third of the host suites (and the reliability host targets) skip while CI stays green. Runs pytest itself on a small
part of the suite with FNRUNTIME_TEST_PYTHONS pointing one version at a path that does not exist."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSIONS = ("2.7", "3.6", "3.7")
INSTALL = {"2.7": "2.7.18", "3.6": "3.6.15", "3.7": "3.7.16"}


def run_pytest(args, pythons, ci=True):
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("FNRUNTIME_REQUIRE_PYTHONS", None)
    env["FNRUNTIME_TEST_PYTHONS"] = ",".join("%s=%s" % item for item in sorted(pythons.items()))
    if ci:
        env["CI"] = "1"
    else:
        env.pop("CI", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"] + args, cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    return done.returncode, done.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def all_pythons(require_host_python):
    return {version: require_host_python(version) for version in VERSIONS}


@pytest.mark.parametrize("hidden", VERSIONS)
@pytest.mark.parametrize("part", ["tests/bootstrap/test_bootstrap_usage.py",
                                  "tests/reliability/test_races.py"])
def test_one_missing_interpreter_fails_ci_naming_it(all_pythons, tmp_path, hidden, part):
    pythons = dict(all_pythons)
    pythons[hidden] = str(tmp_path / "hidden" / ("python" + hidden))
    status, output = run_pytest(["--collect-only", part], pythons)
    assert status == 4, "CI did not stop with a usage error (pytest exit 4), Python %s missing:\n%s" % (hidden, output)
    assert "Python %s not found" % hidden in output, output
    assert "pyenv install %s" % INSTALL[hidden] in output, output
    assert pythons[hidden] in output, "the message must say where it looked:\n" + output
    others = [v for v in VERSIONS if v != hidden]
    for version in others:
        assert "Python %s not found" % version not in output, output


def test_with_every_interpreter_present_ci_collects(all_pythons):
    status, output = run_pytest(["--collect-only", "tests/bootstrap/test_bootstrap_usage.py",
                                 "tests/reliability/test_races.py"], all_pythons)
    assert status == 0, output
    assert "not found" not in output, output


def test_outside_ci_a_missing_interpreter_is_a_skip_that_says_what_to_install(all_pythons, tmp_path):
    pythons = dict(all_pythons)
    pythons["3.6"] = str(tmp_path / "hidden" / "python3.6")
    status, output = run_pytest(["-rs", "tests/bootstrap/test_bootstrap_usage.py", "-k", "py36 and help"], pythons,
                                ci=False)
    assert status in (0, 5), output
    assert "skipped" in output and "pyenv install 3.6.15" in output, output
