"""How far the people of assignments have come: each person's deadline state per
assignment, and per assignment how many are done, at risk or overdue.

The deadline state is the one rule of :func:`kampus.assignments.services.assigned_deadline`
(:func:`kampus.graph.deadlines.deadline_state`, also behind ``plan_assignment``); this module only feeds it many
people at once. A person's state depends only on which of the modules the
assignment requires they have satisfied or started, so people alike there share
one plan: in a team that follows its path there are far fewer such states than people.

Who an assignment covers is the one rule of :func:`kampus.assignments.services.people_on`
(its team's members now and the people it names; not the deactivated; the invited who have not
joined yet are counted: they are the ones to chase).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kampus.assignments.models import Assignment, PathTemplate, TemplateGoal
from kampus.assignments.services import assigned_deadline, people_on, template_goal_slugs, today
from kampus.auth.models import User
from kampus.catalogue.services import catalogue_graph
from kampus.extensions import db
from kampus.graph import plan
from kampus.graph.deadlines import AT_RISK, DONE, ON_TRACK, OVERDUE
from kampus.graph.goals import required_closure
from kampus.progress.services import EMPTY_STATE, LearnerState, learner_states


def load_assignments(organisation_id: int, *, assignment_ids=None) -> list[Assignment]:
    """The organisation's active assignments with templates and goals (one query), by due date."""
    query = (
        select(Assignment)
        .where(Assignment.organisation_id == organisation_id, Assignment.withdrawn_at.is_(None))
        .options(
            joinedload(Assignment.template)
            .joinedload(PathTemplate.goals)
            .options(joinedload(TemplateGoal.module), joinedload(TemplateGoal.theme)),
            joinedload(Assignment.team),
        )
        .order_by(Assignment.due, Assignment.id)
    )
    if assignment_ids is not None:
        query = query.where(Assignment.id.in_(list(assignment_ids)))
    return list(db.session.scalars(query).unique())


class DeadlineStates:
    """Deadline states of ``assignments`` for any learner state, planned once per distinct relevant state."""

    def __init__(self, assignments, *, graph=None, on: dt.date | None = None):
        self.graph = graph if graph is not None else catalogue_graph()
        self.on = on or today()
        self.assignments = {a.id: a for a in assignments}
        self.goals = {a.id: template_goal_slugs(a.template, self.graph) for a in assignments}
        self.relevant = {i: frozenset(required_closure(self.graph, g)) for i, g in self.goals.items()}
        # Assignments of one template with one due date (a template given to several teams) share plans.
        self._same = {a.id: (tuple(self.goals[a.id]), a.due) for a in assignments}
        self._columns: dict[int, list[str]] = {}
        self._memo: dict[tuple, str] = {}

    def columns(self, assignment_id: int) -> list[str]:
        """Every module the assignment asks of someone who has done nothing, in the planner's order."""
        if assignment_id not in self._columns:
            goals = self.goals[assignment_id]
            self._columns[assignment_id] = [s.slug for s in plan(self.graph, goals, ()).steps] if goals else []
        return self._columns[assignment_id]

    def state(self, assignment_id: int, state: LearnerState) -> str:
        """One learner's deadline state on the assignment (memoised on what the assignment requires)."""
        relevant = self.relevant[assignment_id]
        key = (self._same[assignment_id], state.satisfied & relevant, state.in_progress & relevant)
        found = self._memo.get(key)
        if found is None:
            due = self.assignments[assignment_id].due
            found = self._memo[key] = assigned_deadline(self.graph, self.goals[assignment_id], due, state, self.on)[1]
        return found


@dataclass
class Completion:
    """One assignment's people by deadline state."""

    people: int = 0
    done: int = 0
    on_track: int = 0
    at_risk: int = 0
    overdue: int = 0


def people_states(assignments, *, on: dt.date | None = None) -> dict[int, dict[int, str]]:
    """Assignment id → {person id → deadline state} for everyone the assignments cover (three queries)."""
    covered = people_on(a.id for a in assignments)
    states = learner_states({u for people in covered.values() for u in people})
    rule = DeadlineStates(assignments, on=on)
    return {a.id: {u: rule.state(a.id, states.get(u, EMPTY_STATE)) for u in covered[a.id]} for a in assignments}


def completion(assignments, *, on: dt.date | None = None) -> dict[int, Completion]:
    """Assignment id → how many of its people are done, on track, at risk, overdue (three queries)."""
    result = {}
    for assignment_id, states in people_states(assignments, on=on).items():
        figures = Completion(people=len(states))
        for state in states.values():
            if state == DONE:
                figures.done += 1
            elif state == ON_TRACK:
                figures.on_track += 1
            elif state == AT_RISK:
                figures.at_risk += 1
            elif state == OVERDUE:
                figures.overdue += 1
        result[assignment_id] = figures
    return result


def people_names(user_ids) -> dict[int, tuple[str, str]]:
    """Person id → (name to show, e-mail) of the listed people (one query, none for no ids)."""
    if not user_ids:
        return {}
    return {
        user_id: (name or email, email)
        for user_id, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(list(user_ids)))
        )
    }
