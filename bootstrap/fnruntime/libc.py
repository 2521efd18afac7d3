"""C library functions that the standard library does not wrap (fflush, prctl; sched_setaffinity on 2.7), called
through `_ctypes` directly: importing the `ctypes` package around them would cost 5 to 23 ms, a third of a cold
worker's own work.
"""
from __future__ import absolute_import, division, print_function


def function(name):
    """libc's `int name(...)` (C calling convention, int arguments and result, as `ctypes.CDLL(None).name`), or None
    where there is no such libc function."""
    try:
        import _ctypes

        class CFunction(_ctypes.CFuncPtr):  # ctypes' CDLL function type
            _flags_ = _ctypes.FUNCFLAG_CDECL
        return CFunction(_ctypes.dlsym(_ctypes.dlopen(None, _ctypes.RTLD_LOCAL), name))
    except Exception:  # no libc to speak of (or no _ctypes)
        return None
