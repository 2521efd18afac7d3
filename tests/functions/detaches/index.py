"""Starts processes that outlive their parent, then fails, for the tests of issue 11 (items 3 and 6).

Event: {"then": WHAT, "pidfile": PATH}. First a grandchild in its own session (double fork + setsid, then
`sleep 600`), out of reach of the worker's process group, its pid written to PATH; then WHAT: "timeout" (sleep past
the timeout), "exit" (os._exit(3)), "memory" (allocate 1 MB at a time until stopped), "return" (return its pid).
{"then": "child_memory", "mb": N, "pidfile": PATH}: a child process (subprocess, `python -c`) that allocates N MB of
anonymous memory and sleeps, its pid in PATH; the handler waits for it. {"then": "nice"}: the handler's niceness.
"""
import os
import subprocess
import sys
import time


def detach(pidfile):
    sys.stdout.flush()
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            with open(pidfile + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.rename(pidfile + ".tmp", pidfile)
            os.execvp("sleep", ["sleep", "600"])
        os._exit(0)
    os.waitpid(first, 0)
    while not os.path.exists(pidfile):
        time.sleep(0.01)
    return int(open(pidfile).read())


def handler(event, context):
    then = event.get("then")
    if then == "nice":
        return {"nice": os.nice(0), "pid": os.getpid()}
    if then == "child_memory":
        code = ("import os, sys, time\n"
                "x = bytearray(%d << 20)\n"
                "for i in range(0, len(x), 4096): x[i] = 1\n"
                "open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid())); os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
                "time.sleep(600)\n" % int(event.get("mb", 200)))
        child = subprocess.Popen([sys.executable, "-c", code, event["pidfile"]])
        child.wait()
        return {"child_status": child.returncode}
    grandchild = detach(event["pidfile"])
    print("detached grandchild %d" % grandchild)
    if then == "timeout":
        time.sleep(600)
    elif then == "exit":
        os._exit(3)
    elif then == "memory":
        hold = []
        while True:
            hold.append(b"m" * (1 << 20))
    return {"grandchild": grandchild, "pid": os.getpid()}


main_handler = handler
