"""Fault dispatcher: one warm function that commits any fault of the reliability suite on request.

Event (JSON; the raw JSON body for aliyun): {"fault": NAME, "nonce": N}. NAME picks a handler of a scenario folder
beside this one (loaded from its file, so each scenario also runs on its own) and calls it. Without "fault" it is the
good invocation that must succeed after every fault: {"nonce": N, "pid": worker pid, "processes": processes alive in
this pid namespace, "alive": which of the pids listed in the event's "pidfile" still run}.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FAULTS = {
    "raises": ("raises", "handler"),
    "keyboard_interrupt": ("raises", "keyboard_interrupt"),
    "sys_exit_0": ("sys_exit", "exit0"),
    "sys_exit_3": ("sys_exit", "exit3"),
    "os_exit": ("os_exit", "handler"),
    "segfault": ("segfault", "handler"),
    "kill_self": ("kill_self", "handler"),
    "endless_loop": ("sleeps_forever", "spin"),
    "memory_bomb": ("memory_bomb", "handler"),
    "fork_bomb": ("fork_bomb", "handler"),
    "fork_bomb_naive": ("fork_bomb", "naive"),
    "fork_bomb_escapes": ("fork_bomb", "escapes"),
    "output_100mb": ("floods_output", "handler"),
    "closes_fds": ("closes_fds", "handler"),
    "closes_fds_then_raises": ("closes_fds", "then_raises"),
    "leaves_thread": ("leaves_running", "thread"),
    "leaves_child": ("leaves_running", "child"),
    "leaves_detached_child": ("leaves_running", "detached"),
    "thread_exits_later": ("leaves_running", "thread_exits"),
    "result_over_limit": ("big_result", "handler"),
    "result_under_limit": ("big_result", "under"),
    "unserialisable": ("unserialisable_result", "handler"),
    "lone_surrogate": ("unserialisable_result", "lone_surrogate"),
    "forked_child_exits": ("forks_child", "child_exits"),
    "forked_child_returns": ("forks_child", "child_returns"),
    "forked_child_raises": ("forks_child", "child_raises"),
    "answer_cut_short": ("cuts_answer", "handler"),
}


def load(folder):
    """The scenario's index.py as a module of its own name (cached: a warm worker loads it once)."""
    name = "scenario_" + folder
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(os.path.dirname(HERE), folder, "index.py")
    if sys.version_info[0] == 2:
        import imp
        return imp.load_source(name, path)
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def running(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(") ", 1)[-1][:1] not in ("Z", "X")
    except (IOError, OSError):
        return False


def good(event):
    print("good invocation %s" % event.get("nonce"))
    processes = [int(n) for n in os.listdir("/proc") if n.isdigit()]
    answer = {"nonce": event.get("nonce"), "pid": os.getpid(), "processes": len([p for p in processes if running(p)])}
    if event.get("pidfile"):
        try:
            with open(event["pidfile"]) as handle:
                pids = [int(p) for p in handle.read().split()]
        except (IOError, OSError):
            pids = []
        answer["alive"] = [p for p in pids if running(p)]
    return answer


def handler(event, context):
    if not isinstance(event, dict):
        event = json.loads(event.decode("utf-8") if isinstance(event, bytes) else event)
    name = event.get("fault")
    if not name or name == "none":
        return good(event)
    folder, function = FAULTS[name]
    if name == "endless_loop":
        event.setdefault("pidfile", "/tmp/fault-%s.pids" % event.get("nonce"))
    return getattr(load(folder), function)(event, context)


main_handler = handler
