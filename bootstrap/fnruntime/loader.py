"""Finding and loading the user's handler: `file.function`, `dir/file.function`, `pkg.module.function`.

Runs inside the worker. Every failure is a startup error (errors.py) whose message names what was
looked for and what was found instead. Zip packages are unpacked by `unpack_zip` before a worker starts.
"""
from __future__ import absolute_import, division, print_function

import os
import re
import sys

from .access import denied
from .errors import (HandlerNotFound, ImportModuleError, MalformedHandlerName, ShadowedModule, UsageError,
                     UserCodeSyntaxError, safe_str)

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SOURCE_SUFFIXES = (".py", ".pyc", ".so")
#: Standard-library modules the runtime no longer imports before user code on some version (`logging` and what it
#: imports is imported on first use, `ctypes`, `importlib` and `signal`'s enums not at all). Imported first from the
#: standard library when the code directory holds a file or folder of that name, so that, as before, such a file
#: never takes the standard library's place (and a handler named after one is still ShadowedModule).
DEFERRED_STDLIB = ("atexit", "collections", "ctypes", "heapq", "importlib", "io", "keyword", "linecache", "logging",
                   "operator", "signal", "string", "threading", "token", "tokenize", "traceback", "warnings",
                   "weakref", "_weakrefset")


class HandlerName(object):
    """A parsed handler name."""

    def __init__(self, text, subdir, module, function):
        self.text = text
        self.subdir = subdir
        self.module = module
        self.function = function

    @property
    def top(self):
        return self.module.split(".")[0]


def parse_handler(text, wording):
    """HandlerName for `text`, or MalformedHandlerName."""
    def malformed(reason):
        return MalformedHandlerName("%s: %s; expected FILE.FUNCTION, for example %s"
                                    % (wording("malformed", handler=text), reason, wording("example")))
    if not text or "." not in text.rsplit("/", 1)[-1]:
        raise malformed("no '.' between the file and the function name")
    path, function = text.rsplit(".", 1)
    subdir, _, module = path.rpartition("/")
    parts = module.split(".")
    bad = [p for p in parts + [function] if not IDENTIFIER.match(p)]
    if bad:
        raise malformed("%r is not a valid Python name" % bad[0])
    if text.startswith("/") or ".." in subdir.split("/"):
        raise malformed("the directory part %r must be relative to the code directory" % subdir)
    return HandlerName(text, subdir.strip("/") or None, module, function)


def module_exists(directory, module):
    """Whether `module` (dotted) is a file or package under `directory`."""
    base = os.path.join(directory, *module.split("."))
    if os.path.isdir(base):
        return True
    if any(os.path.isfile(base + suffix) for suffix in SOURCE_SUFFIXES):
        return True
    parent = os.path.dirname(base)
    stem = os.path.basename(base) + "."
    try:
        return any(name.startswith(stem) and name.endswith(".so") for name in os.listdir(parent))
    except OSError:
        return False


def unreadable_module(directory, module):
    """The permission problem of the module's file or package (access.denied), else None."""
    base = os.path.join(directory, *module.split("."))
    for path in [base] + [base + suffix for suffix in SOURCE_SUFFIXES]:
        if os.path.isdir(path) or os.path.isfile(path):
            return denied(path, directory)
    return None


def describe_directory(directory, module):
    """'found: a.py, lib/' plus where a file of that name sits deeper, for the not-found message."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return denied(directory) or "the directory %s does not exist" % directory
    shown = [n + ("/" if os.path.isdir(os.path.join(directory, n)) else "") for n in names if not n.startswith(".")]
    text = "found: %s" % (", ".join(shown[:20]) + (", ..." if len(shown) > 20 else "") if shown else "nothing")
    wanted = module.split(".")[-1] + ".py"
    for root, dirs, files in os.walk(directory):
        depth = root[len(directory):].count(os.sep)
        if depth >= 3:
            del dirs[:]
            continue
        if root != directory and wanted in files:
            nested = os.path.relpath(os.path.join(root, wanted), directory)
            text += ("; %s is at %s: the entry file must sit at the root of the code directory or zip package "
                     "(zip the folder's contents, not the folder)" % (wanted, nested))
            break
    return text


def load_handler(code_dir, name, wording, label=None):
    """Import the handler's module from `code_dir` (first on sys.path) and return the function.
    `label` names the code's origin in messages (a zip package) when it is not the directory itself."""
    search_dir = os.path.join(code_dir, name.subdir) if name.subdir else code_dir
    import_shadowed_stdlib(set((code_dir, search_dir)))
    if name.top in sys.modules and module_exists(search_dir, name.top) and not loaded_from(sys.modules[name.top],
                                                                                        search_dir):
        raise ShadowedModule(
            "%s: the handler's module %r has the name of the standard-library module %r, which the runtime has "
            "already loaded, so %s.py can never be imported; rename it (and the handler) to something else, "
            "for example %s_handler.%s" % (wording("import", module=name.module), name.top, name.top, name.top,
                                           name.top, name.function))
    if not module_exists(search_dir, name.module):
        where = label + (" (under %s/)" % name.subdir if name.subdir else "") if label else search_dir
        raise ImportModuleError("%s: no %s.py or %s/ in %s (%s)" % (
            wording("import", module=name.module), name.module.replace(".", "/"), name.module.replace(".", "/"),
            where, describe_directory(search_dir, name.module)))
    unreadable = unreadable_module(search_dir, name.module)
    if unreadable:
        raise ImportModuleError("%s: %s" % (wording("import", module=name.module), unreadable))
    if search_dir not in sys.path:
        sys.path.insert(0, search_dir)
    module = import_user_module(name, wording)
    return find_function(module, name, wording)


def import_shadowed_stdlib(directories):
    """Import the DEFERRED_STDLIB modules named like an entry of `directories` from the standard library, with those
    directories (and the current one) off sys.path meanwhile."""
    names = set()
    for directory in directories:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        names.update(entry.split(".", 1)[0] for entry in entries)
    names = [n for n in DEFERRED_STDLIB if n in names and n not in sys.modules]
    if not names:
        return
    hidden = set(os.path.abspath(d) for d in directories)
    saved = list(sys.path)
    sys.path[:] = [p for p in saved if os.path.abspath(p or ".") not in hidden]
    try:
        for name in names:
            try:
                __import__(name)
            except ImportError:  # not a module of this version's standard library
                pass
    finally:
        sys.path[:] = saved


def loaded_from(module, directory):
    """Whether an already imported module came from `directory` (the user's own, e.g. for the initializer)."""
    path = getattr(module, "__file__", None)
    return bool(path) and os.path.abspath(path).startswith(os.path.abspath(directory) + os.sep)


def import_user_module(name, wording):
    """The module, imported as importlib.import_module would (2.7's is exactly this), without importing importlib."""
    try:
        __import__(name.module)
        return sys.modules[name.module]
    except SyntaxError as exc:
        where = "%s, line %s" % (os.path.basename(exc.filename or "?"), exc.lineno)
        raise UserCodeSyntaxError("%s: %s (%s)" % (wording("syntax", module=name.module), exc.msg, where), exc,
                                  sys.exc_info()[2])
    except ImportError as exc:
        raise ImportModuleError("%s: %s" % (wording("import", module=name.module), safe_str(exc)), exc,
                                sys.exc_info()[2])
    except Exception as exc:
        raise ImportModuleError(wording("raised", module=name.module, type=type(exc).__name__, detail=safe_str(exc)),
                                exc, sys.exc_info()[2])


def find_function(module, name, wording):
    function = getattr(module, name.function, None)
    if function is None:
        defined = sorted(k for k, v in vars(module).items()
                         if callable(v) and not k.startswith("_") and getattr(v, "__module__", None) == module.__name__)
        raise HandlerNotFound("%s; it defines: %s" % (
            wording("missing", function=name.function, module=name.module),
            ", ".join(defined) if defined else "no functions"))
    if not callable(function):
        raise HandlerNotFound("%s; %r is a %s, not a function" % (
            wording("missing", function=name.function, module=name.module), name.function, type(function).__name__))
    return function


def unpack_zip(path):
    """Unpack a zip package into a private directory and return it. UsageError (exit 2, no traceback) when `path` is
    not a zip archive, cannot be read, or names a member outside the package directory (zip slip)."""
    import shutil
    import tempfile
    import zipfile
    target = tempfile.mkdtemp(prefix="fnruntime-code-")
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                resolved = os.path.realpath(os.path.join(target, member))
                if not resolved.startswith(os.path.realpath(target) + os.sep) and resolved != os.path.realpath(target):
                    raise zipfile.BadZipfile("member %r would unpack outside the package directory" % member)
            archive.extractall(target)
    except (zipfile.BadZipfile, zipfile.LargeZipFile, EnvironmentError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError("zip package %r is not usable: %s; a zip package must be a zip archive (zip -r) of the "
                         "code's folder contents, with the entry file at its root and no member outside it"
                         % (path, reason))
    return target
