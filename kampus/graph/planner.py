"""A learner's ordered path, derived from their goals, the graph and their progress.

The path is never stored: :func:`plan` recomputes it on demand, so content edits
never lose progress and a completed module stays completed whatever edges are
added later.

The rules (DESIGN.md, "Planning"):

* **Needed set**: every goal not satisfied, plus every module reached backwards
  from one over ``required`` edges through unsatisfied modules only. The walk
  stops at a satisfied module. ``recommended`` edges never add modules. A
  retired module is never needed: it counts as satisfied and is reported in
  ``Plan.warnings``.
* **Order**: Kahn's algorithm over the needed modules and the edges between them
  (both kinds), always taking the ready module with the smallest key
  ``(not in progress, theme position, level, position, slug)``; the same order
  ``networkx.lexicographical_topological_sort`` gives with that key.
* **Status** of a step: ``locked`` when a required prerequisite is unsatisfied
  (even if the module was started), else ``in_progress`` when started, else
  ``available``.

Performance: a plan touches only the needed modules and their edges (no copy of
the graph, no subgraph view), reading networkx's own adjacency dicts directly.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kampus.errors import CycleError, DomainError, UnknownModule
from kampus.graph.prereqs import LEVELS

LOCKED = "locked"
IN_PROGRESS = "in_progress"
AVAILABLE = "available"

_UNKNOWN_LEVEL_RANK = len(LEVELS)


class _LevelRanks(dict[str, int]):
    """Level → rank; an unknown level ranks after all known ones (a subscript is cheaper than ``get``)."""

    def __missing__(self, level: str) -> int:
        return _UNKNOWN_LEVEL_RANK


_LEVEL_RANK = _LevelRanks((level, rank) for rank, level in enumerate(LEVELS))


class PlanError(DomainError):
    """A planning request that cannot be answered, e.g. no weekly time to plan with."""


@dataclass(slots=True)
class Step:
    """One module of a path, in order.

    ``status`` is ``locked``, ``in_progress`` or ``available``; ``blocked_by`` lists
    the unsatisfied required prerequisites (sorted; empty unless locked);
    ``week`` is the week (from 1) in which the step's first minute falls, or None
    when no weekly time was given.
    """

    slug: str
    status: str
    blocked_by: list[str]
    minutes: int
    week: int | None = None


@dataclass
class Plan:
    """A learner's ordered path and what it means in time.

    ``finish`` needs ``start`` and ``minutes_per_week``; ``on_track`` needs
    ``finish`` and ``due``; ``minutes_per_week_needed`` needs ``start`` and
    ``due``. Each is None when it cannot be computed; ``finish`` is None too
    (with a warning, and ``on_track`` False) when it would fall after the year 9999.
    """

    steps: list[Step]
    total_minutes: int = 0
    finish: dt.date | None = None
    on_track: bool | None = None
    minutes_per_week_needed: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def slugs(self) -> list[str]:
        """The module slugs of the path, in order."""
        return [step.slug for step in self.steps]

    @property
    def next_available(self) -> Step | None:
        """The first step the learner can work on now (in progress or available), if any."""
        for step in self.steps:
            if step.status != LOCKED:
                return step
        return None


def plan(
    graph: nx.DiGraph[str],
    goals: Iterable[str],
    satisfied: Iterable[str],
    *,
    in_progress: Iterable[str] = (),
    minutes_per_week: int | None = None,
    start: dt.date | None = None,
    due: dt.date | None = None,
) -> Plan:
    """Plan the path to ``goals`` for a learner who has ``satisfied`` some modules.

    ``graph`` is the catalogue from :func:`~kampus.graph.prereqs.build_graph`;
    ``goals`` are module slugs; ``satisfied`` the slugs completed or recognised;
    ``in_progress`` the slugs started. Slugs in ``satisfied`` or ``in_progress``
    that the graph does not know are ignored (a module may have been removed).

    Returns a :class:`Plan`. Raises :class:`~kampus.errors.UnknownModule` for a
    goal the graph does not know, :class:`PlanError` for a ``minutes_per_week``
    of zero or less, and :class:`~kampus.errors.CycleError` if the needed
    modules contain a loop (the catalogue must be acyclic; validation refuses
    loops before they reach here).
    """
    if minutes_per_week is not None and minutes_per_week <= 0:
        raise PlanError(
            f"the weekly time must be at least one minute (got {minutes_per_week})",
            field="minutes_per_week",
        )
    goals = list(goals)
    satisfied = _as_set(satisfied)
    in_progress = _as_set(in_progress)
    # networkx's own adjacency dicts, read only: views cost more than the work.
    nodes = graph._node  # type: ignore[attr-defined]
    pred = graph._pred  # type: ignore[attr-defined]
    level_rank = _LEVEL_RANK

    # One walk back from the goals finds the needed set and, on the way, every
    # needed module's record: a list that is the module's sort key up to the slug
    # (slugs are unique, so comparisons never look further) and then the module's
    # minutes, its followers inside the needed set (records), its required
    # prerequisites inside the needed set (slugs: what blocks it) and its count of
    # unplaced predecessors for Kahn's algorithm:
    #   [not in progress, theme position, level rank, position, slug,
    #    minutes, followers, blockers, indegree]
    # Every unsatisfied, unretired required prerequisite of a needed module is
    # needed too, so required edges are settled during the walk; a recommended
    # edge counts only if its start turns out to be needed, known after the walk.
    record_of: dict[str, list[Any]] = {}
    stack: list[list[Any]] = []
    retired_goals: list[str] = []
    retired_prerequisites: set[str] = set()
    for goal in goals:
        attributes = nodes.get(goal)
        if attributes is None:
            raise UnknownModule(goal, field="goals")
        if goal in satisfied or goal in record_of:
            continue
        if attributes["status"] == "retired":
            retired_goals.append(goal)
            continue
        record = record_of[goal] = [
            goal not in in_progress,
            attributes["theme_position"],
            level_rank[attributes["level"]],
            attributes["position"],
            goal,
            attributes["minutes"] or 0,
            [],
            None,
            0,
        ]
        stack.append(record)

    recommended: list[tuple[str, list[Any]]] = []
    while stack:
        record = stack.pop()
        blockers = []
        for before, edge in pred[record[4]].items():
            if edge["kind"] != "required":
                recommended.append((before, record))
            elif before in record_of:
                record_of[before][6].append(record)
                blockers.append(before)
            elif before not in satisfied:
                attributes = nodes[before]
                if attributes["status"] == "retired":
                    retired_prerequisites.add(before)
                    continue
                earlier = record_of[before] = [
                    before not in in_progress,
                    attributes["theme_position"],
                    level_rank[attributes["level"]],
                    attributes["position"],
                    before,
                    attributes["minutes"] or 0,
                    [record],
                    None,
                    0,
                ]
                stack.append(earlier)
                blockers.append(before)
        record[7] = blockers
        record[8] = len(blockers)
    for before, record in recommended:
        if before in record_of:
            record_of[before][6].append(record)
            record[8] += 1

    # Kahn's algorithm, always taking the ready module with the smallest key.
    ready = [record for record in record_of.values() if not record[8]]
    heapq.heapify(ready)
    pop, push = heapq.heappop, heapq.heappush
    steps: list[Step] = []
    append = steps.append
    elapsed = 0
    week = None
    while ready:
        not_started, _, _, _, slug, minutes, followers, blockers, _ = pop(ready)
        if blockers:
            blockers.sort()
            status = LOCKED
        else:
            status = AVAILABLE if not_started else IN_PROGRESS
        if minutes_per_week is not None:
            week = 1 + elapsed // minutes_per_week
        append(Step(slug, status, blockers, minutes, week))
        elapsed += minutes
        for later in followers:
            later[8] -= 1
            if not later[8]:
                push(ready, later)
    if len(steps) != len(record_of):
        left = set(record_of).difference(step.slug for step in steps)
        raise CycleError(_any_cycle(graph, left))

    result = Plan(steps=steps, total_minutes=elapsed)
    if retired_goals or retired_prerequisites:
        result.warnings = _retired_warnings(retired_goals, retired_prerequisites)
    if start is not None and minutes_per_week is not None:
        weeks = -(-elapsed // minutes_per_week)
        if 7 * weeks <= dt.date.max.toordinal() - start.toordinal():
            result.finish = start + dt.timedelta(days=7 * weeks)
            if due is not None:
                result.on_track = result.finish <= due
        else:
            # No calendar date exists that late: say so instead of failing on the date arithmetic.
            result.warnings.append(
                f"at {minutes_per_week} minutes a week the path would end after the year {dt.date.max.year}, "
                "so it has no finish date"
            )
            if due is not None:
                result.on_track = False
    if start is not None and due is not None:
        weeks_available = max(1, -(-(due - start).days // 7))
        result.minutes_per_week_needed = -(-elapsed // weeks_available)
    return result


def unsatisfied_prerequisites(graph: nx.DiGraph[str], slug: str, satisfied: Iterable[str]) -> list[str]:
    """The required prerequisites of ``slug`` not yet satisfied, sorted: what locks it.

    Retired prerequisites count as satisfied. An empty list means the module is
    open. Raises :class:`~kampus.errors.UnknownModule` for an unknown slug.
    """
    if slug not in graph:
        raise UnknownModule(slug)
    satisfied = _as_set(satisfied)
    nodes = graph._node  # type: ignore[attr-defined]
    return sorted(
        before
        for before, edge in graph._pred[slug].items()  # type: ignore[attr-defined]
        if edge["kind"] == "required" and before not in satisfied and nodes[before]["status"] != "retired"
    )


def is_locked(graph: nx.DiGraph[str], slug: str, satisfied: Iterable[str]) -> bool:
    """True when ``slug`` has a required prerequisite not yet satisfied (retired counts as satisfied)."""
    return bool(unsatisfied_prerequisites(graph, slug, satisfied))


def order_key(graph: nx.DiGraph[str], in_progress: Iterable[str] = ()) -> Callable[[str], tuple[Any, ...]]:
    """The ordering key of :func:`plan`, for ``networkx.lexicographical_topological_sort``.

    ``(not in progress, theme position, level, position, slug)``: in-progress
    modules first, then by theme, level, position within the theme and slug.
    """
    in_progress = _as_set(in_progress)
    nodes = graph._node  # type: ignore[attr-defined]
    return lambda slug: _sort_key(nodes[slug], slug, in_progress)


def _sort_key(attributes: dict[str, Any], slug: str, in_progress: Collection[str]) -> tuple[Any, ...]:
    return (
        slug not in in_progress,
        attributes["theme_position"],
        _LEVEL_RANK.get(attributes["level"], _UNKNOWN_LEVEL_RANK),
        attributes["position"],
        slug,
    )


def _as_set(slugs: Iterable[str]) -> Collection[str]:
    return slugs if isinstance(slugs, (set, frozenset, dict)) else set(slugs)


def _retired_warnings(retired_goals: list[str], retired_prerequisites: set[str]) -> list[str]:
    warnings = [f"goal {slug} is retired, so it is left out of the path" for slug in sorted(retired_goals)]
    warnings.extend(
        f"module {slug} is retired: it is treated as done, so nothing on the path waits for it"
        for slug in sorted(retired_prerequisites)
    )
    return warnings


def _any_cycle(graph: nx.DiGraph[str], among: set[str]) -> list[str]:
    cycle = nx.find_cycle(graph.subgraph(among))
    return [before for before, _after in cycle] + [cycle[0][0]]


__all__ = [
    "AVAILABLE",
    "IN_PROGRESS",
    "LOCKED",
    "Plan",
    "PlanError",
    "Step",
    "is_locked",
    "order_key",
    "plan",
    "unsatisfied_prerequisites",
]
