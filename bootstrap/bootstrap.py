"""Entrypoint of the images: `python /var/runtime/bootstrap.py [OPTIONS] HANDLER [EVENT]`.

Its own directory is first on sys.path, so the `fnruntime` package beside it is what runs;
the worker removes that directory again before it loads user code.
"""
import sys

from fnruntime.cli import main

if __name__ == "__main__":
    sys.exit(main(exit_process=True))
