"""`--serve ADDRESS`: the warm entry point. It parses the address (address.py), keeps the server to one CPU
(affinity.py), sets up the instance pool (pool.py), the serve loop (loop.py) and its listener or stdio connection
(framed.py, httpserver.py), and runs the loop until SIGTERM or SIGINT; `main` returns the exit status (0, or 1 when
stdio input ended in the middle of a frame).
"""
from __future__ import absolute_import, division, print_function

import os
import signal
import sys

from .address import describe, listen, parse_address, set_cloexec
from .affinity import pin
from .cluster import container_memory_limit, memory_warning, platform_address, stop_report
from .compat import monotonic, to_bytes
from .errors import UsageError


def take_stdio():
    """Private duplicates of fds 0 and 1 for the protocol; fd 0 becomes /dev/null and fd 1 points at stderr, so
    nothing any code prints can reach the frame stream."""
    in_fd, out_fd = os.dup(0), os.dup(1)
    for fd in (in_fd, out_fd):
        set_cloexec(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return in_fd, out_fd


def install_signals(server):
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, server.request_stop)
        signal.siginterrupt(signum, False)


def banner(config, where, protocol):
    return ("fnruntime: listening on %s (%s); function %s, handler %s, provider %s, Python %d.%d; stop with SIGTERM or "
            "Ctrl-C\n" % (where, protocol, config.name, config.handler, config.provider, sys.version_info[0],
                           sys.version_info[1]))


def main(config):
    """Serve until stopped; the exit status (0, or 1 when stdio input ended in the middle of a frame)."""
    from .framed import FramedConnection
    from .loop import Server
    from .pool import Pool
    platform = platform_address(config.serve, config.environ)  # `--serve http`: 0.0.0.0:$PORT, cold start at once
    address = parse_address(platform or config.serve)
    if config.api_gateway and address.kind != "http":
        raise UsageError("--api-gateway works with --serve http:HOST:PORT only (got --serve %s)" % address.text)
    instances = config.instances
    if config.debug_port and instances > 1:  # a debugger attaches to one process, on one port
        sys.stderr.write("fnruntime: --debug-port: serving one instance at a time while debugging (not the %d of "
                         "--instances)\n" % instances)
        instances = 1
    pin(config.environ)  # before the first worker is forked (affinity.py)
    pool = Pool(config, instances, config.instance_idle)
    try:
        listener = None if address.kind == "stdio" else listen(address)
    except UsageError:
        pool.close()
        raise
    server = Server(config, pool, echo_logs=address.kind != "stdio")
    install_signals(server)
    if address.kind == "stdio":
        in_fd, out_fd = take_stdio()
        server.add_stdio(FramedConnection(server, in_fd, out_fd, peer="stdio", blocking_output=True))
        where, protocol = "stdio", "framed protocol"
    elif address.kind == "http":
        from .httpserver import HttpConnection
        server.add_listener(listener, HttpConnection)
        where = describe(listener.getsockname(), "http")
        protocol = "HTTP: POST /invoke%s; probes /_/health, /_/ready" % (
            ", API Gateway on every other request" if config.api_gateway else "")
    else:
        server.add_listener(listener, FramedConnection, address.path)
        where, protocol = describe(listener.getsockname(), address.kind), "framed protocol"
    if config.watch:
        protocol += "; watching %s for changes" % (config.zip_path or pool.code_dir)
    if address.kind != "stdio":  # on stdio the caller started us and knows; keep its standard error quiet
        server.write_stderr(to_bytes(banner(config, where, protocol)))
        warning = memory_warning(config, container_memory_limit())
        if warning:
            server.write_stderr(to_bytes(warning))
    if platform:
        pool.preload()
    status = server.run()
    if server.stop_signal is not None and address.kind != "stdio":
        server.write_stderr(to_bytes(stop_report(signal_name(server.stop_signal), monotonic() - server.stop_started,
                                                 server.stop_finished, server.stop_refused)))
    return status


def signal_name(signum):
    return {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}.get(signum, "signal %s" % signum)
