# -*- coding: utf-8 -*-
# Run by fnruntime-pip.pth at the start of every interpreter of the image (exec'd, so nothing stays behind): when this
# interpreter runs pip (`pip ...`, `python -m pip ...`, pip's own build subprocesses), put this folder, which holds
# PEP 600's _manylinux, at the end of sys.path. The function's interpreter (python /var/runtime/bootstrap.py) never
# gets it. The command line is read from /proc/self/cmdline: sys.argv does not exist yet while .pth files run.
def _fnruntime_runs_pip():
    import os
    import re
    try:
        with open("/proc/self/cmdline", "rb") as handle:
            args = handle.read().split(b"\0")[1:]
    except (IOError, OSError):
        return False
    args = [arg.decode("utf-8", "replace") for arg in args if arg]
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "-m":
            return index + 1 < len(args) and args[index + 1].split(".")[0] == "pip"
        if arg.startswith("-m"):
            return arg[2:].split(".")[0] == "pip"
        if arg.startswith("-c") or arg == "-":
            return False
        if arg in ("-W", "-X", "-Q"):
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return re.match(r"pip(\d+(\.\d+)?)?$", os.path.basename(arg.rstrip("/"))) is not None
    return False


if _fnruntime_runs_pip():
    __import__("sys").path.append("/usr/local/lib/fnruntime-pip")
del _fnruntime_runs_pip
