"""The base each Python version builds on: the official python:X.Y-slim when it can be pulled (or one from
--base-registry), else a local base assembled here and announced: Debian by debootstrap plus a CPython prefix
(pyenv's by default) with the extension modules of images/extensions.toml (`choose_base`).
"""
from __future__ import annotations

import dataclasses
import glob
import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .catalogue import BuildError, load_toml
from .engine import image_or_none, run_build

LOCAL_BASE_REPO = "runtime-base/python"
ROOTFS_REPO = "runtime-base/debian"
# Shared libraries a CPython prefix built on Debian bookworm needs at run time (checked: ssl, sqlite3, ctypes,
# zlib, bz2, lzma, readline, curses, uuid work with these), and those of the modules built in the local base's
# `extensions` stage (Berkeley DB and GDBM for dbm) and of _tkinter (Tcl/Tk 8.6: the official images keep them, as
# they keep every library a module of /usr/local links).
LOCAL_BASE_LIBS = ("ca-certificates libssl3 libffi8 libsqlite3-0 zlib1g libbz2-1.0 liblzma5 libreadline8 "
                   "libncursesw6 libtinfo6 libnsl2 libtirpc3 libuuid1 libcrypt1 libexpat1 netbase tzdata "
                   "libdb5.3 libgdbm6 libtcl8.6 libtk8.6")
# -dev packages of the `extensions` stage (bookworm's; OpenSSL 1.1's headers come from bullseye, see the stage)
EXTENSIONS_BUILD_APT = "libdb5.3-dev libgdbm-dev"


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
