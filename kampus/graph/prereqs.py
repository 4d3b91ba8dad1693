"""The prerequisite graph: build it, validate it, name the cycles an edit would close.

A catalogue is a set of modules and a set of prerequisite edges ``before → after``
("before" comes first), each of kind ``required`` (gates ``after``) or
``recommended`` (orders only). The whole catalogue is one :class:`networkx.DiGraph`
keyed by module slug; it must always be acyclic.

Call :func:`validate` first on anything that comes from people (the authoring
forms, an import file, the seed): it reports every problem with a message a
person can act on. :func:`build_graph` assumes well-formed input and raises on
the first edge that names an unknown module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import networkx as nx

from kampus.errors import CycleError, UnknownModule

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
KINDS = ("required", "recommended")
STATUSES = ("draft", "published", "retired")

#: The node attributes copied from each module mapping.
NODE_ATTRIBUTES = ("theme", "theme_position", "position", "level", "minutes", "status")

#: At most this many cycles are reported by :func:`validate`: one loop usually hides
#: many more through the same modules, and ten are plenty to find the bad edge.
MAX_CYCLES = 10

ARROW = " → "


def build_graph(modules: Iterable[Mapping[str, Any]], prerequisites: Iterable[Mapping[str, Any]]) -> nx.DiGraph[str]:
    """Build the catalogue graph.

    ``modules``: mappings with the keys ``slug``, ``theme``, ``theme_position``,
    ``position``, ``level``, ``minutes`` and ``status``; one node per module keyed by
    slug, carrying the other keys as attributes.
    ``prerequisites``: mappings with the keys ``before``, ``after`` and ``kind``; one
    edge ``before → after`` each, with the attribute ``kind``.

    Raises :class:`~kampus.errors.UnknownModule` for an edge end that names no
    module. Nothing else is checked here (a repeated edge keeps the last kind, a
    self-loop or a cycle is built as given): run :func:`validate` first for a
    full, friendly report.
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for module in modules:
        graph.add_node(module["slug"], **{name: module[name] for name in NODE_ATTRIBUTES})
    for edge in prerequisites:
        before, after = edge["before"], edge["after"]
        for end, field_name in ((before, "before"), (after, "after")):
            if end not in graph:
                raise UnknownModule(end, field=field_name)
        graph.add_edge(before, after, kind=edge["kind"])
    return graph


@dataclass(frozen=True)
class Finding:
    """One problem found by :func:`validate`.

    ``code`` is stable (tests and templates key on it); ``message`` is for people;
    ``subject`` names what to fix: a module slug, or an edge as ``"a → b"``.
    """

    code: str
    message: str
    subject: str | None = None


@dataclass
class Report:
    """What :func:`validate` found: ``errors`` must be fixed, ``warnings`` should be looked at."""

    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings do not count)."""
        return not self.errors


def edge_name(before: str, after: str) -> str:
    """An edge as people read it: ``"a → b"``."""
    return f"{before}{ARROW}{after}"


def validate(modules: Iterable[Mapping[str, Any]], prerequisites: Iterable[Mapping[str, Any]]) -> Report:
    """Check a catalogue and report every problem found, errors before warnings.

    Takes the same mappings as :func:`build_graph` (only ``slug``, ``theme`` and
    ``status`` of a module are read; ``before``, ``after`` and ``kind`` of an edge).

    Errors (codes): ``duplicate_module`` (a slug used by two modules),
    ``unknown_module`` (an edge to or from a slug that is no module),
    ``self_loop``, ``duplicate_edge`` (the same ``before → after`` pair twice,
    whatever the kinds), ``cycle`` (message ``cycle: a → b → c → a``, in edge order,
    starting from the loop's smallest slug; at most :data:`MAX_CYCLES`, at least one
    per strongly connected part while the cap allows).

    Warnings (codes): ``redundant_edge`` (a required edge implied by a chain of
    other required edges), ``requires_unpublished`` (a published module requires a
    draft or retired one), ``isolated`` (a module with no edge at all while its
    theme has other modules).

    Warnings are computed even when there are errors, on the well-formed part of
    the input: edges between known modules, self-loops left out, a repeated pair
    counted once. ``redundant_edge`` needs the required edges to be acyclic and is
    skipped when they are not (the cycle error says what to fix first).
    Raises nothing for bad data; that is what the report is for.
    """
    modules = list(modules)
    prerequisites = list(prerequisites)
    report = Report()

    status: dict[str, str | None] = {}
    theme: dict[str, str | None] = {}
    slug_counts = Counter(module["slug"] for module in modules)
    for module in modules:
        status.setdefault(module["slug"], module.get("status"))
        theme.setdefault(module["slug"], module.get("theme"))
    for slug in sorted(slug for slug, count in slug_counts.items() if count > 1):
        report.errors.append(
            Finding(
                "duplicate_module",
                f"module {slug} is defined {slug_counts[slug]} times; a slug names one module",
                slug,
            )
        )

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(status)
    kinds_seen: dict[tuple[str, str], list[str | None]] = {}
    for edge in prerequisites:
        before, after, kind = edge["before"], edge["after"], edge.get("kind")
        name = edge_name(before, after)
        unknown = [end for end in dict.fromkeys((before, after)) if end not in status]
        for end in unknown:
            report.errors.append(
                Finding(
                    "unknown_module",
                    f"prerequisite {name} names an unknown module: {end}; "
                    f"create the module {end} or remove the prerequisite",
                    name,
                )
            )
        if unknown:
            continue
        if before == after:
            report.errors.append(
                Finding(
                    "self_loop",
                    f"module {before} cannot be its own prerequisite ({name}); remove the prerequisite",
                    name,
                )
            )
            continue
        pair = (before, after)
        if pair in kinds_seen:
            kinds_seen[pair].append(kind)
            continue
        kinds_seen[pair] = [kind]
        graph.add_edge(before, after, kind=kind)

    for (before, after), kinds in kinds_seen.items():
        if len(kinds) > 1:
            name = edge_name(before, after)
            report.errors.append(
                Finding(
                    "duplicate_edge",
                    f"prerequisite {name} is listed {len(kinds)} times "
                    f"(as {', '.join(str(kind) for kind in kinds)}); keep one",
                    name,
                )
            )

    for cycle in find_cycles(graph, MAX_CYCLES):
        report.errors.append(
            Finding(
                "cycle",
                "cycle: " + ARROW.join(cycle),
                edge_name(cycle[0], cycle[1]),
            )
        )

    report.warnings.extend(_redundant_edges(graph))
    report.warnings.extend(_unpublished_requirements(graph, status))
    report.warnings.extend(_isolated_modules(graph, theme))
    return report


def find_cycles(graph: nx.DiGraph[str], limit: int = MAX_CYCLES) -> list[list[str]]:
    """Up to ``limit`` distinct simple cycles of ``graph``, each named in edge order.

    Each cycle starts from its smallest slug and repeats it at the end
    (``[a, b, c, a]``). Every strongly connected part with a loop gets one cycle
    before any part gets a second, so that no loop hides behind another.
    Self-loops are left to the caller (``validate`` reports them on their own).
    """
    parts = sorted(
        (part for part in nx.strongly_connected_components(graph) if len(part) > 1),
        key=min,
    )
    generators = [nx.simple_cycles(graph.subgraph(part)) for part in parts]
    found: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    while generators and len(found) < limit:
        still_going = []
        for generator in generators:
            if len(found) >= limit:
                break
            cycle = next(generator, None)
            if cycle is None:
                continue
            still_going.append(generator)
            named = _name_cycle(cycle)
            if tuple(named) not in seen:
                seen.add(tuple(named))
                found.append(named)
        generators = still_going
    return found


def _name_cycle(nodes: list[str]) -> list[str]:
    """Rotate a cycle (edge order, no repeat) to start at its smallest slug; repeat it last."""
    start = nodes.index(min(nodes))
    rotated = nodes[start:] + nodes[:start]
    return rotated + [rotated[0]]


def edge_kinds(graph: nx.DiGraph[str]) -> Iterator[tuple[str, str, str]]:
    """Every edge of ``graph`` as ``(before, after, kind)``."""
    return cast(Iterator[tuple[str, str, str]], iter(graph.edges(data="kind")))


def _required_subgraph(graph: nx.DiGraph[str]) -> nx.DiGraph[str]:
    required: nx.DiGraph[str] = nx.DiGraph()
    required.add_nodes_from(graph)
    required.add_edges_from((before, after) for before, after, kind in edge_kinds(graph) if kind == "required")
    return required


def _redundant_edges(graph: nx.DiGraph[str]) -> list[Finding]:
    required = _required_subgraph(graph)
    if not nx.is_directed_acyclic_graph(required):
        return []
    findings = []
    for (before, after), chain in sorted(redundant_edges(required).items()):
        name = edge_name(before, after)
        findings.append(
            Finding(
                "redundant_edge",
                f"required prerequisite {name} is implied by {ARROW.join(chain)}; remove it, or make it recommended",
                name,
            )
        )
    return findings


def redundant_edges(dag: nx.DiGraph[str]) -> dict[tuple[str, str], list[str]]:
    """The edges of ``dag`` that ``networkx.transitive_reduction`` would drop.

    Returns ``{(u, v): chain}`` where ``chain`` is another path ``u → … → v``
    that implies the edge. An edge ``u → v`` is redundant when ``u`` is also an
    ancestor of another predecessor of ``v``. Ancestor sets are integer bitsets
    built once in topological order: the same edges as ``transitive_reduction``
    (tests check it), which walks the descendants of every node again and took
    seconds on large catalogues. Raises ``networkx.NetworkXUnfeasible`` if
    ``dag`` has a cycle.
    """
    order = list(nx.topological_sort(dag))
    bit = {node: 1 << index for index, node in enumerate(order)}
    ancestors: dict[str, int] = {}
    redundant: dict[tuple[str, str], list[str]] = {}
    for node in order:
        predecessors = sorted(dag.predecessors(node))
        above = 0  # the ancestors of the predecessors: what longer paths reach
        direct = 0
        for before in predecessors:
            above |= ancestors[before]
            direct |= bit[before]
        ancestors[node] = above | direct
        for before in predecessors:
            if above & bit[before]:
                redundant[(before, node)] = _chain(dag, ancestors, bit, before, node)
    return redundant


def _chain(dag: nx.DiGraph[str], ancestors: dict[str, int], bit: dict[str, int], before: str, after: str) -> list[str]:
    """A path ``before → … → after`` of two edges or more, walked back from ``after``."""
    wanted = bit[before]
    path = [after]
    node = after
    while True:
        predecessors = sorted(dag.predecessors(node))
        if node != after and before in predecessors:
            path.append(before)
            return path[::-1]
        node = next(p for p in predecessors if p != before and ancestors[p] & wanted)
        path.append(node)


def _unpublished_requirements(graph: nx.DiGraph[str], status: Mapping[str, str | None]) -> list[Finding]:
    findings = []
    for before, after, kind in sorted(edge_kinds(graph)):
        if kind != "required" or status[after] != "published":
            continue
        if status[before] in ("draft", "retired"):
            findings.append(
                Finding(
                    "requires_unpublished",
                    f"published module {after} requires {before}, which is {status[before]}; "
                    f"publish {before}, or make the prerequisite recommended or remove it",
                    edge_name(before, after),
                )
            )
    return findings


def _isolated_modules(graph: nx.DiGraph[str], theme: Mapping[str, str | None]) -> list[Finding]:
    theme_sizes = Counter(theme.values())
    findings = []
    for slug in sorted(graph):
        if graph.in_degree(slug) or graph.out_degree(slug):
            continue
        if theme_sizes[theme[slug]] > 1:
            findings.append(
                Finding(
                    "isolated",
                    f"module {slug} has no prerequisites and is no module's prerequisite, "
                    f"though theme {theme[slug]} has other modules; link it to them",
                    slug,
                )
            )
    return findings


def cycle_if_added(graph: nx.DiGraph[str], before: str, after: str) -> list[str] | None:
    """The loop that a new edge ``before → after`` would close, or None.

    The loop is a list of slugs in edge order, starting with ``before`` and
    repeating it at the end: ``[before, after, …, before]``; a self-loop gives
    ``[before, before]``. The existing path back is a shortest one. An unknown
    slug closes no loop (None); :func:`check_edge` refuses it.
    """
    if before == after:
        return [before, before]
    if before not in graph or after not in graph:
        return None
    try:
        path_back = nx.shortest_path(graph, after, before)
    except nx.NetworkXNoPath:
        return None
    return [before, *path_back]


def check_edge(graph: nx.DiGraph[str], before: str, after: str) -> None:
    """Refuse a new edge ``before → after`` that the catalogue cannot take.

    Raises :class:`~kampus.errors.UnknownModule` (``field`` ``"before"`` or
    ``"after"``) when an end is no module of ``graph``, and
    :class:`~kampus.errors.CycleError` (``field`` ``"after"``) naming the loop,
    in edge order from ``before``, when the edge would close one. An edge that
    already exists passes (changing its kind is fine); the database's unique
    pair refuses a second copy.
    """
    for end, field_name in ((before, "before"), (after, "after")):
        if end not in graph:
            raise UnknownModule(end, field=field_name)
    cycle = cycle_if_added(graph, before, after)
    if cycle is not None:
        raise CycleError(cycle, field="after")


def level_rank(level: str | None) -> int:
    """Position of a DigCompEdu level in :data:`LEVELS`; an unknown level sorts last."""
    try:
        return LEVELS.index(level)
    except ValueError:
        return len(LEVELS)


__all__ = [
    "KINDS",
    "LEVELS",
    "MAX_CYCLES",
    "STATUSES",
    "Finding",
    "Report",
    "build_graph",
    "check_edge",
    "cycle_if_added",
    "edge_name",
    "find_cycles",
    "level_rank",
    "redundant_edges",
    "validate",
]
