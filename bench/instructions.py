"""The instructions section of `make bench`: callgrind counts of a one-shot run, a framed round trip and an HTTP
request, against `python -c pass`, the echo floor and functions-framework: exact and repeatable whatever the load.
"""
import os
import shutil
import tempfile

import callgrind
from copies import measuring_copy
from httpbench import ensure_functions_framework, ff_command
from machine import ECHO, TRIVIAL, compile_runtime, host_pythons, log, python_version


def section_instructions(opts):
    """Instruction counts (valgrind's callgrind) of the same runs: repeatable whatever the machine's load."""
    if not shutil.which("valgrind"):
        return {"skipped": "valgrind is not installed (apt-get install valgrind)"}
    results = {}
    for version, python in host_pythons(opts, results):
        scratch = tempfile.mkdtemp(prefix="bench-copy-")
        try:
            bootstrap = measuring_copy(scratch)
            figures = {"python": python_version(python)}
            figures["python_pass"] = sum(callgrind.callgrind_totals([python, "-c", "pass"]).values())
            if bootstrap:
                compile_runtime(python, os.path.dirname(bootstrap))
                oneshot = [python, bootstrap, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler", "{}"]
                totals = callgrind.callgrind_totals(oneshot)
                pids = sorted(totals)
                figures["oneshot_supervisor"] = totals[pids[0]]
                figures["oneshot_worker"] = totals[pids[1]] if len(pids) > 1 else None
            figures["floor_round_trip"] = callgrind.instructions_per_round_trip([python, ECHO, "stdio"])
            if bootstrap:
                figures["runtime_round_trip"] = callgrind.instructions_per_round_trip(
                    [python, bootstrap, "--code", TRIVIAL, "--provider", "jdcloud", "--serve", "stdio",
                     "index.handler"])
            if bootstrap and version == "37" and opts.http_instructions:
                ff = ensure_functions_framework(python)
                figures["http_request"] = {
                    "fnruntime": callgrind.instructions_per_http_request(
                        lambda port: [python, bootstrap, "--code", TRIVIAL, "--provider", "jdcloud", "index.handler",
                                      "--serve", "http:127.0.0.1:%d" % port], "/invoke"),
                    "functions-framework": callgrind.instructions_per_http_request(
                        lambda port: ff_command(ff, port), "/")}
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        results[version] = figures
        log("  %s: python -c pass %.1fM; one-shot supervisor %.1fM; round trip floor %.0fk, runtime %.0fk" % (
            figures["python"], figures["python_pass"] / 1e6, figures.get("oneshot_supervisor", 0) / 1e6,
            sum(figures["floor_round_trip"].values()) / 1e3,
            sum(figures.get("runtime_round_trip", {}).values()) / 1e3))
    return results
