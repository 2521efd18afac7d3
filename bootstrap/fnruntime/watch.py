"""`--watch` / FUNCTION_WATCH=1 in the serve modes: the code folder's files (path, mtime, size, inode) snapshotted,
and compared again before each invocation; a change retires the warm worker, so the next invocation starts cold
from the files as they are now, with a log line naming what changed. Standard library only (Python 2.7 to 3.x).

    watch = CodeWatch("/var/task")
    changed = watch.changed()      # [] or the relative paths added, removed or modified since the last call
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


def describe(paths, limit=5):
    """`index.py` / `index.py, lib/util.py and 3 more`."""
    shown = ", ".join(paths[:limit])
    return shown + (" and %d more" % (len(paths) - limit) if len(paths) > limit else "")
