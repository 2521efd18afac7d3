# -*- coding: utf-8 -*-
"""Run inside an image (CPython 2.7 to 3.x): import modules and read installed distribution versions.

argv[1] is JSON {"imports": [module, ...], "dists": [name, ...]}; prints one line "PROBE-RESULT <json>" with, per
module, whether it imported, its __version__ (when a string) or the error, and per distribution its version (or null).
"""
from __future__ import absolute_import, print_function

import importlib
import json
import sys

try:
    STRING_TYPES = (str, unicode)  # noqa: F821 (Python 2)
except NameError:
    STRING_TYPES = (str,)


def probe_import(name):
    try:
        module = importlib.import_module(name)
    except BaseException as error:  # SyntaxError, ImportError, OSError of a missing C library...
        return {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
    version = getattr(module, "__version__", None)
    return {"ok": True, "version": version if isinstance(version, STRING_TYPES) else None,
            "file": getattr(module, "__file__", None)}


def probe_dist(name):
    import pkg_resources
    try:
        return pkg_resources.get_distribution(name).version
    except pkg_resources.DistributionNotFound:
        return None


def main():
    request = json.loads(sys.argv[1])
    result = {"imports": dict((name, probe_import(name)) for name in request["imports"]),
              "dists": dict((name, probe_dist(name)) for name in request["dists"])}
    sys.stdout.write("PROBE-RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
