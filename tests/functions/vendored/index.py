"""Vendored copies win: the code dir holds its own `six.py` and `pip/` package, which must shadow the ones on
PYTHONPATH and in site-packages, as in the clouds (the code directory is first on sys.path)."""
import pip
import six


def handler(event, context):
    return {"six_vendored": getattr(six, "VENDORED", False), "six_file": six.__file__,
            "pip_vendored": getattr(pip, "VENDORED", False), "pip_file": pip.__file__}


main_handler = handler
