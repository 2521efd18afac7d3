"""Output written by C code (libc through ctypes), which Python's sys.stdout never sees.

`write_fds`: libc write() straight to fd 1 and fd 2. `puts_flushed`: puts() then fflush(NULL).
`puts_unflushed`: puts() and nothing else, as a C extension printing with stdio does; the runtime must still get it
into this invocation's log. Each returns "done".
"""
import ctypes

LIBC = ctypes.CDLL(None)


def write_fds(event, context):
    LIBC.write(1, b"marker-c-write-fd1\n", 19)
    LIBC.write(2, b"marker-c-write-fd2\n", 19)
    return "done"


def puts_flushed(event, context):
    LIBC.puts(b"marker-c-puts-flushed")
    LIBC.fflush(None)
    return "done"


def puts_unflushed(event, context):
    LIBC.puts(b"marker-c-puts-unflushed")
    return "done"
