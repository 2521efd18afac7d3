"""`python -m fnruntime ...` on a host: the same command line as the image entrypoint."""
import sys

from fnruntime.cli import main

sys.exit(main(exit_process=True))
