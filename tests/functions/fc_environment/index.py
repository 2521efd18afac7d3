"""What a function sees of FC's environment (issue 18 items 7 and 12): the FC_* variables, LD_LIBRARY_PATH,
PYTHONUSERBASE, sys.path, a library in lib/ loaded by name with ctypes, str(context), and the request ids."""
import os
import sys

STATE = {}


def initializer(context):
    STATE["init_request_id"] = context.request_id


def handler(event, context):
    loaded = None
    if os.path.isdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")):
        import ctypes
        ctypes.CDLL("libfnzlib.so")  # by name: found only through LD_LIBRARY_PATH
        loaded = "libfnzlib.so"
    import funpkg  # installed by `fun install` under .fun/python
    return {"fc": dict((k, v) for k, v in os.environ.items() if k.startswith(("FC_", "_FC_"))),
            "LD_LIBRARY_PATH": os.environ.get("LD_LIBRARY_PATH"), "PYTHONUSERBASE": os.environ.get("PYTHONUSERBASE"),
            "sys_path": sys.path, "loaded": loaded, "funpkg": funpkg.__file__, "context": str(context),
            "log_project": context.service.log_project, "log_store": context.service.log_store,
            "credentials": context.credentials.access_key_id,
            "init_request_id": STATE.get("init_request_id"), "request_id": context.request_id}
