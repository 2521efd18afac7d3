"""Issue 16: the built-in library tables of images/tables/ (the one place build.py reads) hold exactly what the seed
documents list, library and version, with every departure recorded as a deviation that carries its reason.

Seed 001 gives Tencent SCF's Python 3 (3.6) and Python 2 (2.7) tables; seed 002 repeats them as one two-column table
(without Markdown on Python 3, with "iniparse | - | 1.0.22" where seed 001 has ipaddress 1.0.22, as tencent.toml's
header records); seed 000 names JD Cloud's boto3 without a version. An entry of a table is either the seed's version (a string) or
`{ table = SEED-VERSION, use = ..., reason = ... }`; a library the seed does not list carries no `table` and a reason.
The seeds sit in ../shared/seeds beside the clone (FNRUNTIME_SEEDS_DIR elsewhere). What they list (names and
versions, no text) is also kept in seed_tables.json beside this file: where the seeds are present the facts are
read from them and must equal that file (so it cannot drift); a clone without them (a CI machine) compares the tables
with the file.
"""
import glob
import json
import os
import re

import pytest
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLES = os.path.join(REPO, "images", "tables")
SEEDS = os.environ.get("FNRUNTIME_SEEDS_DIR") or os.path.join(os.path.dirname(REPO), "shared", "seeds")
FACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_tables.json")
ROW = re.compile(r"^\|(.*)\|?\s*$")
#: Seed 002's second "iniparse" row (no Python 3 version, 2.7: 1.0.22) is seed 001's ipaddress 1.0.22.
SEED_002_ALIASES = {("iniparse", "1.0.22"): "ipaddress"}


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def seed(number):
    """The seed's lines, or None when the seeds are not beside this clone."""
    found = glob.glob(os.path.join(SEEDS, "%03d_*.txt" % number))
    if not found:
        return None
    with open(found[0], encoding="utf-8") as text:
        return text.read().splitlines()


def facts(number, from_seed):
    """What seed `number` lists: read from the seed by `from_seed(lines)` when it is here (and then it must equal
    seed_tables.json), else seed_tables.json's record of it."""
    with open(FACTS, encoding="utf-8") as source:
        recorded = json.load(source)["%03d" % number]
    lines = seed(number)
    if lines is None:
        return recorded
    found = from_seed(lines)
    assert json.loads(json.dumps(found)) == recorded, \
        "seed %03d lists other libraries than %s records: update that file from the seed" % (number, FACTS)
    return found


def markdown_tables(lines):
    """Every table of a document as a list of rows (lists of cell texts), header and separator dropped."""
    tables, current = [], None
    for line in lines:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if current is None:
                current = []
                tables.append(current)
                continue  # the header
            if all(re.match(r"^:?-+:?$", cell) for cell in cells):
                continue
            current.append(cells)
        else:
            current = None
    return tables


def table_from_rows(rows, column):
    """{normalised name: version} from rows, the version in `column`; '-' means not listed. A name twice fails."""
    table = {}
    for row in rows:
        name, version = row[0], row[column] if column < len(row) else ""
        if version in ("-", ""):
            continue
        name = SEED_002_ALIASES.get((name, version), name)
        assert normalise(name) not in table, "%s listed twice" % name
        table[normalise(name)] = version
    return table


def read_seed_001(lines):
    tables = markdown_tables(lines)
    assert len(tables) == 2, "seed 001 should hold the Python 3 table, then the Python 2 table: %d tables" % len(tables)
    return {"py36": table_from_rows(tables[0], 1), "py27": table_from_rows(tables[1], 1)}


def read_seed_002(lines):
    tables = markdown_tables(lines)
    assert len(tables) == 1, "seed 002 should hold one table (Python 3, Python 2 columns): %d" % len(tables)
    return {"py36": table_from_rows(tables[0], 1), "py27": table_from_rows(tables[0], 2)}


def read_seed_000(lines):
    return sorted({normalise(row[0]) for table in markdown_tables(lines) for row in table})


@pytest.fixture(scope="module")
def seed_001():
    return facts(1, read_seed_001)


@pytest.fixture(scope="module")
def seed_002():
    return facts(2, read_seed_002)


def load(provider):
    with open(os.path.join(TABLES, provider + ".toml"), "rb") as source:
        return tomllib.load(source)


def table_entries(providers, key):
    """{normalised name: (name, entry)} of the libraries the tables of `providers` give for `key` (py27, py36)."""
    entries = {}
    for provider in providers:
        for lib in load(provider).get("lib", []):
            if key in lib:
                assert normalise(lib["name"]) not in entries, "%s is in two tables" % lib["name"]
                entries[normalise(lib["name"])] = (lib["name"], lib[key])
    return entries


def listed_version(entry):
    """The seed's version as the table records it: the string, or a deviation's `table`; None when not listed."""
    return entry if isinstance(entry, str) else entry.get("table")


def test_seed_001_tables_have_the_documented_sizes(seed_001):
    assert (len(seed_001["py36"]), len(seed_001["py27"])) == (41, 56), \
        {key: len(value) for key, value in seed_001.items()}


def test_seed_002_agrees_with_seed_001(seed_001, seed_002):
    """Seed 002 gives the same versions; seed 001 is the fuller list (Markdown 2.6.11 on Python 3 only there), so the
    tables follow seed 001."""
    for key in ("py27", "py36"):
        differ = {name: (version, seed_001[key].get(name)) for name, version in seed_002[key].items()
                  if seed_001[key].get(name) != version}
        assert not differ, "seed 002 and seed 001 disagree (%s): %s" % (key, differ)
    only_in_001 = {key: sorted(set(seed_001[key]) - set(seed_002[key])) for key in ("py27", "py36")}
    assert only_in_001 == {"py27": [], "py36": ["markdown"]}, only_in_001


@pytest.mark.parametrize("key", ["py27", "py36"])
def test_tencent_tables_hold_exactly_the_seed_table(seed_001, key):
    """tencent.toml (and base.toml for pip, setuptools and wheel) against seed 001, library by library."""
    entries = table_entries(("tencent", "base"), key)
    recorded = {name: listed_version(entry) for name, (_, entry) in entries.items()
                if listed_version(entry) is not None}
    wrong = {name: (version, recorded.get(name)) for name, version in seed_001[key].items()
             if recorded.get(name) != version}
    assert not wrong, "seed 001 (%s) -> table version differs or missing (seed, table): %s" % (key, wrong)
    extra = sorted(set(recorded) - set(seed_001[key]))
    assert not extra, "the tables claim a seed version for libraries seed 001 does not list (%s): %s" % (key, extra)


@pytest.mark.parametrize("key", ["py27", "py36"])
def test_every_deviation_from_the_seed_is_recorded_with_a_reason(seed_001, key):
    """A library installed at another version than the seed's, or one the seed does not list, or one that is missing,
    says why in the table itself."""
    for name, (label, entry) in table_entries(("tencent", "base"), key).items():
        if isinstance(entry, str):
            continue
        deviates = entry.get("use") not in (None, entry.get("table")) or entry.get("table") is None \
            or "missing" in entry or set(entry) - {"table", "reason"}
        if deviates:
            assert entry.get("reason") or entry.get("missing"), \
                "%s (%s) departs from seed 001 without a reason: %r" % (label, key, entry)
        if entry.get("table") is None and "missing" not in entry:
            assert name not in seed_001[key], "%s (%s) is in seed 001 but its table version is not recorded" \
                % (label, key)


def test_jdcloud_table_has_the_seed_000_library():
    """Seed 000 names boto3 (no version) as JD Cloud's built-in OSS SDK."""
    named = facts(0, read_seed_000)
    assert named == ["boto3"], named
    jdcloud = table_entries(("jdcloud",), "py36")
    assert "boto3" in jdcloud, sorted(jdcloud)
    for key in ("py27", "py36", "py37"):
        entry = table_entries(("jdcloud",), key)["boto3"][1]
        assert isinstance(entry, dict) and entry.get("use") and entry.get("reason"), \
            "seed 000 gives no version: the table must record the one it uses and why (%s): %r" % (key, entry)
