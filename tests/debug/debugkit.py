"""What the debugging suites share: where things are, the debugpy release per Python, a breakpoint-line finder."""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUNCTIONS = os.path.join(REPO, "tests", "functions")
BOOTSTRAP = os.path.join(REPO, "bootstrap", "bootstrap.py")
#: The newest debugpy that supports each Python (PROJECTS.md section 4); the images carry the same.
DEBUGPY = {"2.7": "debugpy==1.5.1", "3.6": "debugpy==1.5.1", "3.7": "debugpy==1.7.0"}
CODE = os.path.join(FUNCTIONS, "debug_target")
TARGET = os.path.join(CODE, "index.py")


def line_of(marker, path=TARGET):
    """The line number of `# BREAK:<marker>` in `path`."""
    with open(path) as source:
        for number, line in enumerate(source, 1):
            if line.rstrip().endswith("# BREAK:" + marker):
                return number
    raise AssertionError("no # BREAK:%s in %s" % (marker, path))
