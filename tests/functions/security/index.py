"""Probes what the function's user may do in the image: who it runs as and which paths it can write.

`handler` returns {"uid", "euid", "gid", "groups", "user", "writes": {path: "written" | "denied (ERRNO)"}} for a new
file in the code directory, in /var/task, in /var/runtime and its package, an append to the bootstrap's own files,
a new file in the interpreter's site-packages, and a new file in /tmp (the only one that must succeed).
"""
import errno
import os
import pwd
import sys
import sysconfig

CODE_DIR = os.path.dirname(os.path.abspath(__file__))


def try_write(path, mode="w"):
    try:
        with open(path, mode) as handle:
            handle.write("")
    except (IOError, OSError) as exc:
        return "denied (%s)" % errno.errorcode.get(exc.errno, exc.errno)
    if mode == "w":
        os.remove(path)
    return "written"


def handler(event, context):
    marker = "probe-%d" % os.getpid()
    targets = [
        (os.path.join(CODE_DIR, marker), "w"),
        (os.path.join("/var/task", marker), "w"),
        (os.path.join("/var/runtime", marker), "w"),
        (os.path.join("/var/runtime/fnruntime", marker), "w"),
        ("/var/runtime/bootstrap.py", "a"),
        ("/var/runtime/fnruntime/worker.py", "a"),
        (os.path.join(sysconfig.get_paths()["purelib"], marker), "w"),
        (os.path.join("/tmp", marker), "w"),
    ]
    writes = {}
    for path, mode in targets:
        writes[path if mode == "w" else path + " (append)"] = try_write(path, mode)
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
            "user": pwd.getpwuid(os.getuid()).pw_name, "python": "%d.%d" % sys.version_info[:2],
            "writes": dict((k.replace(marker, "NEW"), v) for k, v in writes.items())}


main_handler = handler
