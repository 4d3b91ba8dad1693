"""How far a learner has come on a path: what is done and what is still needed.

A path's modules are its goals and everything they require, directly or not.
``done`` counts those the learner has satisfied; ``needed`` the steps the
planner still asks for. A progress bar shows ``done`` of ``done + needed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from kampus.graph.goals import required_closure
from kampus.graph.planner import Plan


@dataclass(frozen=True)
class Coverage:
    done: int
    needed: int
    done_minutes: int
    needed_minutes: int

    @property
    def total(self) -> int:
        return self.done + self.needed

    @property
    def percent(self) -> int:
        """Share done, rounded down (100 only when nothing is needed)."""
        if self.total == 0:
            return 100
        return 100 * self.done // self.total


def coverage(graph: nx.DiGraph[str], goals: Iterable[str], satisfied: Iterable[str], plan: Plan) -> Coverage:
    """Done and needed modules (and minutes) of a path planned as ``plan``. Retired modules are not counted."""
    satisfied = set(satisfied)
    done = [s for s in required_closure(graph, goals) if s in satisfied and graph.nodes[s].get("status") != "retired"]
    return Coverage(
        done=len(done),
        needed=len(plan.steps),
        done_minutes=sum(graph.nodes[s].get("minutes", 0) for s in done),
        needed_minutes=plan.total_minutes,
    )
