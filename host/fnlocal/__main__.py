"""`python -m fnlocal ...` is the `fnruntime` command."""
import sys

from .cli import main

sys.exit(main())
