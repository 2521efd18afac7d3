"""The `fnruntime` command: `invoke ADDRESS` (fnruntime.client, a warm instance), `local invoke`, `local start-api`,
`local start-functions` and `generate-event` (this package). Bad input exits 2 with a message that says what to do;
`local invoke` exits as the one-shot runtime does (0 success, 1 function error, 2 bad usage).
"""
import argparse
import asyncio
import json
import os
import signal
import sys

from .model import ProjectError

USAGE_EXIT = 2


def env_pairs(values):
    env = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ProjectError("--env takes NAME=VALUE, got %r" % item)
        env[name] = value
    return env


def add_project_options(parser):
    parser.add_argument("-t", "--template", metavar="TEMPLATE",
                        help="the template file (default: template.yml, template.yaml, s.yaml, serverless.yml ... "
                             "of the current folder)")
    parser.add_argument("--env", action="append", metavar="NAME=VALUE",
                        help="an environment variable for the function; wins over the template and the shell's "
                             "FUNCTION_* (repeat for more)")
    parser.add_argument("--image", metavar="TAG", help="run in this image instead of the runtime's strict image")


def build_parser():
    from . import events
    parser = argparse.ArgumentParser(
        prog="fnruntime", description="Run serverless Python functions locally in the images of Tencent SCF, "
                                      "Alibaba FC and JD Cloud, from the project's own template file.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("invoke", add_help=False, help="one invocation of a warm instance (fnruntime invoke --help)")
    local = commands.add_parser("local", help="run the functions of a template: invoke, start-api")
    local_commands = local.add_subparsers(dest="local_command", metavar="COMMAND")

    invoke = local_commands.add_parser(
        "invoke", help="one invocation of a function in its image",
        description="One invocation of FUNCTION (optional when the template has one) in its cloud's image: the result "
                    "on stdout, the framed log on stderr, the exit status of the one-shot runtime.")
    invoke.add_argument("function", nargs="?", metavar="FUNCTION", help="the function's name in the template")
    add_project_options(invoke)
    source = invoke.add_mutually_exclusive_group()
    source.add_argument("-e", "--event", metavar="JSON", help="the event (default: standard input when it is not a "
                                                              "terminal, else {})")
    source.add_argument("--event-file", metavar="FILE", help="read the event from a file")
    invoke.add_argument("--debug-port", type=int, metavar="PORT",
                        help="the function waits for a debugger (VS Code: the printed launch.json entry) on "
                             "127.0.0.1:PORT before its code runs; its timeout is suspended while one is attached")

    api = local_commands.add_parser(
        "start-api", help="serve every API Gateway and HTTP trigger of the template on one endpoint",
        description="Serve every HTTP route of the template: Tencent apigw and JD Api routes as their API Gateway "
                    "events, FC HTTP triggers at /2016-08-15/proxy/SERVICE/FUNCTION/ (and / for a project's only "
                    "one). Each function runs in a warm container; Ctrl-C stops and removes them.")
    add_project_options(api)
    api.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000; 0 = any free one)")
    api.add_argument("--instances", type=int, default=1, metavar="N",
                     help="concurrent instances per function (the runtime's --instances)")
    api.add_argument("--watch", action="store_true",
                     help="serve code edits from a fresh instance and apply template changes, without a restart")
    api.add_argument("--debug-port", type=int, metavar="PORT",
                     help="each function waits for a debugger before its code runs: the first on 127.0.0.1:PORT, "
                          "the next on PORT+1... (one launch.json entry printed for each)")
    api.add_argument("--debug-function", metavar="NAME",
                     help="with --debug-port: debug only this function (at PORT)")

    functions = local_commands.add_parser(
        "start-functions", help="serve the clouds' invoke APIs (their SDKs invoke the template's functions)",
        description="One endpoint speaking Alibaba FC's InvokeFunction, Tencent SCF's API 3.0 Invoke and "
                    "InvokeFunction, and JD Cloud's function invoke API for every function of the template, so that "
                    "aliyun-fc2, tencentcloud-sdk-python and jdcloud_sdk pointed at it invoke them unmodified. Each "
                    "function runs in a warm container; Ctrl-C stops and removes them.")
    add_project_options(functions)
    functions.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default 127.0.0.1; anyone who reaches it can invoke)")
    functions.add_argument("--port", type=int, default=3001, help="port to listen on (default 3001; 0 = any free one)")
    functions.add_argument("--instances", type=int, default=1, metavar="N",
                           help="concurrent instances per function (the runtime's --instances)")
    functions.add_argument("--watch", action="store_true",
                           help="serve code edits from a fresh instance and apply template changes, without a restart")
    functions.add_argument("--check-signatures", action="store_true",
                           help="check each cloud's request signature against the keys in the environment "
                                "(ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET, TENCENTCLOUD_SECRETID/SECRETKEY, "
                                "JDCLOUD_ACCESS_KEY/JDCLOUD_SECRET_KEY); default: accept any")

    generate = commands.add_parser("generate-event", help="a trigger's sample event as JSON on stdout",
                                   description="A trigger's sample event (PROJECTS.md) as JSON on stdout; pipe it "
                                               "into `fnruntime local invoke`.")
    providers = generate.add_subparsers(dest="provider", metavar="PROVIDER")
    for provider, kinds in events.KINDS.items():
        provider_parser = providers.add_parser(provider, help="kinds: " + ", ".join(kinds))
        kind_parsers = provider_parser.add_subparsers(dest="kind", metavar="KIND")
        for kind in kinds:
            kind_parser = kind_parsers.add_parser(kind, help="%s %s event" % (provider, kind))
            for field, text in events.FIELDS[(provider, kind)].items():
                kind_parser.add_argument("--" + field, dest="field_" + field, help=text,
                                         action="append" if field == "header" else None)
    return parser


def read_event(options):
    if options.event is not None:
        return options.event.encode("utf-8")
    if options.event_file:
        try:
            with open(options.event_file, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise ProjectError("cannot read the event file %s: %s" % (options.event_file, exc.strerror))
    if not sys.stdin.isatty():
        data = sys.stdin.buffer.read()
        if data.strip():
            return data
    return b"{}"


def load(options):
    from .templates import load_project
    return load_project(options.template or ".")


def run_local_invoke(options):
    from .containers import invoke_once
    project = load(options)
    function = project.function(options.function)
    overrides = env_pairs(options.env)
    event = read_event(options)
    for note in function.notes:
        sys.stderr.write("fnruntime: note: %s\n" % note)
    if options.debug_port:
        from . import debugging
        ports = debugging.ports_for([function], options.debug_port)
        debugging.announce([function], ports, lambda text: sys.stderr.write(text + "\n"))
        sys.stderr.flush()
    return invoke_once(function, event, overrides, image=options.image, project=project.template,
                       debug_port=options.debug_port)


def run_start_api(options):
    if options.instances < 1:
        raise ProjectError("--instances must be 1 or more, got %d" % options.instances)
    project = load(options)
    if not project.routes():
        raise ProjectError("%s has no API Gateway or HTTP trigger: nothing to serve; add one, or use `fnruntime "
                           "local invoke`" % project.template)
    return asyncio.run(serve_api(options, project))


def run_start_functions(options):
    from .signatures import Keys
    if options.instances < 1:
        raise ProjectError("--instances must be 1 or more, got %d" % options.instances)
    project = load(options)
    if not project.functions:
        raise ProjectError("%s defines no function: nothing to serve" % project.template)
    keys = None
    if options.check_signatures:
        keys = Keys.from_environment(os.environ)
        if not keys.pairs:
            raise ProjectError("--check-signatures needs a cloud's keys in the environment: %s" % "; ".join(
                "%s and %s" % names for names in Keys.ENVIRONMENT.values()))
    return asyncio.run(serve_api(options, project, keys=keys))


async def serve_api(options, project, keys=None):
    from .containers import ContainerPool
    from .gateway import Gateway
    from .watch import watch_templates

    def log(text):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    pool = await loop.run_in_executor(None, lambda: ContainerPool(project.template, log_sink=sys.stderr.buffer))
    from . import debugging
    functions = list({route.function.name: route.function for route in project.routes()}.values())
    debug_ports = debugging.ports_for(functions, getattr(options, "debug_port", None),
                                      getattr(options, "debug_function", None))
    if options.local_command == "start-functions":
        from .cloudapis import FunctionsEndpoint
        gateway = FunctionsEndpoint(project, pool, options.host, options.port, keys=keys,
                                    instances=options.instances, watch=options.watch,
                                    overrides=env_pairs(options.env), image=options.image, log=log)
        if keys is not None:
            log("fnruntime: checking the signatures of %s requests (keys from the environment)"
                % ", ".join(sorted(keys.pairs)))
    else:
        gateway = Gateway(project, pool, options.host, options.port, options.instances, options.watch,
                          env_pairs(options.env), options.image, log, debug_ports=debug_ports)
    watcher = None
    try:
        starting = asyncio.ensure_future(gateway.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([starting, stopping], return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            return 130
        starting.result()
        log("fnruntime: serving %s (%s) on http://%s:%d%s; Ctrl-C stops it\n%s" % (
            project.template, project.format, options.host, gateway.port,
            ", watching for changes" if options.watch else "", gateway.describe()))
        debugging.announce(functions, debug_ports, log)
        if options.watch:
            watcher = asyncio.ensure_future(watch_templates(gateway, lambda: load(options), log))
        await stop.wait()
        log("fnruntime: stopping: removing the containers")
        return 0
    finally:
        if watcher is not None:
            watcher.cancel()
        await gateway.close()


def run_generate_event(options):
    from . import events
    if not options.provider or not getattr(options, "kind", None):
        raise ProjectError("give a provider and a kind: %s" % "; ".join(
            "%s: %s" % (p, ", ".join(k)) for p, k in events.KINDS.items()))
    values = {name[len("field_"):]: value for name, value in vars(options).items()
              if name.startswith("field_") and value is not None}
    event = events.generate(options.provider, options.kind, values)
    sys.stdout.write(json.dumps(event, indent=2, ensure_ascii=False) + "\n")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "invoke":  # the warm-instance client, unchanged
        from fnruntime import client
        return client.main(argv)
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        if options.command == "local" and options.local_command == "invoke":
            return run_local_invoke(options)
        if options.command == "local" and options.local_command == "start-api":
            return run_start_api(options)
        if options.command == "local" and options.local_command == "start-functions":
            return run_start_functions(options)
        if options.command == "generate-event":
            return run_generate_event(options)
    except ProjectError as exc:
        sys.stderr.write("fnruntime: error: %s\n" % exc)
        return USAGE_EXIT
    except KeyboardInterrupt:
        return 130
    parser.print_usage(sys.stderr)
    sys.stderr.write("fnruntime: error: give a command: invoke, local invoke, local start-api, local start-functions, "
                     "generate-event\n")
    return USAGE_EXIT


if __name__ == "__main__":
    sys.exit(main())
