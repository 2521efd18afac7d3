"""A tag's build context: its multi-stage Dockerfile rendered from images/Dockerfile.template (stages that tags share
render identically, so the layer cache builds them once), the wheel and group manifests, images/pip, the bootstrap;
its input hash (the `runtime.input-hash` label), and the context as a deterministic tar.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import string
import tarfile
from pathlib import Path

from .catalogue import ROOT, RUNTIME_DIR, BuildError, load_catalogue, normalize
from .plan import plan


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
