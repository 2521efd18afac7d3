# -*- coding: utf-8 -*-
"""PEP 600's _manylinux module of this image: which manylinux wheels pip may install (rendered by build.py).

pip's packaging library asks manylinux_compatible(major, minor, arch) before it accepts a manylinux_MAJOR_MINOR wheel
(and the manylinux1/2010/2014 attributes in older pips). This image stands for $os, whose glibc is $glibc: a wheel
that needs a newer glibc would install here and fail to load after deployment, so pip picks an older compatible wheel
or the source distribution instead. This folder is put on sys.path only for pip (fnruntime-pip.pth), never for the
function.
"""

GLIBC = ($glibc_major, $glibc_minor)
CLOUD_OS = "$os"


def manylinux_compatible(major, minor, arch):
    return (major, minor) <= GLIBC


manylinux1_compatible = GLIBC >= (2, 5)
manylinux2010_compatible = GLIBC >= (2, 12)
manylinux2014_compatible = GLIBC >= (2, 17)
