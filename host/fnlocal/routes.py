"""Route paths as the gateways write them: `/users/{id}` (one segment) and `{name+}` (the rest of the path, maybe
empty), matched against a request path; and the routing table of a project (most specific route first).

    compile_path("/users/{id}").match("/users/42") -> {"id": "42"}    (None when it does not match)
    table = RouteTable(project.routes()); table.find("GET", "/users/42") -> (route, params) | (None, allowed methods)
"""
import re

PARAMETER = re.compile(r"\{([^{}/]+)\}")


class PathPattern:
    def __init__(self, template):
        self.template = template
        self.names = []
        pattern, position = "", 0
        for match in PARAMETER.finditer(template):
            literal = template[position:match.start()]
            name = match.group(1)
            group = "p%d" % len(self.names)
            if name.endswith("+"):
                self.names.append((group, name[:-1]))
                if literal.endswith("/"):
                    pattern += re.escape(literal[:-1]) + "(?:/(?P<%s>.*))?" % group
                else:
                    pattern += re.escape(literal) + "(?P<%s>.*)" % group
            else:
                self.names.append((group, name))
                pattern += re.escape(literal) + "(?P<%s>[^/]+)" % group
            position = match.end()
        pattern += re.escape(template[position:])
        self.regex = re.compile("^" + pattern + "/?$" if not template.endswith("/") else "^" + pattern + "$")
        self.greedy = any(n.endswith("+") for n in PARAMETER.findall(template))
        self.literal = len(PARAMETER.sub("", template))

    def match(self, path):
        found = self.regex.match(path)
        if not found:
            return None
        return {name: found.group(group) or "" for group, name in self.names}

    def rank(self):
        """Sort key: literal routes first, then by the length of their literal part, greedy routes last."""
        return (self.greedy, not not self.names, -self.literal)


def compile_path(template):
    return PathPattern(template)


class RouteTable:
    def __init__(self, routes):
        self.entries = sorted(((compile_path(r.path), r) for r in routes), key=lambda e: e[0].rank())

    def find(self, method, path):
        """(route, path parameters), or (None, the methods the path allows: empty when no route has it)."""
        allowed = []
        for pattern, route in self.entries:
            params = pattern.match(path)
            if params is None:
                continue
            if "ANY" in route.methods or method in route.methods or (method == "HEAD" and "GET" in route.methods):
                return route, params
            allowed.extend(route.methods)
        return None, allowed
