"""The command line of the image entrypoint: one-shot runs, serve modes, and pass-through of commands.

    bootstrap.py [OPTIONS] HANDLER [EVENT]      one invocation; result on stdout, framed log on stderr
    bootstrap.py --serve ADDRESS [OPTIONS]      a warm instance (serve.py)
    bootstrap.py python -c '...'                any program on PATH is run as is (`docker run image pip ...`)

Exit status: 0 success, 1 function error (the error body on stdout), 2 bad usage.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys

from . import providers
from .compat import binary_stdin, binary_stdout, pending_exit_work, signal, to_text, which
from .config import Config, PROVIDERS, async_event_problem
from .errors import UsageError
from .invocation import Invocation, use_request_id_style

USAGE_EXIT = 2


def build_parser():
    import argparse
    parser = argparse.ArgumentParser(
        prog="bootstrap",
        usage="%(prog)s [OPTIONS] [HANDLER] [EVENT]\n       %(prog)s --serve ADDRESS [OPTIONS] [HANDLER]\n"
              "       %(prog)s COMMAND [ARGS...]   (e.g. python -c '...', pip install ...)",
        description="Run a cloud-style Python handler(event, context) once, or serve it warm. Every option has an "
                    "environment variable (in brackets); the providers' own names (SCF_FUNCTION_*, FC_*) work too.",
        epilog="Serve modes keep the server process to one CPU (its workers get them all): "
               "FUNCTION_SERVER_CPU=N picks that CPU, FUNCTION_SERVER_CPU=any turns it off. "
               "Exit status: 0 success, 1 function error (the error body is on stdout), 2 bad usage.")
    parser.add_argument("handler", nargs="?", metavar="HANDLER",
                        help="file.function, dir/file.function or pkg.module.function [FUNCTION_HANDLER]; default "
                             "index.main_handler (tencent) or index.handler (aliyun, jdcloud)")
    parser.add_argument("event", nargs="?", metavar="EVENT",
                        help="the event body; else --event-file, else standard input when it is not a terminal, "
                             "else {}")
    parser.add_argument("--provider", choices=PROVIDERS, help="provider profile [FUNCTION_PROVIDER]")
    parser.add_argument("--timeout", metavar="SECONDS", help="invocation timeout, default 3 [FUNCTION_TIMEOUT]")
    parser.add_argument("--memory", metavar="MB", help="memory limit, default 128 [FUNCTION_MEMORY_SIZE]")
    parser.add_argument("--initializer", metavar="file.function",
                        help="initializer(context), run once per cold start [FUNCTION_INITIALIZER]")
    parser.add_argument("--initializer-timeout", dest="initializer_timeout", metavar="SECONDS",
                        help="initializer timeout, default 3 [FUNCTION_INITIALIZATION_TIMEOUT]")
    parser.add_argument("--load-timeout", dest="load_timeout", metavar="SECONDS",
                        help="how long importing the handler's module (a cold start) may take; the longer of this "
                             "and --timeout, default 30 [FUNCTION_LOAD_TIMEOUT]")
    parser.add_argument("--name", help="function name, default 'function' [FUNCTION_NAME]")
    parser.add_argument("--code", metavar="DIR",
                        help="code directory [FUNCTION_CODE_DIR]; default /var/task (or /var/user, /code, "
                             "/function/code), else the current directory")
    parser.add_argument("--zip", metavar="PATH", help="run from a zip package [FUNCTION_ZIP]")
    parser.add_argument("--event-file", dest="event_file", metavar="PATH", help="read the event from a file")
    parser.add_argument("--invocation-type", dest="invocation_type", choices=("RequestResponse", "Event"),
                        help="Event discards the result as the clouds do for asynchronous calls "
                             "[FUNCTION_INVOCATION_TYPE]")
    parser.add_argument("--serve", metavar="ADDRESS",
                        help="stay warm and serve: stdio, unix:PATH, tcp:HOST:PORT (framed), http:HOST:PORT, or "
                             "http alone: 0.0.0.0:$PORT (8080), cold start at once, probes /_/health and /_/ready "
                             "[FUNCTION_SERVE]")
    parser.add_argument("--instances", metavar="N",
                        help="serve modes: up to N warm instances of the function, each its own process, started on "
                             "demand; default 1 [FUNCTION_INSTANCES]")
    parser.add_argument("--instance-idle", dest="instance_idle", metavar="SECONDS",
                        help="serve modes: stop an instance idle this long (its next request starts cold); default "
                             "never [FUNCTION_INSTANCE_IDLE]")
    parser.add_argument("--api-gateway", dest="api_gateway", action="store_true",
                        help="with --serve http: turn every request but POST /invoke into an API Gateway event")
    parser.add_argument("--debug-port", dest="debug_port", metavar="PORT",
                        help="the function's instance waits for a debugger (debugpy, the Debug Adapter Protocol of "
                             "VS Code and PyCharm) on 0.0.0.0:PORT before its code runs; the timeout is suspended "
                             "while one is attached [FUNCTION_DEBUG_PORT]")
    parser.add_argument("--debug-no-wait", dest="debug_no_wait", action="store_true",
                        help="with --debug-port: listen, but run without waiting for the debugger "
                             "[FUNCTION_DEBUG_NO_WAIT=1]")
    parser.add_argument("--function-type", dest="function_type", choices=("event", "http"),
                        help="aliyun: http for FC's HTTP functions, handler(environ, start_response): served by "
                             "--serve http for every request, one-shot with a raw HTTP request as the event "
                             "[FUNCTION_TYPE]; default event")
    parser.add_argument("--layer", dest="layers", action="append", metavar="DIR",
                        help="a layer folder, laid out as the cloud's /opt; repeatable, first given first on sys.path "
                             "[FUNCTION_LAYERS, colon-separated]; /opt itself follows when it exists")
    parser.add_argument("--watch", action="store_true",
                        help="with --serve: after a change to the code folder, the next invocation starts a fresh "
                             "instance (cold) [FUNCTION_WATCH=1]")
    fc = parser.add_argument_group("fc-docker's spellings (aliyun/fc-docker's run images)")
    fc.add_argument("--handler", dest="handler_option", metavar="HANDLER", help="the same as HANDLER")
    fc.add_argument("--event", dest="event_option", metavar="EVENT", help="the same as EVENT")
    fc.add_argument("--stdin", action="store_true", help="read the event from standard input")
    fc.add_argument("--initializationTimeout", dest="initializer_timeout", metavar="SECONDS",
                    help="the same as --initializer-timeout")
    return parser


class ArgumentError(UsageError):
    pass


#: The options `parse_plain` reads itself (option -> destination, allowed values or None) and its flags.
PLAIN_OPTIONS = {"--provider": ("provider", PROVIDERS), "--timeout": ("timeout", None), "--memory": ("memory", None),
                 "--initializer": ("initializer", None), "--initializer-timeout": ("initializer_timeout", None),
                 "--load-timeout": ("load_timeout", None),
                 "--name": ("name", None), "--code": ("code", None), "--zip": ("zip", None),
                 "--event-file": ("event_file", None), "--serve": ("serve", None),
                 "--debug-port": ("debug_port", None), "--function-type": ("function_type", ("event", "http")),
                 "--instances": ("instances", None), "--instance-idle": ("instance_idle", None),
                 "--invocation-type": ("invocation_type", ("RequestResponse", "Event")), "--layer": ("layers", None)}
#: Options that may be given more than once (a list, in order).
PLAIN_REPEATED = frozenset(["layers"])
PLAIN_FLAGS = {"--api-gateway": "api_gateway", "--debug-no-wait": "debug_no_wait", "--watch": "watch"}


def parse_plain(argv):
    """The options of a plain command line, exactly as build_parser() reads it, or None for any other.

    Plain: options spelt in full (`--name VALUE`, `--name=VALUE`, flags), with allowed values; at most two
    positionals, in one run; no value or positional that starts with "-". Everything else (help, abbreviations,
    errors) goes to argparse, whose import and set-up cost as much as the interpreter's own start (20 to 33
    million instructions on 2.7 to 3.7), on every cold start.
    """
    options = dict((dest, None) for dest, _ in PLAIN_OPTIONS.values())
    options.update(handler=None, event=None, api_gateway=False, debug_no_wait=False, watch=False)
    positionals, runs, after_positional = [], 0, False
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if not arg.startswith("-"):
            runs += 0 if after_positional else 1
            positionals.append(arg)
            after_positional = True
            continue
        after_positional = False
        name, equals, value = arg.partition("=")
        if name in PLAIN_FLAGS and not equals:
            options[PLAIN_FLAGS[name]] = True
            continue
        if name not in PLAIN_OPTIONS:
            return None
        if not equals:
            if index == len(argv) or argv[index].startswith("-"):
                return None
            value = argv[index]
            index += 1
        dest, allowed = PLAIN_OPTIONS[name]
        if value.startswith("-") or (allowed is not None and value not in allowed):
            return None
        if dest in PLAIN_REPEATED:
            options[dest] = (options[dest] or []) + [value]
        else:
            options[dest] = value
    if runs > 1 or len(positionals) > 2:
        return None
    options["handler"], options["event"] = (positionals + [None, None])[:2]
    return options


def parse(argv):
    """(argparse parser or None, options dict); ArgumentError names what is wrong."""
    options = parse_plain(argv)
    if options is not None:
        return None, options
    parser = build_parser()

    def fail(message):
        raise ArgumentError(not_a_program(argv) or message)
    parser.error = fail
    options = vars(parser.parse_args(argv))
    for alias, name in (("handler_option", "handler"), ("event_option", "event")):
        value = options.pop(alias, None)
        if value is not None:
            if options[name] is not None:  # --handler H EVENT: the one positional is the event
                if name == "event" or options["event"] is not None:
                    raise ArgumentError("the %s is given twice (--%s and as an argument): give it once" % (name, name))
                options["event"] = options["handler"]
            options[name] = value
    return parser, options


def read_event(options, stdin):
    """The event body as bytes, from the argument, --event-file, standard input or the default."""
    if options.get("event") is not None:
        event = options["event"]
        return event if isinstance(event, bytes) else event.encode("utf-8", "surrogateescape"
                                                                    if sys.version_info[0] > 2 else "strict")
    if options.get("event_file"):
        try:
            with open(options["event_file"], "rb") as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            raise UsageError("cannot read the event file %r: %s" % (options["event_file"], exc.strerror))
    if stdin is not None and (options.get("stdin") or not stdin.isatty()):
        data = binary_stdin().read()
        if data.strip():
            return data
    return b"{}"


def make_invocation(config, body):
    problem = async_event_problem(config.provider, config.invocation_type, len(body))
    if problem is not None:
        raise UsageError(problem)
    if config.function_type == "http":
        from .httpfunction import parse_request
        try:
            request_body, params = parse_request(body)
        except ValueError as exc:
            raise UsageError("function type http takes the event as a raw HTTP request: %s" % exc)
        return Invocation(body=request_body, invocation_type=config.invocation_type, http=params)
    if config.provider == "aliyun":
        return Invocation(body=body, invocation_type=config.invocation_type)
    try:
        event = json.loads(to_text(body, errors="strict"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError("the event is not valid JSON (%s); provider %s passes a JSON object as the event: "
                         "give e.g. '{\"key\": \"value\"}'" % (exc, config.provider))
    if not isinstance(event, dict):
        raise UsageError("the event must be a JSON object for provider %s, got %s"
                         % (config.provider, type(event).__name__))
    return Invocation(event=event, invocation_type=config.invocation_type)


def not_a_program(argv):
    """What to say when the command line does not parse and its first word was meant as a program (not an option,
    nor FILE.FUNCTION, nor on PATH: exec_command ran it otherwise), else None."""
    program = argv[0] if argv else "-"
    if program.startswith("-") or "." in program or os.sep in program:
        return None
    return ("%r is neither an option, a handler (FILE.FUNCTION) nor a program on PATH (%s); scripts that "
            "`pip install -t` put in the code folder are in its bin/ (/var/task/bin/%s): give that path, or run the "
            "module (python -m ...)" % (program, os.environ.get("PATH", ""), program))


def exec_command(argv):
    """`docker run image python -c ...`: run the program instead of the runtime, when it is one."""
    if not argv or argv[0].startswith("-"):
        return
    program = argv[0]
    path = program if os.sep in program and os.access(program, os.X_OK) and os.path.isfile(program) \
        else which(program)
    if path:
        os.execv(path, [program] + argv[1:])



def one_shot(config, options):
    from .supervisor import Supervisor
    body = read_event(options, sys.stdin)
    invocation = make_invocation(config, body)
    err = getattr(sys.stderr, "buffer", sys.stderr)
    supervisor = Supervisor(config, log_stream=err)
    try:
        outcome = supervisor.invoke(invocation)
    finally:
        supervisor.close()
    out = binary_stdout()
    data = outcome.output_bytes()
    if data:
        out.write(data)
        if sys.stdout.isatty():
            out.write(b"\n")
        out.flush()
    return 0 if outcome.ok else 1


def restart_with_library_path(config, environ, argv):
    """Start this program again with the provider's LD_LIBRARY_PATH (FC's /code:/code/lib:/usr/local/lib) when it is
    not set and the code folder holds shared libraries: the dynamic loader reads the variable only when a program
    starts, so setting it in a running (or forked) process does nothing for ctypes.CDLL('libx.so') or an extension
    linked against a library in /code/lib. Once: the new process has the variable."""
    from .providers import get
    wanted = get(config.provider).library_path(config.code_dir) if config.code_dir else None
    if wanted is None or "LD_LIBRARY_PATH" in environ or not holds_shared_libraries(config.code_dir):
        return
    env = dict(environ)
    env["LD_LIBRARY_PATH"] = wanted
    flags = [option for option, name in (("-E", "ignore_environment"), ("-s", "no_user_site"), ("-S", "no_site"),
                                         ("-B", "dont_write_bytecode"), ("-I", "isolated"))
             if getattr(sys.flags, name, 0)]
    program = ["-m", "fnruntime"] if os.path.basename(sys.argv[0]) == "__main__.py" else [sys.argv[0]]
    os.execve(sys.executable, [sys.executable] + flags + program + list(argv), env)


def holds_shared_libraries(code_dir):
    """Whether the code folder or its lib/ holds a shared library (a name with `.so`)."""
    for folder in (code_dir, os.path.join(code_dir, "lib")):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        if any(name.endswith(".so") or ".so." in name for name in names):
            return True
    return False


def terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv=None, environ=None, exit_process=False):
    """The exit status of the command line `argv`. With `exit_process` (the entrypoint) a one-shot run ends the
    process itself once its output is written (`exit_now`)."""
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    exec_command(argv)
    signal.signal(signal.SIGTERM, terminate)
    try:
        parser, options = parse(argv)
        config = Config.from_options(options, environ)
        use_request_id_style(providers.get(config.provider).request_id_style)
        if exit_process:
            restart_with_library_path(config, environ, argv)
        if config.debug_port:
            from .debugger import check_port
            check_port(config.debug_port)
        if config.serve:
            from . import serve
            return serve.main(config)
        status = one_shot(config, options)
    except UsageError as exc:
        sys.stderr.write("bootstrap: error: %s\n(run with --help for usage)\n" % exc)
        return USAGE_EXIT
    if exit_process:
        exit_now(status)
    return status


def exit_now(status):
    """End the process with `status` at once, its standard streams flushed, when the interpreter's own exit would have
    nothing else to do (no exit functions, no other thread): its teardown, freeing every module and object one by one,
    costs 5 to 9 million instructions (2.7 to 3.7), as much as a cold worker's own work. Otherwise, or when a flush
    fails, it returns and the ordinary exit follows (which reports a failed flush as Python does)."""
    if pending_exit_work():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        return
    os._exit(status)
