"""Helper modules share one import namespace: pytest puts each test folder (they have no __init__.py) first on
sys.path, and tests/bench puts bench/ there too, so two helper modules of one name in two of those folders hide each
other: whichever is imported first is the one every later `import NAME` gets (session 8: bench/targets.py and
tests/reliability/targets.py broke CI's collection). This keeps every such name unique."""
import collections
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def flat_folders():
    """The folders whose modules are imported by bare name: bench/, and every folder of tests/ that holds tests (the
    functions and projects the tests run live in other folders and are loaded by the runtime, not imported)."""
    yield os.path.join(ROOT, "bench")
    for folder, dirs, files in os.walk(os.path.join(ROOT, "tests")):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        if any(name.startswith("test_") and name.endswith(".py") or name == "conftest.py" for name in files):
            yield folder


def test_no_two_helper_modules_share_a_name():
    places = collections.defaultdict(list)
    for folder in flat_folders():
        for name in os.listdir(folder):
            if name.endswith(".py") and name != "conftest.py" and not name.startswith("test_"):
                places[name[:-3]].append(os.path.relpath(os.path.join(folder, name), ROOT))
    shared = dict((name, paths) for name, paths in places.items() if len(paths) > 1)
    assert not shared, "helper modules of one name hide each other on sys.path: %s; rename one of each" % shared


def test_the_check_sees_the_folders_it_guards():
    folders = [os.path.relpath(f, ROOT) for f in flat_folders()]
    assert "bench" in folders and os.path.join("tests", "reliability") in folders
