"""Memory bomb: allocates (and writes) 16 MB at a time, up to 2 GB, then holds it and sleeps.

Over the memory limit the runtime must stop it with OutOfMemory; if it does not, the invocation runs into its timeout
instead, which the tests tell apart.
"""
import time

CHUNK = 16 * 1024 * 1024


def handler(event, context):
    held = []
    for _ in range(128):
        held.append(b"\x01" * CHUNK)
        time.sleep(0.005)
    print("allocated %d MB and still alive" % (len(held) * 16))
    time.sleep(60)
    return len(held)


main_handler = handler
