"""Prints everywhere: print (not flushed), sys.stdout/sys.stderr writes, raw os.write to fd 1 and fd 2.

Every line carries a `marker-` the tests look for in the invocation's log (standard error in one-shot) and must not
find on standard output, which carries only the result: "done".
"""
import os
import sys


def handler(event, context):
    print("marker-print")
    sys.stdout.write("marker-sys-stdout\n")
    sys.stderr.write("marker-sys-stderr\n")
    os.write(1, b"marker-fd1\n")
    os.write(2, b"marker-fd2\n")
    return "done"


main_handler = handler
