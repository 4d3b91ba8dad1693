"""What an edit of the catalogue would change for learners, shown before it is saved.

An author edits prerequisites; :func:`impact` compares every learner's plan on
the graph before and after the edit and lists whose path changes and which
modules that people have started would become locked; for each changed path
the planned minutes before and after; and, for a path with a due date, whether
the deadline state (:func:`kampus.graph.deadlines.deadline_state`, the one rule)
moves from on track or done to at risk or overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import networkx as nx

from kampus.graph.deadlines import AT_RISK, DONE, ON_TRACK, OVERDUE, deadline_state
from kampus.graph.planner import Plan, plan, unsatisfied_prerequisites


@dataclass(frozen=True)
class ImpactLearner:
    """What the engine needs to know of one learner: goals, satisfied and in-progress slugs."""

    goals: Iterable[str] = ()
    satisfied: Iterable[str] = ()
    in_progress: Iterable[str] = ()
    #: An assigned path's due date, with the pace and today's date its deadline state assumes.
    due: dt.date | None = None
    minutes_per_week: int | None = None
    today: dt.date | None = None


#: A learner's id: whatever the caller keys its learners by.
K = TypeVar("K", bound=Hashable)


@dataclass
class Impact(Generic[K]):
    """The consequences of an edit.

    ``changed``: sorted ids of the learners whose plan steps (slug, status,
    blocked_by) differ. ``newly_locked``: module slug → sorted ids of the
    learners who have the module in progress and for whom it was open before
    the edit and locked after it. ``minutes``: learner id → (planned minutes
    before, after) for every changed plan. ``at_risk``: learner id → (deadline
    state before, after) for the changed plans with a due date whose state gets
    worse (done or on track → at risk or overdue).
    """

    changed: list[K] = field(default_factory=list)
    newly_locked: dict[str, list[K]] = field(default_factory=dict)
    minutes: dict[K, tuple[int, int]] = field(default_factory=dict)
    at_risk: dict[K, tuple[str, str]] = field(default_factory=dict)

    @property
    def learners_changed(self) -> int:
        """How many learners' plans change."""
        return len(self.changed)

    @property
    def learners_newly_locked(self) -> int:
        """How many distinct learners find a started module locked."""
        return len({learner for learners in self.newly_locked.values() for learner in learners})


def impact(
    graph_before: nx.DiGraph[str],
    graph_after: nx.DiGraph[str],
    learners: Mapping[K, ImpactLearner | Mapping[str, Any]],
) -> Impact[K]:
    """Compare the learners' plans on ``graph_before`` and ``graph_after``.

    ``learners`` maps a learner id to a :class:`ImpactLearner` or a mapping with
    the keys ``goals``, ``satisfied`` and ``in_progress`` (missing keys mean
    empty). A goal a graph does not know (a module added or removed by the
    edit) is dropped from the plan on that graph rather than refused. Raises
    nothing for unknown slugs; ``CycleError`` only if a graph has a loop.
    """
    changed: list[K] = []
    newly_locked: dict[str, list[K]] = {}
    minutes: dict[K, tuple[int, int]] = {}
    at_risk: dict[K, tuple[str, str]] = {}
    for learner_id, state in learners.items():
        goals, satisfied, in_progress = _unpack(state)
        before = _plan(graph_before, goals, satisfied, in_progress)
        after = _plan(graph_after, goals, satisfied, in_progress)
        if _steps(before) != _steps(after):
            changed.append(learner_id)
            minutes[learner_id] = (before.total_minutes, after.total_minutes)
            if isinstance(state, ImpactLearner) and state.due is not None and state.today is not None:
                due, pace, today = state.due, state.minutes_per_week, state.today
                was = deadline_state(_plan(graph_before, goals, satisfied, in_progress, pace, today, due), today, due)
                now = deadline_state(_plan(graph_after, goals, satisfied, in_progress, pace, today, due), today, due)
                if was in (DONE, ON_TRACK) and now in (AT_RISK, OVERDUE):
                    at_risk[learner_id] = (was, now)
        for slug in in_progress:
            if slug in satisfied:
                continue
            if _locked(graph_after, slug, satisfied) and not _locked(graph_before, slug, satisfied):
                newly_locked.setdefault(slug, []).append(learner_id)
    return Impact(
        changed=sorted(changed, key=_id_order),
        newly_locked={slug: sorted(ids, key=_id_order) for slug, ids in sorted(newly_locked.items())},
        minutes=minutes,
        at_risk=at_risk,
    )


def _unpack(state: ImpactLearner | Mapping[str, Any]) -> tuple[list[str], set[str], set[str]]:
    if isinstance(state, Mapping):
        goals = state.get("goals", ())
        satisfied = state.get("satisfied", ())
        in_progress = state.get("in_progress", ())
    else:
        goals, satisfied, in_progress = state.goals, state.satisfied, state.in_progress
    return list(goals or ()), set(satisfied or ()), set(in_progress or ())


def _plan(
    graph: nx.DiGraph[str],
    goals: list[str],
    satisfied: set[str],
    in_progress: set[str],
    minutes_per_week: int | None = None,
    start: dt.date | None = None,
    due: dt.date | None = None,
) -> Plan:
    known_goals = [goal for goal in goals if goal in graph]
    return plan(
        graph,
        known_goals,
        satisfied,
        in_progress=in_progress,
        minutes_per_week=minutes_per_week if due is not None else None,
        start=start if due is not None else None,
        due=due,
    )


def _steps(path: Plan) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(step.slug, step.status, tuple(step.blocked_by)) for step in path.steps]


def _locked(graph: nx.DiGraph[str], slug: str, satisfied: set[str]) -> bool:
    return slug in graph and bool(unsatisfied_prerequisites(graph, slug, satisfied))


def _id_order(learner_id: Any) -> tuple[str, Any]:
    # Learner ids are usually ints; sort mixed ids by type name first rather than fail.
    return (type(learner_id).__name__, learner_id)


__all__ = ["Impact", "ImpactLearner", "impact"]
