"""The deadline state of an assigned path: done, on track, at risk or overdue (the one rule)."""

from __future__ import annotations

import datetime as dt

from kampus.graph.planner import Plan

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
