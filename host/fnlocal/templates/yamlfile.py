"""Reading a template file with ruamel.yaml, keeping the line of every key for messages.

`load(path)` -> the document (mappings are ruamel CommentedMaps); a file that does not parse is a ProjectError with
the file, line and column. `line(node, key)` gives a key's 1-based line; `where(path, node, key)` "file, line N";
`expand(text, lookup)` replaces `${...}` variables (serverless.yml, s.yaml) through `lookup(name)`.
"""
import os
import re

from ..model import ProjectError


def load(path):
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ProjectError("cannot read the template %s: %s" % (path, exc.strerror or exc))
    except UnicodeDecodeError as exc:
        raise ProjectError("%s is not UTF-8 text (%s); save it as UTF-8" % (path, exc))
    yaml = YAML(typ="rt")
    try:
        document = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = "%s, line %d, column %d" % (path, mark.line + 1, mark.column + 1) if mark else path
        if exc.context_mark and mark and exc.context_mark.line != mark.line:
            where += " (in what starts on line %d)" % (exc.context_mark.line + 1)
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ProjectError("%s: the template does not parse as YAML: %s; fix it there (indentation, a missing ':' "
                           "or quote)" % (where, problem or exc))
    except YAMLError as exc:
        raise ProjectError("%s: the template does not parse as YAML: %s" % (path, exc))
    if not isinstance(document, dict):
        raise ProjectError("%s: the template is not a YAML mapping (it holds %s); a template starts with keys such "
                           "as Resources:, services: or component:" % (path, type(document).__name__))
    return document


def line(node, key=None):
    """The 1-based line of `key` in mapping `node` (or of the node itself), None when unknown."""
    try:
        if key is not None:
            return node.lc.key(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, TypeError):
        return None


def where(path, node, key=None):
    number = line(node, key)
    return "%s, line %d" % (path, number) if number else path


def mapping(path, node, key, required=False):
    """node[key] as a mapping ({} when absent and not required); ProjectError naming the line otherwise."""
    value = node.get(key) if isinstance(node, dict) else None
    if value is None:
        if required:
            raise ProjectError("%s: %s is missing here" % (where(path, node), key))
        return {}
    if not isinstance(value, dict):
        raise ProjectError("%s: %s must be a mapping (key: value lines), got %s"
                           % (where(path, node, key), key, type(value).__name__))
    return value


def listing(path, node, key):
    value = node.get(key) if isinstance(node, dict) else None
    if value is None:
        return []
    if isinstance(value, dict):  # a mapping of names, as Fun's Events
        return list(value.items())
    if not isinstance(value, list):
        raise ProjectError("%s: %s must be a list, got %s" % (where(path, node, key), key, type(value).__name__))
    return value


def number(path, node, key, default):
    value = node.get(key, default) if isinstance(node, dict) else default
    if value is None:
        return default
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ProjectError("%s: %s must be a number, got %r" % (where(path, node, key), key, value))
    if result <= 0:
        raise ProjectError("%s: %s must be greater than 0, got %r" % (where(path, node, key), key, value))
    return result


def environment(path, node, key):
    """A mapping of environment variables as strings (numbers and booleans as YAML wrote them)."""
    env = {}
    for name, value in mapping(path, node, key).items():
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            raise ProjectError("%s: environment variable %s must be a string, got a %s"
                               % (where(path, node[key], name), name, type(value).__name__))
        env[str(name)] = str(value)
    return env


VARIABLE = re.compile(r"\$\{([^{}]+)\}")


def expand(value, lookup):
    """`${name}` variables in strings (recursively in mappings and lists) replaced by lookup(name); a name lookup
    does not know stays as written."""
    if isinstance(value, str):
        def replace(match):
            found = lookup(match.group(1).strip())
            return match.group(0) if found is None else str(found)
        for _ in range(5):  # variables may expand to variables
            expanded = VARIABLE.sub(replace, value)
            if expanded == value:
                break
            value = expanded
        return value
    if isinstance(value, dict):
        for key in list(value.keys()):
            value[key] = expand(value[key], lookup)
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = expand(item, lookup)
        return value
    return value


def env_lookup(name):
    """`env:X`, `env.X`, `env(X)` -> os.environ's X (None when unset)."""
    match = re.match(r"^env(?::|\.|\()\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?\s*\)?$", name)
    if match:
        return os.environ.get(match.group(1))
    return None
