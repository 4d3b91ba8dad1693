"""What an edit of the catalogue would change for learners, shown before it is saved.

An author edits prerequisites; :func:`impact` compares every learner's plan on
the graph before and after the edit and lists whose path changes and which
modules that people have started would become locked.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kampus.graph.planner import plan, unsatisfied_prerequisites


@dataclass(frozen=True)
class LearnerState:
    """What the engine needs to know of one learner: goals, satisfied and in-progress slugs."""

    goals: Iterable[str] = ()
    satisfied: Iterable[str] = ()
    in_progress: Iterable[str] = ()


@dataclass
class Impact:
    """The consequences of an edit.

    ``changed``: sorted ids of the learners whose plan steps (slug, status,
    blocked_by) differ. ``newly_locked``: module slug → sorted ids of the
    learners who have the module in progress and for whom it was open before
    the edit and locked after it.
    """

    changed: list[Hashable] = field(default_factory=list)
    newly_locked: dict[str, list[Hashable]] = field(default_factory=dict)

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
    learners: Mapping[Hashable, LearnerState | Mapping[str, Any]],
) -> Impact:
    """Compare the learners' plans on ``graph_before`` and ``graph_after``.

    ``learners`` maps a learner id to a :class:`LearnerState` or a mapping with
    the keys ``goals``, ``satisfied`` and ``in_progress`` (missing keys mean
    empty). A goal a graph does not know (a module added or removed by the
    edit) is dropped from the plan on that graph rather than refused. Raises
    nothing for unknown slugs; ``CycleError`` only if a graph has a loop.
    """
    changed: list[Hashable] = []
    newly_locked: dict[str, list[Hashable]] = {}
    for learner_id, state in learners.items():
        goals, satisfied, in_progress = _unpack(state)
        before = _steps(graph_before, goals, satisfied, in_progress)
        after = _steps(graph_after, goals, satisfied, in_progress)
        if before != after:
            changed.append(learner_id)
        for slug in in_progress:
            if slug in satisfied:
                continue
            if _locked(graph_after, slug, satisfied) and not _locked(graph_before, slug, satisfied):
                newly_locked.setdefault(slug, []).append(learner_id)
    return Impact(
        changed=sorted(changed, key=_id_order),
        newly_locked={slug: sorted(ids, key=_id_order) for slug, ids in sorted(newly_locked.items())},
    )


def _unpack(state: LearnerState | Mapping[str, Any]) -> tuple[list[str], set[str], set[str]]:
    if isinstance(state, Mapping):
        goals = state.get("goals", ())
        satisfied = state.get("satisfied", ())
        in_progress = state.get("in_progress", ())
    else:
        goals, satisfied, in_progress = state.goals, state.satisfied, state.in_progress
    return list(goals or ()), set(satisfied or ()), set(in_progress or ())


def _steps(
    graph: nx.DiGraph[str], goals: list[str], satisfied: set[str], in_progress: set[str]
) -> list[tuple[str, str, tuple[str, ...]]]:
    known_goals = [goal for goal in goals if goal in graph]
    path = plan(graph, known_goals, satisfied, in_progress=in_progress)
    return [(step.slug, step.status, tuple(step.blocked_by)) for step in path.steps]


def _locked(graph: nx.DiGraph[str], slug: str, satisfied: set[str]) -> bool:
    return slug in graph and bool(unsatisfied_prerequisites(graph, slug, satisfied))


def _id_order(learner_id: Any) -> tuple[str, Any]:
    # Learner ids are usually ints; sort mixed ids by type name first rather than fail.
    return (type(learner_id).__name__, learner_id)


__all__ = ["Impact", "LearnerState", "impact"]
