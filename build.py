#!/usr/bin/env python3
"""Build the runtime images (runtime:py27, py36, py37 and the strict per-provider tags) with the Docker SDK.

Reads images/images.toml and the library tables images/tables/*.toml, renders one multi-stage Dockerfile per tag
(stages that tags share render identically, so the layer cache builds them once), picks the base (the official
python:X.Y-slim when it can be pulled, else a local base: debootstrap + a CPython prefix, announced), streams
progress, prints each image's size, and exits non-zero naming the failing step. `python build.py --help`.

This file is the command (its options, the order of the work, the report); each part of the work is a module of
imagebuild/: catalogue.py (the tables), plan.py (what each tag holds), context.py (Dockerfile, build context, input
hash), pipsettings.py (the host pip's index), engine.py (the Docker SDK), bases.py (official or local base). The
names tests and tools use (`build.plan`, `build.input_hashes`, ...) are imported here.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from imagebuild.bases import Base, choose_base, extensions_recipe, registry_base  # noqa: F401
from imagebuild.catalogue import (ROOT, RUNTIME_DIR, STRICT_ORDER, UNION, BuildError, load_catalogue,  # noqa: F401
                                  load_toml, normalize, parse_py)
from imagebuild.context import context_files, input_hash, input_hashes, write_tar  # noqa: F401
from imagebuild.engine import Log, connect, image_or_none, run_build  # noqa: F401
from imagebuild.pipsettings import host_index_settings
from imagebuild.plan import deviations_markdown, plan, strict_plan, union_plan  # noqa: F401


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
