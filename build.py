#!/usr/bin/env python3
"""Build the runtime images (runtime:py27, py36, py37 and the strict per-provider tags) with the Docker SDK.

Reads images/images.toml and the library tables images/tables/*.toml, renders one multi-stage Dockerfile per tag
(stages that tags share render identically, so the layer cache builds them once), picks the base (the official
python:X.Y-slim when it can be pulled, else a local base: debootstrap + a CPython prefix, announced), streams
progress, prints each image's size, and exits non-zero naming the failing step. `python build.py --help`.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import configparser
import dataclasses
import glob
import hashlib
import io
import json
import os
import re
import string
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
LAYER_ORDER = ("tools", "heavy", "libs")
UNION = "union"
STRICT_ORDER = ("tencent", "aliyun", "jdcloud")
LOCAL_BASE_REPO = "runtime-base/python"
ROOTFS_REPO = "runtime-base/debian"
# Where the bootstrap lives in the images: AWS Lambda's place for its runtime, so /opt stays free for layers
RUNTIME_DIR = "/var/runtime"
# Shared libraries a CPython prefix built on Debian bookworm needs at run time (checked: ssl, sqlite3, ctypes,
# zlib, bz2, lzma, readline, curses, uuid work with these), and those of the modules built in the local base's
# `extensions` stage (Berkeley DB and GDBM for dbm) and of _tkinter (Tcl/Tk 8.6: the official images keep them, as
# they keep every library a module of /usr/local links).
LOCAL_BASE_LIBS = ("ca-certificates libssl3 libffi8 libsqlite3-0 zlib1g libbz2-1.0 liblzma5 libreadline8 "
                   "libncursesw6 libtinfo6 libnsl2 libtirpc3 libuuid1 libcrypt1 libexpat1 netbase tzdata "
                   "libdb5.3 libgdbm6 libtcl8.6 libtk8.6")
# -dev packages of the `extensions` stage (bookworm's; OpenSSL 1.1's headers come from bullseye, see the stage)
EXTENSIONS_BUILD_APT = "libdb5.3-dev libgdbm-dev"


class BuildError(Exception):
    """A build step failed; str() names the step and the reason."""


# ----------------------------------------------------------------------------------------------- catalogue


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


# ------------------------------------------------------------------------------------------------------ plan


@dataclasses.dataclass(frozen=True)
class Group:
    """Libraries installed together into one layer (one build stage); their wheels come from stage wheels-SOURCE."""
    name: str
    specs: tuple
    source: str = "tools"

    @property
    def apt(self):
        return tuple(sorted({pkg for spec in self.specs for pkg in spec.apt}))

    def manifest(self):
        """What the build stage installs: only fields that change the layer (not the reasons)."""
        entries = []
        for spec in sorted(self.specs, key=lambda s: s.key):
            entry = {"name": spec.name, "version": spec.version}
            if spec.source:
                entry["source"] = spec.source
            if spec.rename:
                entry["rename"] = [list(pair) for pair in spec.rename]
            if spec.copy:
                entry["copy"] = [list(pair) for pair in spec.copy]
            entries.append(entry)
        return json.dumps({"group": self.name, "entries": entries}, indent=1, sort_keys=True) + "\n"


@dataclasses.dataclass(frozen=True)
class TagPlan:
    tag: str                     # "py36-tencent"
    py: str
    kind: str                    # provider name, or "union"
    provider: str                # FUNCTION_PROVIDER default
    groups: tuple                # Group, in layer order
    specs: tuple                 # every Spec the tag promises (installed or recorded missing)
    apt: tuple = ()              # Debian packages of the final image (the tables' system-apt)
    platform: tuple = ()         # sorted items of the cloud OS it stands for (Catalogue.platform_of)

    @property
    def os(self):
        return dict(self.platform)

    def image(self, repository):
        return "%s:%s" % (repository, self.tag)


def groups_of(specs, prefix, provider=None):
    """One group per layer; the wheels of a provider's layer are built in one stage for its strict and union tags."""
    groups = []
    for layer in LAYER_ORDER:
        members = tuple(s for s in specs if s.layer == layer and s.version)
        if members:
            if layer == "tools":
                groups.append(Group(name="tools", specs=members, source="tools"))
            else:
                groups.append(Group(name="%s-%s" % (prefix, layer), specs=members,
                                    source="%s-%s" % (provider or prefix, layer)))
    return groups


def strict_plan(cat, py, provider):
    tools = [s for s in cat.specs if s.py == py and s.layer == "tools"]
    own = [s for s in cat.specs if s.py == py and s.provider == provider and s.layer != "tools"]
    groups = groups_of(tools, "tools") + groups_of(own, provider, provider)
    return TagPlan(tag="py%s-%s" % (py, provider), py=py, kind=provider, provider=provider,
                   groups=tuple(groups), specs=tuple(tools + own), apt=cat.apt_of(py, [provider]),
                   platform=tuple(sorted(cat.platform_of([provider]).items())))


def union_plan(cat, py):
    """Union of the tables of PY: the first provider's groups as they are, then what the others add."""
    providers = cat.providers_for(py)
    overrides = {s.key: s for s in cat.overrides if s.py == py}
    tools = [s for s in cat.specs if s.py == py and s.layer == "tools"]
    seen = {s.key for s in tools}
    groups = groups_of(tools, "tools")
    promised = list(tools)
    for index, provider in enumerate(providers):
        own = [s for s in cat.specs if s.py == py and s.provider == provider and s.layer != "tools"]
        if index == 0:
            added = own
        else:
            added = []
            for spec in own:
                if spec.key in seen:
                    continue
                override = overrides.get(spec.key)
                added.append(dataclasses.replace(spec, version=override.version, reason=override.reason,
                                                 missing=override.missing) if override else spec)
        seen.update(s.key for s in added)
        promised.extend(added)
        groups += groups_of(added, provider if index == 0 else "union-" + provider, provider)
    unused = set(overrides) - seen
    if unused:
        raise BuildError("union.toml overrides %s for py%s, which no table of py%s lists" % (sorted(unused), py, py))
    line = cat.python(py)
    return TagPlan(tag="py%s" % py, py=py, kind=UNION, provider=line.default_provider, groups=tuple(groups),
                   specs=tuple(promised), apt=cat.apt_of(py, providers),
                   platform=tuple(sorted(cat.platform_of(providers).items())))


def plan(cat, pys=None, providers=None, tags=None):
    """Every tag of the matrix, filtered by Python version, provider ('union' for the union tags) and tag."""
    plans = []
    for line in cat.pythons:
        if pys and line.py not in pys:
            continue
        candidates = [strict_plan(cat, line.py, p) for p in cat.providers_for(line.py)]
        candidates.insert(1 if candidates and candidates[0].provider == line.default_provider else 0,
                          union_plan(cat, line.py))
        for tag_plan in candidates:
            if providers and tag_plan.kind not in providers:
                continue
            if tags and tag_plan.tag not in tags:
                continue
            plans.append(tag_plan)
    return plans


# ------------------------------------------------------------------------------------------- Dockerfile + context


def template_fragments(images_dir):
    text = (Path(images_dir) / "Dockerfile.template").read_text()
    fragments, name = {}, None
    for line in text.splitlines(keepends=True):
        match = re.match(r"#@ fragment (\w+)", line)
        if match:
            name = match.group(1)
            fragments[name] = ""
        elif name:
            fragments[name] += line
    missing = {"head", "wheels", "group", "image"} - set(fragments)
    if missing:
        raise BuildError("Dockerfile.template lacks fragments %s" % sorted(missing))
    return {k: string.Template(v) for k, v in fragments.items()}


def apt_install_line(packages):
    """A RUN line installing Debian packages; 'a|b' picks the first that the base's release has."""
    alternatives = " ".join('"%s"' % p for p in packages)
    return ("RUN set -eu; apt-get update -qq; pkgs=; for alt in %s; do pick=; "
            "for p in $(echo \"$alt\" | tr '|' ' '); do if apt-cache show \"$p\" >/dev/null 2>&1; then pick=$p; "
            "break; fi; done; [ -n \"$pick\" ] || { echo \"none of $alt in this Debian release\" >&2; exit 1; }; "
            "pkgs=\"$pkgs $pick\"; done; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
            "--no-install-recommends $pkgs >/dev/null; rm -rf /var/lib/apt/lists/*" % alternatives)


def build_apt_for(cat, py):
    """Build dependencies of every table of PY: one buildenv per Python version, shared by all its tags."""
    line = cat.python(py)
    packages = set(line.build_apt)
    for spec in cat.specs:
        if spec.py == py:
            packages.update(spec.build_apt)
    return sorted(packages)


def wheel_manifests(cat, py):
    """{wheel stage: manifest} for PY: each stage builds every wheel that any tag of PY takes from it, so the strict
    and the union tags of a provider share one compile of its libraries."""
    wanted = {}
    pins = {(s.provider, s.key): s for s in cat.specs if s.py == py and s.version}
    for tag_plan in plan(cat, [py]):
        for group in tag_plan.groups:
            for spec in group.specs:
                entry = {"name": spec.name, "version": spec.version}
                if spec.source:
                    entry["source"] = spec.source
                if spec.build_requires:
                    needed = [pins.get((spec.provider, normalize(name))) for name in spec.build_requires]
                    if None in needed:
                        raise BuildError("%s py%s: build-requires %s, which the %s table does not pin for py%s"
                                         % (spec.name, py, list(spec.build_requires), spec.provider, py))
                    entry["build-requires"] = ["%s==%s" % (n.name, n.version) for n in needed]
                wanted.setdefault(group.source, {})[(spec.key, spec.version)] = entry
    return {source: json.dumps({"wheels": source, "entries": [entries[k] for k in sorted(entries)]},
                               indent=1, sort_keys=True) + "\n"
            for source, entries in wanted.items()}


def render_dockerfile(cat, tag_plan):
    fragments = template_fragments(cat.images_dir)
    line = cat.python(tag_plan.py)
    parts = [fragments["head"].substitute(
        python_version=line.version, build_apt=" ".join(build_apt_for(cat, tag_plan.py)),
        build_tools=" ".join(line.build_tools))]
    sources = []
    for group in tag_plan.groups:
        if group.source not in sources:
            sources.append(group.source)
            parts.append(fragments["wheels"].substitute(source=group.source))
    copies = [apt_install_line(tag_plan.apt)] if tag_plan.apt else []
    for group in tag_plan.groups:
        parts.append(fragments["group"].substitute(group=group.name, source=group.source))
        if group.apt:
            copies.append(apt_install_line(group.apt))
        copies.append("COPY --from=group-%s /staging/ /usr/local/" % group.name)
    parts.append(fragments["image"].substitute(group_copies="\n".join(copies), provider=tag_plan.provider,
                                               runtime_dir=RUNTIME_DIR, debugger=line.debugger))
    return "".join(parts)


def bootstrap_files(bootstrap_dir):
    files = {}
    bootstrap_dir = Path(bootstrap_dir)
    for path in sorted(bootstrap_dir.rglob("*")):
        # not what a host's Python left there: bytecode, and the egg-info of `pip install -e .` (make venv)
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo") and \
                not any(part.endswith(".egg-info") for part in path.parts):
            files["bootstrap/" + path.relative_to(bootstrap_dir).as_posix()] = path.read_bytes()
    return files


def pip_files(cat, tag_plan):
    """images/pip/: PEP 600's _manylinux for the glibc of the tag's cloud, its activation hook and .pth file."""
    platform = tag_plan.os
    major, minor = platform["glibc"].split(".")
    files = {}
    for path in sorted((cat.images_dir / "pip").iterdir()):
        if path.is_file() and path.suffix in (".py", ".pth"):
            text = path.read_text()
            if path.name == "_manylinux.py":
                text = string.Template(text).substitute(glibc_major=major, glibc_minor=minor, glibc=platform["glibc"],
                                                        os=platform["os"])
            files["pip/" + path.name] = text.encode()
    return files


def context_files(cat, tag_plan, bootstrap_dir):
    """Every file of the tag's build context except the host certificate, as {path: bytes}."""
    files = {"Dockerfile": render_dockerfile(cat, tag_plan).encode(),
             "build/pkgtool.py": (cat.images_dir / "pkgtool.py").read_bytes()}
    files.update(pip_files(cat, tag_plan))
    manifests = wheel_manifests(cat, tag_plan.py)
    for group in tag_plan.groups:
        files["groups/%s.json" % group.name] = group.manifest().encode()
        files["wheels/%s.json" % group.source] = manifests[group.source].encode()
    files.update(bootstrap_files(bootstrap_dir))
    return files


def input_hash(files):
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + hashlib.sha256(files[path]).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def input_hashes(images_dir=None, bootstrap_dir=None, pys=None, providers=None):
    """{image tag: input hash} for the current source: what runtime.input-hash labels must say."""
    cat = load_catalogue(images_dir)
    bootstrap_dir = bootstrap_dir or ROOT / "bootstrap"
    return {p.tag: input_hash(context_files(cat, p, bootstrap_dir)) for p in plan(cat, pys, providers)}


def write_tar(files, target, modes=None):
    """A build context tar (deterministic: fixed owner and time)."""
    with tarfile.open(fileobj=target, mode="w") as archive:
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size = len(files[path])
            info.mode = (modes or {}).get(path, 0o644)
            info.mtime = 0
            archive.addfile(info, io.BytesIO(files[path]))
    target.seek(0)
    return target


# ------------------------------------------------------------------------------------------ host pip settings


@dataclasses.dataclass(frozen=True)
class IndexSettings:
    index_url: str
    extra_index_urls: tuple
    trusted_hosts: tuple
    cert: str | None
    dropped: tuple               # settings not passed (file:// and other non-http URLs)


def pip_config_values():
    """pip's own view of its configuration (files and PIP_* variables), as {'global.index-url': value}."""
    values = {}
    config_files = ["/etc/pip.conf", "/etc/xdg/pip/pip.conf", os.path.expanduser("~/.pip/pip.conf"),
                    os.path.expanduser("~/.config/pip/pip.conf")]
    if os.environ.get("PIP_CONFIG_FILE"):
        config_files.append(os.environ["PIP_CONFIG_FILE"])
    for path in config_files:
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except configparser.Error:
            continue
        for section in ("global", "install", "download", "wheel"):
            if parser.has_section(section):
                for key, value in parser.items(section):
                    values[key] = value
    for variable, value in os.environ.items():
        if variable.startswith("PIP_"):
            values[variable[4:].lower().replace("_", "-")] = value
    return values


def host_index_settings(index_url=None, cert=None, use_host=True):
    values = pip_config_values() if use_host else {}
    dropped = []

    def http_only(urls):
        kept = []
        for url in urls:
            if re.match(r"https?://", url):
                kept.append(url)
            elif url:
                dropped.append(url)
        return kept

    index = http_only([index_url or values.get("index-url", "https://pypi.org/simple")]) or ["https://pypi.org/simple"]
    extra = http_only(values.get("extra-index-url", "").split())
    hosts = tuple(values.get("trusted-host", "").split())
    cert = cert or values.get("cert") or None
    if cert and not os.path.isfile(cert):
        raise BuildError("certificate bundle %s (pip's 'cert' setting) does not exist; pass --cert FILE" % cert)
    return IndexSettings(index_url=index[0], extra_index_urls=tuple(extra), trusted_hosts=hosts, cert=cert,
                         dropped=tuple(dropped))


# --------------------------------------------------------------------------------------------------- output


class Log:
    """Progress printer: one line per build step, all output with --verbose, the failing step's tail always."""

    def __init__(self, verbose=False, stream=sys.stdout):
        self.verbose = verbose
        self.stream = stream

    def say(self, text=""):
        print(text, file=self.stream, flush=True)

    def banner(self, text):
        self.say("\n" + "=" * 8 + " " + text)

    def loud(self, text):
        bar = "!" * 100
        self.say("\n%s\n!! %s\n%s" % (bar, text.replace("\n", "\n!! "), bar))


# --------------------------------------------------------------------------------------------------- docker


def connect():
    try:
        import docker
    except ImportError:
        raise BuildError("the Docker SDK for Python is missing: pip install docker") from None
    try:
        client = docker.from_env(version="auto", timeout=600)
        client.ping()
    except Exception as error:
        raise BuildError("no Docker engine answers (%s); start one: scripts/docker-engine.sh up" % error) from None
    return client


def image_or_none(client, name):
    import docker
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None


@dataclasses.dataclass
class BuildResult:
    image_id: str = ""
    steps: list = dataclasses.field(default_factory=list)  # [stage, instruction, cached, resulting image id]
    seconds: float = 0.0


def run_build(client, log, what, fileobj, tag, buildargs=None, labels=None, nocache=False):
    """Build from a context tar, streaming progress. Raises BuildError naming the failing step."""
    started = time.monotonic()
    result = BuildResult()
    stage, step, tail = "", "", []
    step_started = started
    stream = client.api.build(fileobj=fileobj, custom_context=True, tag=tag, buildargs=buildargs or {},
                              labels=labels or {}, rm=True, forcerm=True, decode=True, pull=False,
                              nocache=nocache)
    for chunk in stream:
        if "error" in chunk:
            detail = "\n".join(tail[-30:])
            raise BuildError("%s: step failed: %s [stage %s]\n%s\n-> %s"
                             % (what, step or "(before the first step)", stage or "-", detail,
                                chunk["error"].strip()))
        text = chunk.get("stream", "")
        for line in text.splitlines():
            match = re.match(r"Step (\d+)/(\d+) : (.*)", line)
            if match:
                if step:
                    log.say("      %5.1fs" % (time.monotonic() - step_started))
                step, step_started, tail = line, time.monotonic(), []
                from_match = re.match(r"FROM \S+(?: (?:AS|as) (\S+))?", match.group(3))
                if from_match:
                    stage = from_match.group(1) or stage
                log.say("[%s] %s" % (what, line[:160]))
                result.steps.append([stage, match.group(3), None, None])
            elif line.strip() == "---> Using cache":
                if result.steps:
                    result.steps[-1][2] = True
                log.say("[%s]   (cached)" % what)
            elif line.strip().startswith("---> Running in"):
                if result.steps:
                    result.steps[-1][2] = False
            elif re.fullmatch(r" ---> [0-9a-f]{12}", line):
                if result.steps:
                    result.steps[-1][3] = line.split()[-1]
            elif line.strip():
                tail.append(line)
                if log.verbose:
                    log.say("[%s]     %s" % (what, line))
        if "aux" in chunk and "ID" in chunk["aux"]:
            result.image_id = chunk["aux"]["ID"]
    for entry in result.steps:
        if entry[2] is None:      # FROM, and metadata steps the builder does not run a container for
            entry[2] = True if not re.match(r"(RUN|COPY|ADD) ", entry[1]) else False
    if not result.image_id:
        image = image_or_none(client, tag)
        result.image_id = image.id if image else ""
    result.seconds = time.monotonic() - started
    return result


# ------------------------------------------------------------------------------------------------------ bases


@dataclasses.dataclass(frozen=True)
class Base:
    image: str                   # what FROM uses
    kind: str                    # "official" or "local"
    python_version: str          # full, e.g. 3.6.15


def python_version_of(client, image_name):
    image = client.images.get(image_name)
    for item in image.attrs["Config"].get("Env") or []:
        if item.startswith("PYTHON_VERSION="):
            return item.split("=", 1)[1]
    output = client.containers.run(image_name, ["python", "-c", "import platform; print(platform.python_version())"],
                                   remove=True, entrypoint=[])
    return output.decode().strip()


def split_reference(name):
    """'127.0.0.1:5000/python:3.6-slim' -> ('127.0.0.1:5000/python', '3.6-slim'): the tag is after the last colon of
    the last path part (a registry's port is not a tag); no tag -> 'latest'."""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1:]
    return name, "latest"


def pull_official(client, log, name):
    repo, tag = split_reference(name)
    log.say("base: trying to pull %s" % name)
    try:
        for chunk in client.api.pull(repo, tag, stream=True, decode=True):
            if "error" in chunk:
                raise RuntimeError(chunk["error"])
            if chunk.get("status", "").startswith(("Digest", "Status")):
                log.say("base:   %s" % chunk["status"])
        return True, ""
    except Exception as error:
        return False, str(error).strip().splitlines()[0][:300]


def find_prefix(line, given):
    """The CPython prefix for a local base: --python-prefix, else pyenv's newest X.Y.* ."""
    if given:
        prefix = Path(given).expanduser()
        if not (prefix / "bin" / ("python" + line.version)).exists():
            raise BuildError("--python-prefix %s has no bin/python%s" % (prefix, line.version))
        return prefix
    roots = [os.environ.get("PYENV_ROOT", ""), os.path.expanduser("~/.pyenv")]
    candidates = []
    for root in filter(None, roots):
        for path in glob.glob(os.path.join(root, "versions", line.version + ".*")):
            if re.fullmatch(re.escape(line.version) + r"\.\d+", os.path.basename(path)):
                candidates.append(Path(path))
    if not candidates:
        raise BuildError(
            "no registry and no CPython %s prefix: install one (pyenv install %s.x) or pass "
            "--python-prefix %s=/path/to/prefix" % (line.version, line.version, line.py))
    return max(candidates, key=lambda p: [int(x) for x in p.name.split(".")])


def prefix_version(prefix, line):
    headers = glob.glob(str(prefix / "include" / ("python" + line.version + "*") / "patchlevel.h"))
    for header in headers:
        match = re.search(r'#define PY_VERSION\s+"([^"]+)"', Path(header).read_text(errors="replace"))
        if match:
            return match.group(1)
    raise BuildError("%s: no include/python%s*/patchlevel.h (not a CPython prefix?)" % (prefix, line.version))


def extensions_recipe(cat, line):
    """The local base's extension-module recipe for LINE (images/extensions.toml), as the build stage reads it."""
    data = load_toml(cat.images_dir / "extensions.toml")
    section = data.get("py" + line.py)
    if not section or "official" not in section:
        raise BuildError("images/extensions.toml: no [py%s] official = [...] list" % line.py)
    local = section.get("local", {})
    modules = []
    for name in local.get("build", []):
        definition = data.get("extension", {}).get(name)
        if not definition:
            raise BuildError("images/extensions.toml: py%s builds %s, which has no [extension.%s]"
                             % (line.py, name, name))
        modules.append(dict(definition, name=name))
    if modules and not (local.get("source") and local.get("sha256")):
        raise BuildError("images/extensions.toml: [py%s.local] builds modules but names no source and sha256"
                         % line.py)
    return {"source": local.get("source"), "sha256": local.get("sha256"), "openssl": local.get("openssl", ""),
            "modules": modules, "official": section["official"],
            "exceptions": [entry["module"] for entry in section.get("exceptions", [])]}


def prefix_context(prefix, line, dockerfile, target, extra=None):
    """Tar the prefix as python/..., without tests, static libraries and .pth hooks, with /usr/local paths;
    EXTRA {name: bytes} are added beside the Dockerfile."""
    old = str(prefix).encode()
    stdlib = "lib/python%s/" % line.version
    skip_dirs = re.compile(r"(^|/)(test|tests|idle_test|__pycache__/.*_sandboxing.*)(/|$)")
    with tarfile.open(fileobj=target, mode="w") as archive:
        for name, data in [("Dockerfile", dockerfile)] + sorted((extra or {}).items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            archive.addfile(info, io.BytesIO(data))
        for path in sorted(prefix.rglob("*")):
            rel = path.relative_to(prefix).as_posix()
            if rel.startswith(stdlib) and skip_dirs.search(rel[len(stdlib):]):
                continue
            if rel.startswith("share/man") or path.suffix == ".a" or (
                    rel.startswith(stdlib + "site-packages/") and path.suffix == ".pth"):
                continue
            if "_sandboxing" in path.name:
                continue
            info = archive.gettarinfo(str(path), "python/" + rel)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isfile() and info.size < 4 << 20 and needs_rewrite(rel, stdlib):
                data = path.read_bytes()
                if b"\0" not in data and old in data:
                    data = data.replace(old, b"/usr/local")
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                    continue
            if info.isfile():
                with open(path, "rb") as handle:
                    archive.addfile(info, handle)
            else:
                archive.addfile(info)
    target.seek(0)
    return target


def needs_rewrite(rel, stdlib):
    return (rel.startswith("bin/") or rel.startswith("lib/pkgconfig/")
            or re.match(re.escape(stdlib) + r"(_sysconfigdata.*\.py|config-[^/]*/.*)$", rel) is not None)


def ensure_rootfs(client, log, cat, suite, fresh=""):
    """runtime-base/debian:SUITE from debootstrap (once; reused while the recipe is unchanged)."""
    script = cat.images_dir / "base" / "debian-rootfs.sh"
    recipe = hashlib.sha256(script.read_bytes() + suite.encode() + cat.debian_mirror.encode()).hexdigest()[:16]
    name = "%s:%s%s" % (ROOTFS_REPO, suite, "-fresh" if fresh else "")
    image = image_or_none(client, name)
    labels = (image.labels or {}) if image else {}
    if image and labels.get("runtime.rootfs-recipe") == recipe and (
            not fresh or labels.get("runtime.rootfs-run") == fresh):
        log.say("base: reusing %s (debootstrap %s, recipe %s)" % (name, suite, recipe))
        return name
    log.say("base: debootstrap --variant=minbase %s from %s (about a minute)" % (suite, cat.debian_mirror))
    with tempfile.TemporaryDirectory(prefix="rootfs-") as tmp:
        tar_path = os.path.join(tmp, "rootfs.tar")
        proc = subprocess.Popen(["sh", str(script), suite, cat.debian_mirror, tar_path], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        tail = []
        for text in proc.stdout:
            tail = (tail + [text.rstrip()])[-40:]
            if log.verbose or text.startswith("I: Retrieving Release") or text.startswith("I: Base system"):
                log.say("base:   " + text.rstrip())
        if proc.wait() != 0:
            raise BuildError("local base: step 'debootstrap %s' failed (exit %d):\n%s"
                             % (suite, proc.returncode, "\n".join(tail)))
        client.api.import_image_from_file(tar_path, repository=ROOTFS_REPO, tag=name.split(":", 1)[1],
                                          changes=["LABEL runtime.rootfs-recipe=%s" % recipe,
                                                   "LABEL runtime.rootfs-run=%s" % (fresh or "-")])
    log.say("base: imported %s" % name)
    return name


def ensure_local_base(client, log, cat, line, prefix_arg, rootfs_lock, fresh=""):
    """runtime-base/python:X.Y.Z-SUITE; FRESH (the --no-cache salt) redoes it, and the rootfs once per run."""
    prefix = find_prefix(line, prefix_arg)
    version = prefix_version(prefix, line)
    with rootfs_lock:  # one debootstrap for all Python versions built side by side
        rootfs = ensure_rootfs(client, log, cat, line.local_suite, fresh)
    # --no-cache builds its own base next to the usual one, so the usual images keep their cache
    name = "%s:%s-%s%s" % (LOCAL_BASE_REPO, version, line.local_suite, "-fresh" if fresh else "")
    log.say("base: assembling %s from %s (CPython %s) on %s" % (name, prefix, version, rootfs))
    with tempfile.TemporaryFile() as context:
        recipe = extensions_recipe(cat, line)
        prefix_context(prefix, line, (cat.images_dir / "base" / "Dockerfile.python").read_bytes(), context, extra={
            "extensions.py": (cat.images_dir / "base" / "extensions.py").read_bytes(),
            "extensions.json": (json.dumps(recipe, indent=1, sort_keys=True) + "\n").encode()})
        try:
            run_build(client, log, "base py%s" % line.py, context, name,
                      buildargs={"ROOTFS_IMAGE": rootfs, "PYTHON_VERSION": version,
                                 "PYTHON_MM": line.version, "RUNTIME_LIBS": LOCAL_BASE_LIBS,
                                 "EXT_BUILD_APT": EXTENSIONS_BUILD_APT if recipe["modules"] else "",
                                 "EXT_OPENSSL": recipe["openssl"], "DEBIAN_MIRROR": cat.debian_mirror},
                      nocache=bool(fresh))
        except BuildError as error:
            raise BuildError("local base %s: %s" % (name, error)) from None
    return Base(image=name, kind="local", python_version=version)


def registry_base(registry, official_base):
    """The official base's name in another registry: 127.0.0.1:5000 + python:3.6-slim -> 127.0.0.1:5000/python:3.6-slim
    (an official image's Docker Hub name, library/python, is `python` in a mirror or a registry of one's own)."""
    return "%s/%s" % (registry.rstrip("/"), official_base)


def choose_base(client, log, cat, line, options, rootfs_lock):
    prefix_arg = options.prefixes.get(line.py)
    if options.base_registry:
        name = registry_base(options.base_registry, line.official_base)
        pulled, error = pull_official(client, log, name)
        if not pulled:
            raise BuildError("base py%s: cannot pull %s from --base-registry %s (%s); publish a python:%s-slim "
                             "compatible image there as %s, or drop --base-registry"
                             % (line.py, name, options.base_registry, error, line.version, name))
        return Base(image=name, kind="registry", python_version=python_version_of(client, name))
    if not options.local_base and not prefix_arg:
        pulled, error = pull_official(client, log, line.official_base)
        if pulled or image_or_none(client, line.official_base):
            if not pulled:
                log.say("base: pull failed (%s); using the copy of %s already here" % (error, line.official_base))
            return Base(image=line.official_base, kind="official",
                        python_version=python_version_of(client, line.official_base))
        log.loud("NO REGISTRY: cannot pull %s (%s).\nBuilding on a LOCAL BASE instead: Debian %s (debootstrap) + "
                 "a CPython %s prefix from this machine. Images built this way are labelled runtime.base=local."
                 % (line.official_base, error, line.local_suite, line.version))
    else:
        log.loud("LOCAL BASE requested (%s): Debian %s (debootstrap) + CPython %s prefix %s"
                 % ("--python-prefix" if prefix_arg else "--local-base", line.local_suite, line.version,
                    prefix_arg or "from pyenv"))
    return ensure_local_base(client, log, cat, line, prefix_arg, rootfs_lock, fresh=options.cache_salt)


# ------------------------------------------------------------------------------------------------------ build


def build_tag(client, log, cat, tag_plan, base, settings, options):
    files = context_files(cat, tag_plan, options.bootstrap_dir)
    digest = input_hash(files)
    if settings.cert:
        files = dict(files)
        files["build/ca.pem"] = Path(settings.cert).read_bytes()
    labels = {"runtime.python-version": base.python_version, "runtime.provider": tag_plan.provider,
              "runtime.input-hash": digest, "runtime.base": "%s (%s)" % (base.image, base.kind),
              "runtime.tables": tag_plan.kind,
              "runtime.bootstrap": RUNTIME_DIR + "/bootstrap.py",
              "runtime.os": "%s (glibc %s)" % (tag_plan.os["os"], tag_plan.os["glibc"])}
    buildargs = {"BASE_IMAGE": base.image, "INDEX_URL": settings.index_url,
                 "EXTRA_INDEX_URLS": " ".join(settings.extra_index_urls),
                 "TRUSTED_HOSTS": " ".join(settings.trusted_hosts), "CACHE_SALT": options.cache_salt}
    name = tag_plan.image(options.repository)
    with tempfile.TemporaryFile() as context:
        write_tar(files, context)
        result = run_build(client, log, name, context, name, buildargs=buildargs, labels=labels)
    return result, digest


def human_size(size):
    return "%.0f MB" % (size / 1e6)


def report(client, log, built, options, started):
    log.banner("images")
    rows = []
    for name, tag_plan, base, result, digest in built:
        image = client.images.get(name)
        ran = [s for s in result.steps if not s[2]]
        rows.append({"image": name, "size": image.attrs["Size"], "python": base.python_version,
                     "provider": tag_plan.provider, "base": base.kind, "id": image.id, "input_hash": digest,
                     "seconds": round(result.seconds, 1), "steps": len(result.steps), "steps_run": ran,
                     "step_images": result.steps})
        log.say("%-24s %8s  Python %-8s provider %-8s base %-8s %4d steps, %3d run, %6.1fs"
                % (name, human_size(image.attrs["Size"]), base.python_version, tag_plan.provider, base.kind,
                   len(result.steps), len(ran), result.seconds))
    log.say("total %.1fs" % (time.monotonic() - started))
    if options.json_report:
        Path(options.json_report).write_text(json.dumps(rows, indent=1))


def print_plan(cat, plans, options, settings):
    bootstrap_dir = options.bootstrap_dir
    for tag_plan in plans:
        line = cat.python(tag_plan.py)
        files = context_files(cat, tag_plan, bootstrap_dir)
        print("%s  (Python %s, FUNCTION_PROVIDER=%s, tables: %s)" % (
            tag_plan.image(options.repository), line.version, tag_plan.provider, tag_plan.kind))
        if options.base_registry:
            print("  base: %s (--base-registry)" % registry_base(options.base_registry, line.official_base))
        else:
            print("  base: %s if it can be pulled, else local Debian %s + CPython %s prefix"
                  % (line.official_base, line.local_suite, line.version))
        print("  input hash: %s" % input_hash(files))
        print("  stands for %s (glibc %s): pip takes manylinux wheels up to manylinux_%s"
              % (tag_plan.os["os"], tag_plan.os["glibc"], tag_plan.os["glibc"].replace(".", "_")))
        if tag_plan.apt:
            print("  system packages (Debian): %s" % " ".join(tag_plan.apt))
        for group in tag_plan.groups:
            apt = " (+ Debian %s)" % " ".join(group.apt) if group.apt else ""
            print("  layer %-22s %3d libraries%s: %s" % (group.name, len(group.specs), apt,
                                                        " ".join("%s==%s" % (s.name, s.version)
                                                                 for s in sorted(group.specs, key=lambda s: s.key))))
        for spec in tag_plan.specs:
            if spec.missing:
                print("  not installed: %s (%s)" % (spec.name, spec.missing))
        if options.show_dockerfile:
            print(files["Dockerfile"].decode())
    print("index: %s%s; certificate: %s" % (settings.index_url, "".join(" + " + u for u in settings.extra_index_urls),
                                           settings.cert or "none"))
    if settings.dropped:
        print("not passed to the build (not http/https): %s" % " ".join(settings.dropped))


def deviations_markdown(cat):
    """The README's deviation table and known pip-check conflicts, from the tables (one source of truth)."""
    rows = {}
    for spec in list(cat.specs) + list(cat.overrides):
        if not (spec.deviates or spec.provider == UNION):
            continue
        installed = "not installed" if spec.missing else spec.version
        if spec.import_error is not None:
            installed += " (does not import)"
        table = "union image" if spec.provider == UNION else spec.provider
        key = (table, spec.name, spec.table or "—", installed, spec.missing or spec.reason)
        rows.setdefault(key, []).append(spec.py)
    lines = ["| Python | table | library | table's version | installed | why |", "|---|---|---|---|---|---|"]
    order = {name: i for i, name in enumerate(["base"] + list(STRICT_ORDER) + ["union image"])}
    for key in sorted(rows, key=lambda k: (order.get(k[0], 9), normalize(k[1]), rows[k])):
        table, name, listed, installed, why = key
        pys = ", ".join(cat.python(py).version for py in sorted(rows[key]))
        lines.append("| %s | %s | %s | %s | %s | %s |" % (pys, table, name, listed, installed, why.replace("|", "/")))
    lines += ["", "Known `pip check` conflicts (the tests expect exactly these):", ""]
    for conflict in cat.known_conflicts:
        where = "union images" if conflict["provider"] == UNION else "%s and union images" % conflict["provider"]
        lines.append("- %s requires %s (Python %s, %s): %s" % (
            conflict["dist"], conflict["requirement"], ", ".join(cat.python(p).version for p in conflict["py"]),
            where, conflict["reason"]))
    return "\n".join(lines) + "\n"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Build the runtime images from images/*.toml with the Docker SDK for Python.",
        epilog="Without a reachable registry the base is assembled locally (debootstrap + a CPython prefix, "
               "pyenv's by default) and the output says so. Host pip settings (index URL, extra http(s) indexes, "
               "trusted hosts, certificate bundle) reach only the wheel-building stages.")
    parser.add_argument("--py", nargs="*", default=[], help="Python versions to build: 27 36 37 (default: all)")
    parser.add_argument("--provider", nargs="*", default=[],
                        help="tencent, aliyun, jdcloud (strict tags) and/or union (runtime:pyXY); default: all")
    parser.add_argument("--tag", nargs="*", default=[], help="only these tags, e.g. py36-tencent")
    parser.add_argument("--dry-run", action="store_true", help="print the plan (tags, layers, hashes) and stop")
    parser.add_argument("--show-dockerfile", action="store_true", help="with --dry-run: print each Dockerfile")
    parser.add_argument("--local-base", action="store_true", help="do not try the registry: build on a local base")
    parser.add_argument("--base-registry", metavar="HOST[:PORT]",
                        help="pull the base python:X.Y-slim from this registry (a mirror, or one of yours such as "
                             "127.0.0.1:5000) as HOST:PORT/python:X.Y-slim instead of from Docker Hub; no local base "
                             "if it fails")
    parser.add_argument("--python-prefix", action="append", default=[], metavar="PY=PATH",
                        help="CPython prefix for the local base of PY, e.g. 36=/opt/python3.6 (implies local base)")
    parser.add_argument("--index-url", help="package index for the build (default: the host pip's, else PyPI)")
    parser.add_argument("--cert", help="CA bundle for the index (default: the host pip's 'cert' setting)")
    parser.add_argument("--ignore-host-pip-config", action="store_true", help="do not read the host's pip settings")
    parser.add_argument("--repository", help="image repository (default: images.toml's, 'runtime')")
    parser.add_argument("--images-dir", default=str(ROOT / "images"), help="tables and templates (default: images/)")
    parser.add_argument("--bootstrap-dir", default=str(ROOT / "bootstrap"),
                        help="runtime source copied to %s" % RUNTIME_DIR)
    parser.add_argument("--json-report", help="write per-image results (size, steps run) to this JSON file")
    parser.add_argument("--print-hashes", action="store_true", help="print {tag: input hash} as JSON and stop")
    parser.add_argument("--print-deviations", action="store_true",
                        help="print the deviation table (Markdown, as in the README) and stop")
    parser.add_argument("--no-cache", action="store_true",
                        help="reuse no layer built before this run (the local base is redone too): the time of a "
                             "build from an empty cache; layers built in this run are still shared between tags")
    parser.add_argument("--jobs", type=int, default=0,
                        help="Python versions built side by side (default: one per CPU, at most one per version)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every line of build output")
    options = parser.parse_args(argv)
    options.cache_salt = os.urandom(8).hex() if options.no_cache else ""
    try:
        options.py = [parse_py(p) for value in options.py for p in value.replace(",", " ").split()]
        options.prefixes = {}
        for item in options.python_prefix:
            key, sep, path = item.partition("=")
            if not sep:
                raise ValueError("--python-prefix wants PY=PATH, got %r" % item)
            options.prefixes[parse_py(key)] = path
    except ValueError as error:
        parser.error(str(error))
    if options.base_registry and (options.local_base or options.prefixes):
        parser.error("--base-registry pulls the base from a registry; --local-base and --python-prefix assemble it "
                     "here: give one or the other")
    if options.base_registry is not None and not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?(/[a-z0-9._/-]+)?",
                                                              options.base_registry):
        parser.error("--base-registry wants HOST[:PORT][/PATH] such as 127.0.0.1:5000 or mirror.example.com/library, "
                     "got %r" % options.base_registry)
    known = set(STRICT_ORDER) | {UNION}
    bad = [p for p in options.provider if p not in known]
    if bad:
        parser.error("unknown provider %s (use %s)" % (", ".join(bad), ", ".join(sorted(known))))
    return options


def build_version(client, log, cat, line, line_plans, settings, options, shared):
    """Base and tags of one Python version, in order (tags share its layers); stops early if another version failed."""
    log.banner("Python %s: base" % line.version)
    base = choose_base(client, log, cat, line, options, shared["rootfs"])
    log.say("base py%s: %s (%s, Python %s)" % (line.py, base.image, base.kind, base.python_version))
    built = []
    for tag_plan in line_plans:
        if shared["stop"].is_set():
            raise BuildError("%s: not built (another Python version failed)" % tag_plan.image(options.repository))
        name = tag_plan.image(options.repository)
        log.banner("%s (%d layers of libraries)" % (name, len(tag_plan.groups)))
        result, digest = build_tag(client, log, cat, tag_plan, base, settings, options)
        built.append((name, tag_plan, base, result, digest))
    return built


def main(argv=None):
    options = parse_args(sys.argv[1:] if argv is None else argv)
    log = Log(verbose=options.verbose)
    started = time.monotonic()
    try:
        cat = load_catalogue(options.images_dir)
        options.repository = options.repository or cat.repository
        known_pys = [line.py for line in cat.pythons]
        unknown = [p for p in options.py if p not in known_pys]
        if unknown:
            raise BuildError("unknown Python version %s (the matrix has %s)" % (", ".join(unknown), " ".join(known_pys)))
        plans = plan(cat, options.py, options.provider, options.tag)
        if not plans:
            raise BuildError("no image matches --py %s --provider %s --tag %s"
                             % (options.py, options.provider, options.tag))
        if options.print_deviations:
            print(deviations_markdown(cat), end="")
            return 0
        if options.print_hashes:
            print(json.dumps({p.tag: input_hash(context_files(cat, p, options.bootstrap_dir)) for p in plans},
                             indent=1))
            return 0
        settings = host_index_settings(options.index_url, options.cert, not options.ignore_host_pip_config)
        if options.dry_run:
            print_plan(cat, plans, options, settings)
            return 0
        if not (Path(options.bootstrap_dir) / "bootstrap.py").is_file():
            log.loud("%s/bootstrap.py is missing: the images build, but their entrypoint will fail"
                     % options.bootstrap_dir)
        client = connect()
        log.say("docker: engine %s, API %s; index %s, certificate %s%s" % (
            client.version().get("Version"), client.api.api_version, settings.index_url, settings.cert or "none",
            "; not passed (not http/https): " + " ".join(settings.dropped) if settings.dropped else ""))
        versions = [line for line in cat.pythons if any(p.py == line.py for p in plans)]
        jobs = max(1, min(options.jobs or os.cpu_count() or 1, len(versions)))
        if jobs > 1:
            log.say("building %d Python versions, %d at a time (--jobs)" % (len(versions), jobs))
        shared = {"rootfs": threading.Lock(), "stop": threading.Event()}
        built, failures = [], []
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(build_version, client, log, cat, line, [p for p in plans if p.py == line.py],
                                   settings, options, shared) for line in versions]
            for future in futures:
                try:
                    built.extend(future.result())
                except BuildError as error:
                    shared["stop"].set()
                    failures.append(str(error))
        if failures:
            raise BuildError("\n\n".join(failures))
        report(client, log, built, options, started)
        return 0
    except BuildError as error:
        log.say("\nbuild.py: FAILED: %s" % error)
        return 1
    except KeyboardInterrupt:
        log.say("\nbuild.py: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
