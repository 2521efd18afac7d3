"""`--watch` / FUNCTION_WATCH=1 in the serve modes: the code folder's files (path, mtime, size, inode) snapshotted,
and compared again before each invocation; a change retires the warm worker, so the next invocation starts cold
from the files as they are now, with a log line naming what changed. With a zip package (`--zip`) the zip file itself
is watched, and after a change unpacked afresh into a new folder, which the next cold start runs from (`refresh`).
Standard library only (Python 2.7 to 3.x).

    watch = CodeWatch("/var/task")       # or ZipWatch("/path/code.zip", the folder it was unpacked into)
    changed = watch.changed()      # [] or the relative paths added, removed or modified since the last call
    code_dir, problem = watch.refresh()  # after a change: the folder to run from, or why the new code cannot be run
"""
from __future__ import absolute_import, division, print_function

import os

#: Folders never looked into (bytecode caches, version control, Node's dependencies).
SKIPPED_DIRS = frozenset(("__pycache__", ".git", ".hg", ".svn", "node_modules", ".mypy_cache", ".pytest_cache"))
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swx", "~")


class CodeWatch(object):
    def __init__(self, root):
        self.root = root
        self.snapshot = self.scan()

    def scan(self):
        files = {}
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
            for name in names:
                if name.endswith(SKIPPED_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:  # removed while looking
                    continue
                files[path] = (getattr(st, "st_mtime_ns", st.st_mtime), st.st_size, st.st_ino)
        return files

    def changed(self):
        """The files (relative to the root) added, removed or modified since the last snapshot; [] when none."""
        current = self.scan()
        if current == self.snapshot:
            return []
        previous, self.snapshot = self.snapshot, current
        paths = set(p for p in current if previous.get(p) != current[p]) | set(p for p in previous if p not in current)
        return sorted(os.path.relpath(p, self.root) for p in paths)

    def refresh(self):
        """A folder's changes are there already: (the folder, None)."""
        return self.root, None

    def close(self):
        pass


class ZipWatch(object):
    """A zip package: the file (mtime, size, inode) compared before each invocation; `refresh` unpacks a changed one
    into a new folder (the folders it made are removed by `close`; the first one belongs to its Supervisor)."""

    def __init__(self, path, code_dir):
        self.path = path
        self.code_dir = code_dir
        self.made = []
        self.snapshot = self.scan()

    def scan(self):
        try:
            st = os.stat(self.path)
        except OSError:  # being replaced, or removed
            return None
        return getattr(st, "st_mtime_ns", st.st_mtime), st.st_size, st.st_ino

    def changed(self):
        current = self.scan()
        if current == self.snapshot:
            return []
        self.snapshot = current
        return [os.path.basename(self.path)]

    def refresh(self):
        """(the folder the changed zip was unpacked into, None), or (the folder in use, why the zip cannot be used:
        half written, removed...; the next change is tried again)."""
        from .errors import UsageError
        from .loader import unpack_zip
        try:
            code_dir = unpack_zip(self.path)
        except UsageError as exc:
            return self.code_dir, str(exc)
        self.made.append(code_dir)
        self.code_dir = code_dir
        return code_dir, None

    def close(self):
        import shutil
        for folder in self.made:
            shutil.rmtree(folder, ignore_errors=True)


def describe(paths, limit=5):
    """`index.py` / `index.py, lib/util.py and 3 more`."""
    shown = ", ".join(paths[:limit])
    return shown + (" and %d more" % (len(paths) - limit) if len(paths) > limit else "")
