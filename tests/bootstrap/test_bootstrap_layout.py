"""The runtime package's layout holds (ARCHITECTURE.md, "Layout"): no import circle among its modules, the worker
below every serving module, no module over 400 lines.

It reads each module's imports from its source (every `from . import x` and `from .x import y`, at the top or inside a
function: a lazy import ties modules as much as any), so it runs on the host interpreter alone:

    .venv/bin/python -m pytest tests/bootstrap/test_bootstrap_layout.py
"""
import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bootstrap",
                       "fnruntime")
#: "about 400 lines": past this a module is split, not grown.
MAX_LINES = 400
#: The serving side: what the worker (forked by it) must never import, so that HTTP bytes and frames stay below it.
SERVING = frozenset(["serve", "loop", "connection", "framed", "httpserver", "pool", "forwarding", "supervisor",
                     "workerprocess"])


def modules():
    return sorted(name[:-3] for name in os.listdir(PACKAGE) if name.endswith(".py"))


def imports_of(module):
    """The package's modules that `module` imports (relative imports, anywhere in its source)."""
    with open(os.path.join(PACKAGE, module + ".py")) as handle:
        tree = ast.parse(handle.read(), module + ".py")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("fnruntime."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("fnruntime."))
    return found & set(modules())


def graph():
    return dict((module, imports_of(module)) for module in modules())


def circles(edges):
    """The strongly connected components of more than one module (or a module importing itself): Tarjan's."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def reachable(edges, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_reader_sees_lazy_and_top_level_imports():
    edges = graph()
    assert "httpresponse" in edges["worker"], "worker imports httpresponse inside a function: the reader must see it"
    assert {"address", "errors", "protocol"} <= edges["client"]


def test_the_cycle_finder_finds_a_circle_of_four():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"a"}, "e": {"a"}}) == [["a", "b", "c", "d"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_among_the_runtime_modules():
    edges = graph()
    found = circles(edges)
    assert not found, "import circles in bootstrap/fnruntime: %s" % "; ".join(
        " <-> ".join(c) + " (" + ", ".join("%s imports %s" % (m, sorted(edges[m] & set(c))) for m in c) + ")"
        for c in found)


def test_the_worker_imports_nothing_of_the_serving_side():
    below = reachable(graph(), "worker")
    assert not below & SERVING, "worker.py reaches %s: HTTP bytes and frames it renders belong in httpresponse.py / " \
                                "protocol.py, below it" % sorted(below & SERVING)


def test_the_client_parses_addresses_with_the_servers_parser():
    assert "address" in imports_of("client") and "address" in imports_of("serve")


@pytest.mark.parametrize("module", modules())
def test_no_module_is_over_400_lines(module):
    with open(os.path.join(PACKAGE, module + ".py")) as handle:
        lines = len(handle.read().splitlines())
    assert lines <= MAX_LINES, "%s.py has %d lines: split it by concern (ARCHITECTURE.md, Layout)" % (module, lines)
