# -*- coding: utf-8 -*-
"""Build-stage helper run inside the image build (CPython 2.7 to 3.x, standard library only).

  pkgtool.py tools REQ...                    install the wheel-building tools (pip, setuptools, wheel) in place
  pkgtool.py wheels GROUP.json WHEELDIR      build or download one wheel per entry of the group (no dependencies)
  pkgtool.py install GROUP.json WHEELDIR PREFIX
                                             install those wheels into PREFIX (later copied onto /usr/local),
                                             apply the entry's package renames/copies, precompile (tests excluded)
  pkgtool.py debugger REQ DIR                the debugger of --debug-port (debugpy) into DIR, without dependencies
Index settings come from INDEX_URL, EXTRA_INDEX_URLS, TRUSTED_HOSTS (space separated) and /build/ca.pem if present.
"""
from __future__ import absolute_import, division, print_function

import compileall
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys

try:  # Python 3
    from html.parser import HTMLParser
    from urllib.parse import urljoin, urldefrag
    from urllib.request import urlopen
except ImportError:  # Python 2
    from HTMLParser import HTMLParser
    from urlparse import urljoin, urldefrag
    from urllib2 import urlopen

CERT = "/build/ca.pem"
SOURCE_DIR = "/build/src"
TEST_DIRS = re.compile(r"[/\\](test|tests|testing[/\\]tests|[A-Za-z0-9]+_tests)[/\\]")


def fail(message):
    """Stop the build step with a message naming what went wrong."""
    sys.stderr.write("pkgtool: ERROR: %s\n" % message)
    sys.exit(1)


def index_options():
    """pip options for the host's package index settings passed into the build."""
    options = []
    index_url = os.environ.get("INDEX_URL", "").strip()
    if index_url:
        options += ["--index-url", index_url]
    for url in os.environ.get("EXTRA_INDEX_URLS", "").split():
        options += ["--extra-index-url", url]
    for host in os.environ.get("TRUSTED_HOSTS", "").split():
        options += ["--trusted-host", host]
    if os.path.isfile(CERT):
        options += ["--cert", CERT]
    return options


def pip(args):
    """Run pip of this interpreter; stop the step if it fails."""
    command = [sys.executable, "-m", "pip", args[0], "--no-cache-dir"] + args[1:]
    print("+ " + " ".join(command))
    sys.stdout.flush()
    if subprocess.call(command) != 0:
        fail("pip failed: %s" % " ".join(args[:1] + [a for a in args if "==" in a or a.endswith((".gz", ".zip"))]))


def load_group(path):
    with open(path) as handle:
        return json.load(handle)


def cmd_tools(requirements):
    pip(["install", "--upgrade", "--no-warn-script-location"] + index_options() + list(requirements))


def cmd_debugger(requirement, target):
    """The debugger (debugpy, no dependencies) into its own folder, which the image keeps beside the runtime."""
    pip(["install", "--no-deps", "--no-compile", "--no-warn-script-location", "--target", target] + index_options()
        + [requirement])


class LinkParser(HTMLParser):
    """Collects the href of every <a> of a PEP 503 simple page."""

    def __init__(self):
        HTMLParser.__init__(self)
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.links.append(value)


def ssl_context():
    if os.path.isfile(CERT):
        return ssl.create_default_context(cafile=CERT)
    return ssl.create_default_context()


def fetch_source(project, filename):
    """Download FILENAME of PROJECT from the configured indexes (PEP 503), checking its sha256 when given."""
    indexes = [os.environ.get("INDEX_URL", "").strip() or "https://pypi.org/simple"]
    indexes += os.environ.get("EXTRA_INDEX_URLS", "").split()
    normalized = re.sub(r"[-_.]+", "-", project).lower()
    for index in indexes:
        page_url = index.rstrip("/") + "/" + normalized + "/"
        try:
            page = urlopen(page_url, context=ssl_context(), timeout=120).read().decode("utf-8", "replace")
        except Exception as error:  # an index without the project: try the next one
            print("pkgtool: %s: %s" % (page_url, error))
            continue
        parser = LinkParser()
        parser.feed(page)
        for link in parser.links:
            url, fragment = urldefrag(urljoin(page_url, link))
            if url.rsplit("/", 1)[-1] != filename:
                continue
            data = urlopen(url, context=ssl_context(), timeout=300).read()
            if fragment.startswith("sha256="):
                digest = hashlib.sha256(data).hexdigest()
                if digest != fragment[len("sha256="):]:
                    fail("%s: sha256 %s does not match the index's %s" % (filename, digest, fragment[7:]))
            if not os.path.isdir(SOURCE_DIR):
                os.makedirs(SOURCE_DIR)
            target = os.path.join(SOURCE_DIR, filename)
            with open(target, "wb") as handle:
                handle.write(data)
            return target
    fail("%s is not listed for %s on %s" % (filename, project, ", ".join(indexes)))


def cmd_wheels(group_path, wheel_dir):
    group = load_group(group_path)
    rounds = []  # pip takes one version of a name per run: a strict and a union version go in separate runs
    for entry in group["entries"]:
        if entry.get("source"):
            target = fetch_source(entry["name"], entry["source"])
        else:
            target = "%s==%s" % (entry["name"], entry["version"])
        name = re.sub(r"[-_.]+", "-", entry["name"]).lower()
        for targets in rounds:
            if name not in targets:
                targets[name] = target
                break
        else:
            rounds.append({name: target})
    # sdists whose setup.py imports a build tool it does not declare (cprotobuf needs Cython): the tool goes into this
    # throw-away stage first, as the cloud's image installs it before the list
    build_requires = sorted(set(req for entry in group["entries"] for req in entry.get("build-requires", [])))
    if build_requires:
        pip(["install", "--no-warn-script-location"] + index_options() + build_requires)
    for targets in rounds:
        pip(["wheel", "--no-deps", "--wheel-dir", wheel_dir] + index_options() + sorted(targets.values()))
    shutil.rmtree(SOURCE_DIR, ignore_errors=True)


def site_packages(prefix):
    return os.path.join(prefix, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")


def dist_info_dir(site, name, version):
    """The .dist-info folder of an installed distribution (names compared as pip normalises them)."""
    wanted = re.sub(r"[-_.]+", "_", name).lower()
    for folder in os.listdir(site):
        if folder.endswith(".dist-info"):
            dist, _, rest = folder[:-len(".dist-info")].partition("-")
            if re.sub(r"[-_.]+", "_", dist).lower() == wanted and rest == version:
                return os.path.join(site, folder)
    fail("no .dist-info for %s %s in %s" % (name, version, site))


def move_or_copy_package(site, entry, source, target, keep_source):
    """Expose package SOURCE also (copy) or only (rename) as TARGET, and say so in the distribution's RECORD."""
    source_dir = os.path.join(site, source)
    if not os.path.isdir(source_dir):
        fail("%s: package %s not found to %s" % (entry["name"], source, "copy" if keep_source else "rename"))
    shutil.copytree(source_dir, os.path.join(site, target))
    if not keep_source:
        shutil.rmtree(source_dir)
    info = dist_info_dir(site, entry["name"], entry["version"])
    record_path = os.path.join(info, "RECORD")
    with open(record_path) as handle:
        lines = handle.read().splitlines()
    moved = [target + "/" + line[len(source) + 1:] for line in lines if line.startswith(source + "/")]
    if not keep_source:
        lines = [line for line in lines if not line.startswith(source + "/")]
    with open(record_path, "w") as handle:
        handle.write("\n".join(lines + moved) + "\n")
    top_level = os.path.join(info, "top_level.txt")
    if os.path.isfile(top_level):
        with open(top_level) as handle:
            names = [n for n in handle.read().split() if keep_source or n != source]
        with open(top_level, "w") as handle:
            handle.write("\n".join(sorted(set(names + [target]))) + "\n")


def cmd_install(group_path, wheel_dir, prefix):
    group = load_group(group_path)
    site = site_packages(prefix)

    def install(entries):
        if entries:
            pip(["install", "--no-index", "--find-links", wheel_dir, "--no-deps", "--ignore-installed",
                 "--no-compile", "--no-warn-script-location", "--prefix", prefix]
                + ["%s==%s" % (entry["name"], entry["version"]) for entry in entries])

    # A distribution whose package is renamed goes in alone first: another one may ship a package of the same
    # name (cos-python-sdk-v5 and qcloud-cos-v4 both ship qcloud_cos), and its files must not mix with this one's.
    for entry in group["entries"]:
        if entry.get("rename"):
            install([entry])
            for source, target in entry["rename"]:
                move_or_copy_package(site, entry, source, target, keep_source=False)
    install([entry for entry in group["entries"] if not entry.get("rename")])
    for entry in group["entries"]:
        for source, target in entry.get("copy", []):
            move_or_copy_package(site, entry, source, target, keep_source=True)
    final_site = site_packages(sys.prefix)
    ok = compileall.compile_dir(site, maxlevels=100, ddir=final_site, rx=TEST_DIRS, quiet=1)
    if not ok:
        print("pkgtool: some files did not compile (kept as source): the cloud's packages ship them so")
    shutil.rmtree(os.path.join(prefix, "share", "man"), ignore_errors=True)


def export_index_settings():
    """Make the index settings reach the pip runs that pip itself starts (build isolation) and setuptools' own
    downloads (setup_requires): those see the environment, not our command-line options."""
    if os.path.isfile(CERT):
        for variable in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            os.environ[variable] = CERT
    if os.environ.get("INDEX_URL", "").strip():
        os.environ["PIP_INDEX_URL"] = os.environ["INDEX_URL"].strip()
    if os.environ.get("EXTRA_INDEX_URLS", "").strip():
        os.environ["PIP_EXTRA_INDEX_URL"] = os.environ["EXTRA_INDEX_URLS"].strip()
    if os.environ.get("TRUSTED_HOSTS", "").strip():
        os.environ["PIP_TRUSTED_HOST"] = os.environ["TRUSTED_HOSTS"].strip()


def main(argv):
    export_index_settings()
    if len(argv) >= 1 and argv[0] == "tools":
        return cmd_tools(argv[1:])
    if len(argv) == 3 and argv[0] == "wheels":
        return cmd_wheels(argv[1], argv[2])
    if len(argv) == 4 and argv[0] == "install":
        return cmd_install(argv[1], argv[2], argv[3])
    if len(argv) == 3 and argv[0] == "debugger":
        return cmd_debugger(argv[1], argv[2])
    fail("usage: pkgtool.py tools REQ... | wheels GROUP.json WHEELDIR | install GROUP.json WHEELDIR PREFIX | "
         "debugger REQ DIR")


if __name__ == "__main__":
    main(sys.argv[1:])
