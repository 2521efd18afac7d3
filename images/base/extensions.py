# -*- coding: utf-8 -*-
"""Build stage of the local base (CPython 2.7 to 3.x, standard library only): compile extension modules that the
copied CPython prefix lacks from a CPython source tarball, with the prefix's own headers and compiler flags.

  extensions.py RECIPE.json OUTDIR     build the recipe's modules into OUTDIR
  extensions.py --check RECIPE.json    import every module of the recipe's "official" list but its "exceptions"

RECIPE.json (written by build.py from images/extensions.toml): {"source": URL, "sha256": HEX, "modules": [{"name",
"sources", "define", "libraries"}]}. Downloads the tarball (checked against its sha256), extracts Modules/ only,
builds each module with distutils' build_ext (so CC, CFLAGS and LDSHARED are the interpreter's own, as setup.py
would use them), imports it from OUTDIR, and leaves OUTDIR/<name>.so (2.7) or <name>.<SOABI>.so (3.x).
Stops with a message naming the module and the reason on any failure.
"""
from __future__ import absolute_import, print_function

import hashlib
import json
import os
import subprocess
import sys
import tarfile

try:  # Python 3
    from urllib.request import urlopen
except ImportError:  # Python 2
    from urllib2 import urlopen

WORK = "/tmp/extensions"


def fail(message):
    sys.stderr.write("extensions: ERROR: %s\n" % message)
    sys.exit(1)


def download(url, sha256, target):
    print("extensions: downloading %s" % url)
    sys.stdout.flush()
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        response = urlopen(url, timeout=300)
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        fail("%s: sha256 %s, expected %s (images/extensions.toml)" % (url, digest.hexdigest(), sha256))


def extract_modules(archive, target):
    """Extract <top>/Modules/ only; returns the path of the extracted Modules folder."""
    if archive.endswith(".xz") and sys.version_info[0] == 2:
        fail("an .xz source cannot be read by Python 2's tarfile; use a .tar.gz source for 2.7")
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.split("/")[1:2] == ["Modules"]
                   and not m.name.startswith("/") and ".." not in m.name.split("/")]
        if not members:
            fail("%s has no Modules/ folder: not a CPython source tarball" % archive)
        tar.extractall(target, members)
        return os.path.join(target, members[0].name.split("/")[0], "Modules")


SETUP = """
import json, sys
from distutils.core import setup, Extension
spec = json.loads(sys.argv.pop(1))
def native(value):  # 2.7's distutils wants str, json gives unicode
    return [str(v) for v in value] if isinstance(value, list) else str(value)
setup(name=native(spec["name"]), ext_modules=[Extension(
    native(spec["name"]), sources=native(spec["sources"]), include_dirs=native(spec["include_dirs"]),
    define_macros=[(native(name), None) for name in spec["define"]], libraries=native(spec["libraries"]))])
"""


def build(module, modules_dir, out):
    spec = {"name": module["name"], "sources": [os.path.join(modules_dir, s) for s in module["sources"]],
            "include_dirs": [modules_dir], "define": module.get("define", []),
            "libraries": module.get("libraries", [])}
    for source in spec["sources"]:
        if not os.path.isfile(source):
            fail("%s: source %s is not in the tarball" % (module["name"], source))
    command = [sys.executable, "-c", SETUP, json.dumps(spec), "-q", "build_ext", "--build-lib", out,
               "--build-temp", os.path.join(WORK, "build", module["name"])]
    print("extensions: building %s from %s" % (module["name"], ", ".join(module["sources"])))
    sys.stdout.flush()
    if subprocess.call(command, cwd=WORK) != 0:
        fail("%s: compiling failed (see the compiler output above)" % module["name"])


def check(names, out):
    """Import every built module from OUT in a fresh interpreter (catches missing symbols and libraries)."""
    script = "import sys; sys.path.insert(0, %r)\nfor name in %r:\n    __import__(name)\n" % (out, names)
    if subprocess.call([sys.executable, "-c", script]) != 0:
        fail("a built module does not import (see the traceback above)")


def check_official(recipe):
    """The finished base imports every extension module of the official image (but the recorded exceptions)."""
    import importlib
    skip = set(recipe.get("exceptions", []))
    broken = []
    for name in recipe["official"]:
        if name in skip:
            continue
        try:
            importlib.import_module(name)
        except Exception as error:  # ImportError, or OSError of a missing shared library
            broken.append("%s (%s: %s)" % (name, type(error).__name__, error))
    if broken:
        fail("extension modules of the official image missing here: %s" % "; ".join(broken))
    print("extensions: all %d extension modules of the official image import (%d recorded exceptions)"
          % (len(recipe["official"]) - len(skip), len(skip)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        with open(sys.argv[2]) as handle:
            check_official(json.load(handle))
        return
    if len(sys.argv) != 3:
        fail("usage: extensions.py RECIPE.json OUTDIR | extensions.py --check RECIPE.json")
    with open(sys.argv[1]) as handle:
        recipe = json.load(handle)
    out = sys.argv[2]
    for path in (WORK, out):
        if not os.path.isdir(path):
            os.makedirs(path)
    if not recipe.get("modules"):
        print("extensions: nothing to build")
        return
    archive = os.path.join(WORK, os.path.basename(recipe["source"]))
    download(recipe["source"], recipe["sha256"], archive)
    modules_dir = extract_modules(archive, os.path.join(WORK, "src"))
    for module in recipe["modules"]:
        build(module, modules_dir, out)
    check([m["name"] for m in recipe["modules"]], out)
    print("extensions: built %s" % " ".join(sorted(os.listdir(out))))


if __name__ == "__main__":
    main()
