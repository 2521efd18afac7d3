"""The matrix and the library tables (images/images.toml, images/tables/*.toml) read into a `Catalogue`: one `Spec`
per library, table and Python version, each entry checked complete (`load_catalogue`); the constants every part of
the build shares, and `BuildError`, whose text names the failing step and the reason.
"""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
LAYER_ORDER = ("tools", "heavy", "libs")
UNION = "union"
STRICT_ORDER = ("tencent", "aliyun", "jdcloud")
# Where the bootstrap lives in the images: AWS Lambda's place for its runtime, so /opt stays free for layers
RUNTIME_DIR = "/var/runtime"


class BuildError(Exception):
    """A build step failed; str() names the step and the reason."""


@dataclasses.dataclass(frozen=True)
class Spec:
    """One library of one table on one Python version."""
    name: str
    provider: str
    py: str
    layer: str
    listed: bool                 # in the cloud's own table (False: a dependency we pin)
    table: str | None            # version the cloud lists (None: not listed / unversioned)
    version: str | None          # version installed (None: not installable here, see `missing`)
    reason: str = ""
    imports: tuple = ()
    source: str | None = None    # a file of the index to build from instead of NAME==VERSION
    rename: tuple = ()
    copy: tuple = ()
    import_error: str | None = None
    module_version: str | None = None
    missing: str | None = None
    apt: tuple = ()
    build_apt: tuple = ()
    build_requires: tuple = ()   # names of the same table's entries installed before its wheel is built

    @property
    def key(self):
        return normalize(self.name)

    @property
    def deviates(self):
        return bool(self.missing or self.import_error is not None or (self.listed and self.table != self.version)
                    or (self.listed and self.reason))


@dataclasses.dataclass(frozen=True)
class PythonLine:
    """A Python version of the matrix (images.toml [python.pyXY])."""
    py: str                      # "36"
    version: str                 # "3.6"
    official_base: str
    local_suite: str
    default_provider: str
    build_tools: tuple
    build_apt: tuple
    debugger: str                # pip requirement of the debugger installed at RUNTIME_DIR/debugger


@dataclasses.dataclass(frozen=True)
class Catalogue:
    repository: str
    pythons: tuple               # PythonLine, in matrix order
    specs: tuple                 # Spec
    overrides: tuple             # Spec of union.toml (union versions that differ from the provider's)
    known_conflicts: tuple       # dicts: py, tags, dist, requirement, reason
    debian_mirror: str
    images_dir: Path
    system_apt: tuple = ()       # (provider, py, Debian package): a table's `system-apt`, in the final image
    platforms: tuple = ()        # (provider, {"os", "glibc", "source"}): a table's [platform], the cloud's OS

    def platform_of(self, providers):
        """The OS a tag stands for: its provider's, or for a union tag the strictest (oldest glibc) of its tables."""
        known = dict(self.platforms)
        missing = [p for p in providers if p not in known]
        if missing:
            raise BuildError("tables of %s have no [platform] (os, glibc, source)" % ", ".join(missing))
        chosen = min(providers, key=lambda p: [int(x) for x in known[p]["glibc"].split(".")])
        return dict(known[chosen], provider=chosen)

    def apt_of(self, py, providers):
        return tuple(sorted({pkg for provider, line, pkg in self.system_apt if line == py and provider in providers}))

    def python(self, py):
        for line in self.pythons:
            if line.py == py:
                return line
        raise KeyError(py)

    def providers_for(self, py):
        have = {s.provider for s in self.specs if s.py == py}
        return [p for p in STRICT_ORDER if p in have]


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_py(text):
    """'36', '3.6', 'py36' -> '36'."""
    match = re.fullmatch(r"(?:py)?(\d)\.?(\d+)", str(text).strip())
    if not match:
        raise ValueError("not a Python version: %r (use 27, 36 or 37)" % text)
    return match.group(1) + match.group(2)


def load_toml(path):
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise BuildError("%s: %s" % (path, error)) from None


def spec_from_entry(entry, provider, py, raw, path):
    """Turn a table entry and its value for one Python version into a Spec."""
    listed = entry.get("listed", True)
    if isinstance(raw, dict) and "listed" in raw:   # listed by the cloud for this Python version only (or not)
        listed = raw["listed"]
    if isinstance(raw, str):
        raw = {"table": raw} if listed else {"use": raw}
    unknown = set(raw) - {"table", "use", "reason", "source", "rename", "copy", "import-error", "module-version",
                          "missing", "import", "listed"}
    if unknown:
        raise BuildError("%s: %s py%s: unknown keys %s" % (path, entry["name"], py, sorted(unknown)))
    table = raw.get("table")
    version = None if raw.get("missing") else raw.get("use", table)
    if version is None and not raw.get("missing"):
        raise BuildError("%s: %s py%s: no version (give table = or use =)" % (path, entry["name"], py))
    if listed and version != table and not (raw.get("reason") or raw.get("missing")):
        raise BuildError("%s: %s py%s: installs %s instead of the table's %s without a reason"
                         % (path, entry["name"], py, version, table))
    return Spec(
        name=entry["name"], provider=provider, py=py, layer=entry.get("layer", "libs"), listed=listed,
        table=table, version=version, reason=raw.get("reason", entry.get("reason", "")),
        imports=tuple(raw.get("import", entry.get("import", ()))), source=raw.get("source"),
        rename=tuple(tuple(pair) for pair in raw.get("rename", ())),
        copy=tuple(tuple(pair) for pair in raw.get("copy", ())),
        import_error=raw.get("import-error"), module_version=raw.get("module-version", entry.get("module-version")),
        missing=raw.get("missing"), apt=tuple(entry.get("apt", ())), build_apt=tuple(entry.get("build-apt", ())),
        build_requires=tuple(entry.get("build-requires", ())))


def load_table(path, pys):
    data = load_toml(path)
    provider = data.get("provider")
    if not provider:
        raise BuildError("%s: missing top-level 'provider ='" % path)
    specs = []
    for entry in data.get("lib", []):
        if "name" not in entry:
            raise BuildError("%s: a [[lib]] without name" % path)
        if entry.get("layer", "libs") not in LAYER_ORDER:
            raise BuildError("%s: %s: layer must be one of %s" % (path, entry["name"], LAYER_ORDER))
        for py in pys:
            if "py" + py in entry:
                specs.append(spec_from_entry(entry, provider, py, entry["py" + py], path))
    return provider, specs, data


def load_catalogue(images_dir=None):
    """Read images.toml and every table; check that each entry is complete."""
    images_dir = Path(images_dir or ROOT / "images")
    matrix = load_toml(images_dir / "images.toml")
    pythons = []
    for key, line in matrix["python"].items():
        py = parse_py(key)
        pythons.append(PythonLine(
            py=py, version=line["version"], official_base=line["official-base"], local_suite=line["local-suite"],
            default_provider=line["default-provider"], build_tools=tuple(line["build-tools"]),
            build_apt=tuple(line.get("build-apt", ())), debugger=line["debugger"]))
    pys = [line.py for line in pythons]
    specs, overrides, conflicts, system_apt, platforms = [], [], [], [], []
    for path in sorted((images_dir / "tables").glob("*.toml")):
        provider, table_specs, data = load_table(path, pys)
        for conflict in data.get("known-conflict", []):
            conflicts.append(dict(conflict, provider=provider))
        if "platform" in data:
            platform = data["platform"]
            if not (re.fullmatch(r"2\.\d+", str(platform.get("glibc", ""))) and platform.get("os")
                    and platform.get("source")):
                raise BuildError("%s: [platform] needs os, glibc (like \"2.17\") and source" % path)
            platforms.append((provider, dict(platform)))
        for py_key, packages in data.get("system-apt", {}).items():
            system_apt.extend((provider, parse_py(py_key), pkg) for pkg in packages)
        if provider == UNION:
            overrides.extend(table_specs)
        else:
            specs.extend(table_specs)
    seen = {}
    for spec in specs:
        ident = (spec.provider, spec.py, spec.key)
        if ident in seen:
            raise BuildError("%s is listed twice for %s py%s" % (spec.name, spec.provider, spec.py))
        seen[ident] = spec
    return Catalogue(repository=matrix.get("repository", "runtime"), pythons=tuple(pythons), specs=tuple(specs),
                     overrides=tuple(overrides), known_conflicts=tuple(conflicts),
                     debian_mirror=matrix.get("debian-mirror", "http://deb.debian.org/debian"),
                     images_dir=images_dir, system_apt=tuple(system_apt),
                     platforms=tuple(platforms))
