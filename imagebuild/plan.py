"""What each image tag holds: its layers of libraries (`Group`s, in layer order) planned from the catalogue, strict
tags from one provider's table and union tags from all of them (`plan`), and the README's deviation table from the
same tables (`deviations_markdown`).
"""
from __future__ import annotations

import dataclasses
import json

from .catalogue import LAYER_ORDER, STRICT_ORDER, UNION, BuildError, normalize


@dataclasses.dataclass(frozen=True)
class Group:
    """Libraries installed together into one layer (one build stage); their wheels come from stage wheels-SOURCE."""
    name: str
    specs: tuple
    source: str = "tools"

    @property
    def apt(self):
        return tuple(sorted({pkg for spec in self.specs for pkg in spec.apt}))

    def manifest(self):
        """What the build stage installs: only fields that change the layer (not the reasons)."""
        entries = []
        for spec in sorted(self.specs, key=lambda s: s.key):
            entry = {"name": spec.name, "version": spec.version}
            if spec.source:
                entry["source"] = spec.source
            if spec.rename:
                entry["rename"] = [list(pair) for pair in spec.rename]
            if spec.copy:
                entry["copy"] = [list(pair) for pair in spec.copy]
            entries.append(entry)
        return json.dumps({"group": self.name, "entries": entries}, indent=1, sort_keys=True) + "\n"


@dataclasses.dataclass(frozen=True)
class TagPlan:
    tag: str                     # "py36-tencent"
    py: str
    kind: str                    # provider name, or "union"
    provider: str                # FUNCTION_PROVIDER default
    groups: tuple                # Group, in layer order
    specs: tuple                 # every Spec the tag promises (installed or recorded missing)
    apt: tuple = ()              # Debian packages of the final image (the tables' system-apt)
    platform: tuple = ()         # sorted items of the cloud OS it stands for (Catalogue.platform_of)

    @property
    def os(self):
        return dict(self.platform)

    def image(self, repository):
        return "%s:%s" % (repository, self.tag)


def groups_of(specs, prefix, provider=None):
    """One group per layer; the wheels of a provider's layer are built in one stage for its strict and union tags."""
    groups = []
    for layer in LAYER_ORDER:
        members = tuple(s for s in specs if s.layer == layer and s.version)
        if members:
            if layer == "tools":
                groups.append(Group(name="tools", specs=members, source="tools"))
            else:
                groups.append(Group(name="%s-%s" % (prefix, layer), specs=members,
                                    source="%s-%s" % (provider or prefix, layer)))
    return groups


def strict_plan(cat, py, provider):
    tools = [s for s in cat.specs if s.py == py and s.layer == "tools"]
    own = [s for s in cat.specs if s.py == py and s.provider == provider and s.layer != "tools"]
    groups = groups_of(tools, "tools") + groups_of(own, provider, provider)
    return TagPlan(tag="py%s-%s" % (py, provider), py=py, kind=provider, provider=provider,
                   groups=tuple(groups), specs=tuple(tools + own), apt=cat.apt_of(py, [provider]),
                   platform=tuple(sorted(cat.platform_of([provider]).items())))


def union_plan(cat, py):
    """Union of the tables of PY: the first provider's groups as they are, then what the others add."""
    providers = cat.providers_for(py)
    overrides = {s.key: s for s in cat.overrides if s.py == py}
    tools = [s for s in cat.specs if s.py == py and s.layer == "tools"]
    seen = {s.key for s in tools}
    groups = groups_of(tools, "tools")
    promised = list(tools)
    for index, provider in enumerate(providers):
        own = [s for s in cat.specs if s.py == py and s.provider == provider and s.layer != "tools"]
        if index == 0:
            added = own
        else:
            added = []
            for spec in own:
                if spec.key in seen:
                    continue
                override = overrides.get(spec.key)
                added.append(dataclasses.replace(spec, version=override.version, reason=override.reason,
                                                 missing=override.missing) if override else spec)
        seen.update(s.key for s in added)
        promised.extend(added)
        groups += groups_of(added, provider if index == 0 else "union-" + provider, provider)
    unused = set(overrides) - seen
    if unused:
        raise BuildError("union.toml overrides %s for py%s, which no table of py%s lists" % (sorted(unused), py, py))
    line = cat.python(py)
    return TagPlan(tag="py%s" % py, py=py, kind=UNION, provider=line.default_provider, groups=tuple(groups),
                   specs=tuple(promised), apt=cat.apt_of(py, providers),
                   platform=tuple(sorted(cat.platform_of(providers).items())))


def plan(cat, pys=None, providers=None, tags=None):
    """Every tag of the matrix, filtered by Python version, provider ('union' for the union tags) and tag."""
    plans = []
    for line in cat.pythons:
        if pys and line.py not in pys:
            continue
        candidates = [strict_plan(cat, line.py, p) for p in cat.providers_for(line.py)]
        candidates.insert(1 if candidates and candidates[0].provider == line.default_provider else 0,
                          union_plan(cat, line.py))
        for tag_plan in candidates:
            if providers and tag_plan.kind not in providers:
                continue
            if tags and tag_plan.tag not in tags:
                continue
            plans.append(tag_plan)
    return plans


def deviations_markdown(cat):
    """The README's deviation table and known pip-check conflicts, from the tables (one source of truth)."""
    rows = {}
    for spec in list(cat.specs) + list(cat.overrides):
        if not (spec.deviates or spec.provider == UNION):
            continue
        installed = "not installed" if spec.missing else spec.version
        if spec.import_error is not None:
            installed += " (does not import)"
        table = "union image" if spec.provider == UNION else spec.provider
        key = (table, spec.name, spec.table or "—", installed, spec.missing or spec.reason)
        rows.setdefault(key, []).append(spec.py)
    lines = ["| Python | table | library | table's version | installed | why |", "|---|---|---|---|---|---|"]
    order = {name: i for i, name in enumerate(["base"] + list(STRICT_ORDER) + ["union image"])}
    for key in sorted(rows, key=lambda k: (order.get(k[0], 9), normalize(k[1]), rows[k])):
        table, name, listed, installed, why = key
        pys = ", ".join(cat.python(py).version for py in sorted(rows[key]))
        lines.append("| %s | %s | %s | %s | %s | %s |" % (pys, table, name, listed, installed, why.replace("|", "/")))
    lines += ["", "Known `pip check` conflicts (the tests expect exactly these):", ""]
    for conflict in cat.known_conflicts:
        where = "union images" if conflict["provider"] == UNION else "%s and union images" % conflict["provider"]
        lines.append("- %s requires %s (Python %s, %s): %s" % (
            conflict["dist"], conflict["requirement"], ", ".join(cat.python(p).version for p in conflict["py"]),
            where, conflict["reason"]))
    return "\n".join(lines) + "\n"
