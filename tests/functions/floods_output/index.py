"""100 MB of output: writes {"mb": N} megabytes (default 100) of 1 KiB lines to standard output, then returns.

The invocation must still be answered, within its timeout, with the result {"mb": N, "nonce"}; the log keeps what
the runtime's cap allows and says how much it dropped (serving), or carries everything (one-shot standard error).
"""
import json
import sys

LINE = "o" * 1023 + "\n"


def handler(event, context):
    if not isinstance(event, dict):
        event = json.loads(event)
    megabytes = int(event.get("mb", 100))
    block = LINE * 1024
    for _ in range(megabytes):
        sys.stdout.write(block)
    sys.stdout.flush()
    return {"mb": megabytes, "nonce": event.get("nonce")}


main_handler = handler
