"""`--debug-port` of `local invoke` and `local start-api`: which function's instance listens where, and the VS Code
`launch.json` entry that attaches to it.

The runtime's own `--debug-port` (bootstrap/fnruntime/debugger.py) makes a function's instance wait for a Debug
Adapter Protocol client before user code runs. Here each debugged function's container gets `FUNCTION_DEBUG_PORT=P`
and publishes P on 127.0.0.1 (the same number inside and out, so the printed entry is the whole story).
`local invoke` debugs its one function at PORT; `start-api` gives the template's functions PORT, PORT+1, ... in
their order (or only `--debug-function NAME` at PORT), and prints one entry per function.
"""
import json

from .model import ProjectError


def ports_for(functions, first_port, only=None):
    """{function name: debug port}: `only` at `first_port`, else every function at consecutive ports."""
    if not first_port:
        return {}
    if not 0 < first_port < 65536:
        raise ProjectError("--debug-port must be a TCP port number (1 to 65535), got %d" % first_port)
    names = [f.name for f in functions]
    if only:
        if only not in names:
            raise ProjectError("--debug-function %s: no such function in the template; its functions are: %s"
                               % (only, ", ".join(names)))
        return {only: first_port}
    if first_port + len(names) - 1 > 65535:
        raise ProjectError("--debug-port %d: %d functions need ports up to %d; choose a lower port"
                           % (first_port, len(names), first_port + len(names) - 1))
    return {name: first_port + index for index, name in enumerate(names)}


def launch_entry(function, port):
    """The VS Code attach configuration for `function`'s instance listening on 127.0.0.1:`port`."""
    return {
        "name": "Attach to %s (fnruntime, port %d)" % (function.name, port),
        "type": "debugpy",
        "request": "attach",
        "connect": {"host": "127.0.0.1", "port": port},
        "pathMappings": [{"localRoot": function.code, "remoteRoot": function.code_mount}],
        "justMyCode": True,
    }


def announce(functions, ports, write):
    """Tell the person what to paste into .vscode/launch.json, one entry per debugged function."""
    entries = [launch_entry(f, ports[f.name]) for f in functions if f.name in ports]
    if not entries:
        return
    write("fnruntime: debugging %s: each waits for a debugger before its code runs; add to the \"configurations\" "
          "of .vscode/launch.json (older Python extensions: \"type\": \"python\"):" % ", ".join(
              "%s on 127.0.0.1:%d" % (name, port) for name, port in sorted(ports.items(), key=lambda i: i[1])))
    for entry in entries:
        write(json.dumps(entry, indent=2))
