"""What counts toward the memory limit (issue 11 item 3): the tests of tests/reliability/test_memory_rule.py.

Event {"use": WHAT}: "mmap": map a file of {"mb": 300} MB (made in /tmp once) and read every page of it (clean
file-backed pages, which do not count); "anon": allocate and touch {"mb": 200} MB of anonymous memory; "child": a
child process (`python -c`) that writes its pid to {"pidfile"}, then allocates {"mb": 200} MB, while
the handler waits for it; "builtins": import the image's built-in libraries and return the memory figures of this
process (kB, from /proc/self/status) and the modules imported.
"""
import mmap
import os
import subprocess
import sys

BUILTINS = ["numpy", "tensorflow", "PIL", "boto3", "oss2", "grpc", "pymysql", "psycopg2", "requests",
            "qcloud_cos_v5", "qcloud_cos"]


def figures():
    found = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                found[name] = int(value.split()[0])
    return found


def read_mapped(mb):
    path = "/tmp/fnruntime-memory-rule-%d.bin" % mb
    if not os.path.exists(path) or os.path.getsize(path) != mb << 20:
        with open(path + ".tmp", "wb") as handle:
            block = b"\x01" * (1 << 20)
            for _ in range(mb):
                handle.write(block)
        os.rename(path + ".tmp", path)
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        total = 0
        for offset in range(0, len(mapped), 4096):
            total += ord(mapped[offset:offset + 1])
        during = figures()
        mapped.close()
    return {"pages": total, "during": during}


def handler(event, context):
    use = event.get("use")
    mb = int(event.get("mb", 200))
    if use == "mmap":
        return read_mapped(int(event.get("mb", 300)))
    if use == "anon":
        held = bytearray(mb << 20)
        for offset in range(0, len(held), 4096):
            held[offset] = 1
        return {"held": len(held)}
    if use == "child":
        code = ("import os, sys, time\n"
                "open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid()))\n"
                "os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
                "x = bytearray(%d << 20)\n"
                "for i in range(0, len(x), 4096): x[i] = 1\n"
                "time.sleep(600)\n" % mb)
        child = subprocess.Popen([sys.executable, "-c", code, event["pidfile"]])
        return {"child_status": child.wait()}
    if use == "builtins":
        imported = []
        for name in BUILTINS:
            try:
                __import__(name)
                imported.append(name)
            except Exception:
                pass
        return {"figures": figures(), "imported": imported}
    return {"figures": figures()}


main_handler = handler
