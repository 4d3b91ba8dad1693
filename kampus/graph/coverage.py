"""How far a learner has come on a path: what is done and what is still needed.

A path's modules are its goals and everything they require, directly or not.
``done`` counts those the learner has satisfied; ``needed`` the steps the
planner still asks for. A progress bar shows ``done`` of ``done + needed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

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


def goal_modules(graph: nx.DiGraph[str], module_slugs: Iterable[str], theme_slugs: Iterable[str]) -> list[str]:
    """A path's or template's goals as module slugs: the chosen modules, then every
    published module of each chosen theme (as the theme is now), each once, known ones only."""
    themes = set(theme_slugs)
    slugs = list(module_slugs)
    if themes:
        slugs.extend(
            s for s, d in graph.nodes(data=True) if d.get("theme") in themes and d.get("status") == "published"
        )
    return [s for s in dict.fromkeys(slugs) if s in graph]


def required_closure(graph: nx.DiGraph[str], goals: Iterable[str]) -> set[str]:
    """The goals and every module they require over ``required`` edges, directly or not."""
    seen: set[str] = set()
    stack = [g for g in goals if g in graph]
    while stack:
        slug = stack.pop()
        if slug in seen:
            continue
        seen.add(slug)
        stack.extend(b for b, data in graph.pred[slug].items() if data.get("kind") == "required" and b not in seen)
    return seen


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


#: Deadline states of an assigned path, from the planner's deadline fields.
DONE, ON_TRACK, AT_RISK, OVERDUE = "done", "on_track", "at_risk", "overdue"


def deadline_state(plan: Plan, today: dt.date, due: dt.date) -> str:
    """``done`` when nothing is needed; ``overdue`` when the due date has passed with
    steps left; ``on_track`` when the plan (made with a weekly pace and ``start``
    = today) finishes by the due date; else ``at_risk``."""
    if not plan.steps:
        return DONE
    if due < today:
        return OVERDUE
    return ON_TRACK if plan.on_track else AT_RISK
