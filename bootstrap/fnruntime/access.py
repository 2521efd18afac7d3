"""Paths of the user's code that exist but the function's user cannot read: told apart from missing ones.

`denied(path)` is None when `path` can be read (or simply does not exist: the callers say so as before), else the
sentence naming the path, that permission was denied for this uid (and its name), and the two fixes: make the code
readable to every user (`chmod -R a+rX`), or run the container as the user who owns it (`docker run -u`). Files
checked out or unpacked with umask 077, and folders owned by another uid, are the usual cause.
"""
from __future__ import absolute_import, division, print_function

import errno
import os


def user():
    """'uid 1000 (function)': who the runtime runs as."""
    uid = os.getuid()
    try:
        import pwd
        return "uid %d (%s)" % (uid, pwd.getpwuid(uid).pw_name)
    except (ImportError, KeyError):
        return "uid %d" % uid


def denied(path, folder=None):
    """The permission problem of `path` (a folder needs read and search, a file read), else None. `folder`: the
    folder to make readable in the fix (default: `path` if a folder, else its parent)."""
    try:
        is_dir = os.path.isdir(path) if os.stat(path) else False
    except OSError as exc:
        if exc.errno != errno.EACCES:
            return None  # missing: the caller's own "does not exist"
        return "%s cannot be reached: permission denied for %s on a folder above it; %s" % (
            path, user(), fixes(folder or os.path.dirname(path)))
    wanted = os.R_OK | os.X_OK if is_dir else os.R_OK
    if os.access(path, wanted):
        return None
    return "%s exists but cannot be read: permission denied for %s; %s" % (
        path, user(), fixes(folder or (path if is_dir else os.path.dirname(path))))


def fixes(folder):
    return ("make it readable to every user (chmod -R a+rX %s) or run the container as its owner "
            "(docker run -u \"$(id -u)\" ...)" % (folder or "."))
