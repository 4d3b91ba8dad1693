"""Path templates and assignments: who has which assigned path, and planning it.

Services take the acting manager's organisation explicitly and load every
object scoped to it, so an id from another organisation is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import or_, select, union
from sqlalchemy.orm import selectinload

from kampus.assignments.models import Assignment, AssignmentPerson, PathTemplate, TemplateGoal
from kampus.auth.models import User
from kampus.catalogue.models import Module, Theme
from kampus.catalogue.services import catalogue_graph
from kampus.db import utcnow
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.graph import Plan, plan
from kampus.graph.coverage import Coverage, coverage
from kampus.graph.deadlines import deadline_state
from kampus.graph.goals import goal_modules
from kampus.notifications import services as notifications
from kampus.orgs.models import Team, TeamMembership
from kampus.progress.services import LearnerState

#: The weekly pace a deadline state assumes: two hours a week beside the day job.
SUSTAINABLE_MINUTES_PER_WEEK = 120


def today() -> dt.date:
    return dt.date.today()


# --- templates ---------------------------------------------------------------


def _template_options():
    return (
        selectinload(PathTemplate.goals).selectinload(TemplateGoal.module),
        selectinload(PathTemplate.goals).selectinload(TemplateGoal.theme),
    )


def templates_for(organisation_id: int | None) -> list[PathTemplate]:
    """Network-wide templates and, for a manager, their organisation's own."""
    query = (
        select(PathTemplate)
        .options(*_template_options())
        .order_by(PathTemplate.organisation_id.is_not(None), PathTemplate.id)
    )
    if organisation_id is None:
        query = query.where(PathTemplate.organisation_id.is_(None))
    else:
        query = query.where(
            or_(PathTemplate.organisation_id.is_(None), PathTemplate.organisation_id == organisation_id)
        )
    return list(db.session.scalars(query))


def get_template(template_id: int, organisation_id: int | None) -> PathTemplate:
    template = db.session.scalar(
        select(PathTemplate).where(PathTemplate.id == template_id).options(*_template_options())
    )
    if template is None or template.organisation_id not in (None, organisation_id):
        raise NotFound(f"no template {template_id}")
    return template


def set_template_goals(template: PathTemplate, module_slugs: list[str], theme_slugs: list[str]) -> None:
    if not module_slugs and not theme_slugs:
        raise DomainError(_("Choose at least one theme or module as the goal."), field="themes")
    modules = list(db.session.scalars(select(Module).where(Module.slug.in_(module_slugs)))) if module_slugs else []
    themes = list(db.session.scalars(select(Theme).where(Theme.slug.in_(theme_slugs)))) if theme_slugs else []
    if len(modules) != len(set(module_slugs)) or len(themes) != len(set(theme_slugs)):
        raise DomainError(_("Choose goals from the list."), field="modules")
    template.goals = [TemplateGoal(module=m) for m in modules] + [TemplateGoal(theme=t) for t in themes]


def save_template(
    template: PathTemplate | None,
    *,
    organisation_id: int | None,
    title: dict,
    description: dict,
    target_group: str | None,
    module_slugs: list[str],
    theme_slugs: list[str],
) -> PathTemplate:
    """Create (``template`` None) or update a template of ``organisation_id`` (None: network-wide)."""
    if not (title.get("fi") or "").strip():
        raise DomainError(_("Give the template a Finnish name."), field="title_fi")
    if template is None:
        template = PathTemplate(organisation_id=organisation_id)
        db.session.add(template)
    elif template.organisation_id != organisation_id:
        raise NotFound(f"no template {template.id}")
    template.title = {k: v.strip() for k, v in title.items() if v and v.strip()}
    template.description = {k: v.strip() for k, v in description.items() if v and v.strip()}
    template.target_group = target_group or None
    set_template_goals(template, module_slugs, theme_slugs)
    db.session.flush()
    return template


def template_goal_slugs(template: PathTemplate, graph=None) -> list[str]:
    """The template's goals as module slugs (a theme goal means its published modules now)."""
    return goal_modules(
        graph if graph is not None else catalogue_graph(),
        [g.module.slug for g in template.goals if g.module is not None],
        [g.theme.slug for g in template.goals if g.theme is not None],
    )


# --- assignments ---------------------------------------------------------------


def assign(
    organisation_id: int,
    acting_user_id: int | None,
    *,
    template_id: int,
    team_id: int | None,
    user_ids: list[int],
    due: dt.date,
    note: str = "",
) -> Assignment:
    """Give a template to a team or to named people of the organisation, due on ``due``."""
    template = get_template(template_id, organisation_id)
    if due < today():
        raise DomainError(_("The due date cannot be in the past."), field="due")
    if team_id is None and not user_ids:
        raise DomainError(_("Choose a team or at least one person."), field="team")
    team = None
    if team_id is not None:
        team = db.session.scalar(select(Team).where(Team.id == team_id, Team.organisation_id == organisation_id))
        if team is None:
            raise NotFound(f"no team {team_id}")
    people = []
    if user_ids:
        people = list(
            db.session.scalars(select(User).where(User.id.in_(user_ids), User.organisation_id == organisation_id))
        )
        if len(people) != len(set(user_ids)):
            raise NotFound("a chosen person is not in this organisation")
    assignment = Assignment(
        organisation_id=organisation_id,
        template=template,
        team=team,
        start=today(),
        due=due,
        note=(note or "").strip(),
        created_by_id=acting_user_id,
    )
    assignment.people = [AssignmentPerson(user=p) for p in people]
    db.session.add(assignment)
    db.session.flush()
    _notify_people(assignment, notifications.ASSIGNMENT_NEW)
    return assignment


def _on_assignments(*, assignment_ids: list[int] | None = None, user_ids: list[int] | None = None):
    """SQL: the (assignment id, person id) pairs of :func:`people_on`'s rule, limited to the listed
    assignments or people (with people: only assignments not withdrawn)."""
    named = select(
        AssignmentPerson.assignment_id.label("assignment_id"), AssignmentPerson.user_id.label("user_id")
    ).join(Assignment, Assignment.id == AssignmentPerson.assignment_id)
    by_team = select(Assignment.id.label("assignment_id"), TeamMembership.user_id.label("user_id")).join(
        TeamMembership, TeamMembership.team_id == Assignment.team_id
    )
    if assignment_ids is not None:
        named = named.where(Assignment.id.in_(assignment_ids))
        by_team = by_team.where(Assignment.id.in_(assignment_ids))
    if user_ids is not None:
        named = named.where(AssignmentPerson.user_id.in_(user_ids), Assignment.withdrawn_at.is_(None))
        by_team = by_team.where(TeamMembership.user_id.in_(user_ids), Assignment.withdrawn_at.is_(None))
    both = union(named, by_team).subquery()
    return both, select(both.c.assignment_id, both.c.user_id).join(User, User.id == both.c.user_id).where(
        User.active.is_(True)  # the deactivated are on no assignment
    )


def people_on(assignment_ids: Iterable[int]) -> dict[int, list[int]]:
    """Who is on each assignment: the one rule, for any number of assignments in one query.

    An assignment covers the members of its team *now* (someone who joins the team later is on
    it, someone who left is not) and the people it names. A **deactivated** person is on no
    assignment: no figure counts them, no notification or mail reaches them. A person invited
    but **not yet joined** (no password yet: ``pending`` in :mod:`kampus.orgs.population`) is
    covered, in every use: the completion figures, the managers' summary, the export and the impact
    of a catalogue edit count them (they are the ones to chase), the due-date reminders mail them
    and their in-app notifications wait for them. (The organisation's staff head counts count the
    joined only; an assignment's figures are about the people given the path, pending or not.)

    Returns assignment id → person ids, ascending; every asked id is a key (an empty list when
    nobody is on it). Withdrawn or not is the caller's choice.
    """
    ids = list(dict.fromkeys(assignment_ids))
    people: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        pairs, query = _on_assignments(assignment_ids=ids)
        for assignment_id, user_id in db.session.execute(query.order_by(pairs.c.assignment_id, pairs.c.user_id)):
            people[assignment_id].append(user_id)
    return people


def assignments_of(user_ids: Iterable[int]) -> dict[int, list[int]]:
    """The same rule from the people's side, for many people in one query: person id → the ids of
    the active (not withdrawn) assignments they are on (:func:`people_on`), ascending; every asked
    id is a key, a deactivated person's list is empty. For pages that go person by person (the
    progress export, the xAPI statements' paths)."""
    ids = list(dict.fromkeys(user_ids))
    found: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        pairs, query = _on_assignments(user_ids=ids)
        for assignment_id, user_id in db.session.execute(query.order_by(pairs.c.user_id, pairs.c.assignment_id)):
            found[user_id].append(assignment_id)
    return found


def people_covered(assignment: Assignment) -> list[int]:
    """The people one assignment covers now, ascending (:func:`people_on`; one query)."""
    return people_on([assignment.id])[assignment.id]


def _notify_people(assignment: Assignment, kind: str) -> None:
    """Tell everyone the assignment covers (in this transaction); once per assignment, kind and due date."""
    params = {
        "assignment": assignment.id,
        "path": dict(assignment.template.title or {}),
        "due": assignment.due.isoformat(),
    }
    for user_id in people_covered(assignment):
        notifications.notify(user_id, kind, params, key=f"{kind}:{assignment.id}:{assignment.due.isoformat()}")


def get_assignment(assignment_id: int, organisation_id: int) -> Assignment:
    assignment = db.session.scalar(
        select(Assignment)
        .where(Assignment.id == assignment_id, Assignment.organisation_id == organisation_id)
        .options(
            selectinload(Assignment.template),
            selectinload(Assignment.team),
            selectinload(Assignment.people).selectinload(AssignmentPerson.user),
        )
    )
    if assignment is None:
        raise NotFound(f"no assignment {assignment_id}")
    return assignment


def extend(assignment: Assignment, due: dt.date) -> None:
    if due < today():
        raise DomainError(_("The due date cannot be in the past."), field="due")
    changed = assignment.due != due
    assignment.due = due
    db.session.flush()
    if changed and assignment.active:
        _notify_people(assignment, notifications.ASSIGNMENT_EXTENDED)


def withdraw(assignment: Assignment) -> None:
    """Withdraw the assignment; everyone's progress stays as it is."""
    if assignment.withdrawn_at is None:
        assignment.withdrawn_at = utcnow()
        db.session.flush()
        _notify_people(assignment, notifications.ASSIGNMENT_WITHDRAWN)
    db.session.flush()


def notify_reminded(user_id: int, kind: str, key: str) -> None:
    """The in-app notification of a learner's overdue reminder (``kind`` "overdue", ``key`` the
    assignment id), once per assignment and due date; its e-mail is the reminder itself."""
    if kind != "overdue":
        return
    assignment = db.session.get(Assignment, int(key))  # the reminder run loaded it already: no query
    if assignment is not None:
        params = {
            "assignment": assignment.id,
            "path": dict(assignment.template.title or {}),
            "due": assignment.due.isoformat(),
        }
        due_key = f"{notifications.ASSIGNMENT_OVERDUE}:{assignment.id}:{assignment.due.isoformat()}"
        notifications.notify(user_id, notifications.ASSIGNMENT_OVERDUE, params, key=due_key, mail=False)


def organisation_assignments(organisation_id: int, *, include_withdrawn: bool = False) -> list[Assignment]:
    query = (
        select(Assignment)
        .where(Assignment.organisation_id == organisation_id)
        .options(
            selectinload(Assignment.template).options(*_template_options()),
            selectinload(Assignment.team),
            selectinload(Assignment.people).selectinload(AssignmentPerson.user),
        )
        .order_by(Assignment.due, Assignment.id)
    )
    if not include_withdrawn:
        query = query.where(Assignment.withdrawn_at.is_(None))
    return list(db.session.scalars(query))


def user_assignments(user_id: int) -> list[Assignment]:
    """The active assignments a person has: through a team they are in now, or by name."""
    team_ids = select(TeamMembership.team_id).where(TeamMembership.user_id == user_id)
    named = select(AssignmentPerson.assignment_id).where(AssignmentPerson.user_id == user_id)
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.withdrawn_at.is_(None), or_(Assignment.team_id.in_(team_ids), Assignment.id.in_(named)))
            .options(selectinload(Assignment.template).options(*_template_options()))
            .order_by(Assignment.due, Assignment.id)
        )
    )


@dataclass
class AssignedPlan:
    """One person's plan of one assignment, with its progress and deadline state."""

    assignment: Assignment
    goals: list[str]
    plan: Plan
    coverage: Coverage
    state: str


def plan_assignment(
    assignment: Assignment,
    state: LearnerState,
    graph=None,
    *,
    on: dt.date | None = None,
    minutes_per_week: int | None = None,
) -> AssignedPlan:
    """Plan ``assignment`` for a learner in ``state`` from today, at ``minutes_per_week`` (the
    learner's own weekly time, on their own pages) or else the sustainable pace."""
    graph = graph if graph is not None else catalogue_graph()
    on = on or today()
    goals = template_goal_slugs(assignment.template, graph)
    result = assigned_deadline(graph, goals, assignment.due, state, on, minutes_per_week=minutes_per_week)
    return AssignedPlan(assignment, goals, result[0], coverage(graph, goals, state.satisfied, result[0]), result[1])


def assigned_deadline(
    graph, goals: list[str], due: dt.date, state: LearnerState, on: dt.date, *, minutes_per_week: int | None = None
):
    """(plan, deadline state) of an assigned path with ``goals`` due on ``due`` for a learner in
    ``state``, at ``minutes_per_week`` (default: the sustainable pace) from ``on``: the one rule behind
    every "on track / at risk / overdue" (:func:`plan_assignment` and the figures of many people at once)."""
    result = plan(
        graph,
        goals,
        state.satisfied,
        in_progress=state.in_progress,
        minutes_per_week=minutes_per_week or SUSTAINABLE_MINUTES_PER_WEEK,
        start=on,
        due=due,
    )
    return result, deadline_state(result, on, due)


# --- seed ------------------------------------------------------------------------


def seed_templates(records: list[dict]) -> dict[str, int]:
    """Create or update network-wide templates by slug (idempotent). Returns added/updated/unchanged counts.

    Raises :class:`DomainError` naming the template and the field for an unknown goal.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    existing = {
        t.slug: t
        for t in db.session.scalars(
            select(PathTemplate).where(PathTemplate.slug.is_not(None)).options(*_template_options())
        )
    }
    for record in records:
        slug = record.get("slug")
        if not slug or not (record.get("title") or {}).get("fi"):
            raise DomainError(f"templates.yaml: template {slug or '?'}: title: a slug and a Finnish title are needed")
        template = existing.get(slug)
        desired = (
            dict(record["title"]),
            dict(record.get("description") or {}),
            record.get("target_group"),
            sorted([(m, "") for m in record.get("modules") or []] + [("", t) for t in record.get("themes") or []]),
        )
        if template is not None and _template_record(template) == desired:
            counts["unchanged"] += 1
            continue
        counts["added" if template is None else "updated"] += 1
        if template is None:
            template = PathTemplate(slug=slug, organisation_id=None)
            db.session.add(template)
        try:
            template.title, template.description, template.target_group = desired[0], desired[1], desired[2]
            set_template_goals(template, list(record.get("modules") or []), list(record.get("themes") or []))
        except DomainError as exc:
            raise DomainError(f"templates.yaml: template {slug}: goals: {exc.message}") from exc
        db.session.flush()
    return counts


def _template_record(template: PathTemplate) -> tuple:
    return (
        dict(template.title or {}),
        dict(template.description or {}),
        template.target_group,
        sorted((g.module.slug if g.module else "", g.theme.slug if g.theme else "") for g in template.goals),
    )
