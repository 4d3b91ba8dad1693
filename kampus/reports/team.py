"""A team's progress: members × the modules of the team's assignments, each
member's progress bar and deadline state. A fixed number of queries whatever
the size of the team or the organisation, and one page of members at a time
(the per-module summary covers the whole team, as one GROUP BY)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kampus.assignments.models import Assignment, PathTemplate, TemplateGoal
from kampus.assignments.services import plan_assignment, template_goal_slugs, today
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.catalogue.services import catalogue_graph, modules_by_slug
from kampus.extensions import db
from kampus.graph import plan
from kampus.graph.coverage import Coverage, coverage
from kampus.graph.deadlines import AT_RISK, DONE, ON_TRACK, OVERDUE
from kampus.graph.goals import required_closure
from kampus.orgs.models import Team, TeamMembership
from kampus.progress.models import SATISFIED, Progress
from kampus.progress.services import EMPTY_STATE, LearnerState, module_status, states_from_rows

#: Worst first: a member's state is the worst over their assignments.
STATE_ORDER = {OVERDUE: 0, AT_RISK: 1, ON_TRACK: 2, DONE: 3}


@dataclass
class MemberRow:
    user: User
    cells: dict[str, str]
    done: int
    total: int
    state: str | None
    states: dict[int, str] = field(default_factory=dict)  # assignment id → state
    provenance: dict[str, str] = field(default_factory=dict)  # slug → how a recognised module was recognised

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100


@dataclass
class TeamReport:
    team: Team
    assignments: list[Assignment]
    modules: list[Module]
    rows: list[MemberRow]  # this page's members only
    members: int = 0  # the whole team
    page: int = 1
    pages: int = 1
    #: module slug → how many of the whole team have satisfied it (one GROUP BY).
    satisfied: dict[str, int] = field(default_factory=dict)


#: Members per page of the matrix: a page of 50 × 60 cells renders in tens of
#: milliseconds, a matrix of 2,000 members in seconds.
PER_PAGE = 50


def progress_by_user(user_ids) -> tuple[dict[int, LearnerState], dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    """Every listed learner's engine state, their status per module slug and how
    their recognised modules were recognised (one query)."""
    statuses: dict[int, dict[str, str]] = defaultdict(dict)
    how: dict[int, dict[str, str]] = defaultdict(dict)
    rows = (
        db.session.execute(
            select(Progress.user_id, Module.slug, Progress.status, Progress.recognised_by)
            .join(Module, Module.id == Progress.module_id)
            .where(Progress.user_id.in_(list(user_ids)))
        ).all()
        if user_ids
        else []
    )
    for user_id, slug, status, recognised_by in rows:
        statuses[user_id][slug] = status
        if status == "recognised" and recognised_by:
            how[user_id][slug] = recognised_by
    found = states_from_rows((user_id, slug, status) for user_id, slug, status, _how in rows)
    states = {u: found.get(u, EMPTY_STATE) for u in user_ids}
    return states, statuses, how


def _member_figures(graph, goals, columns, assignments, state: LearnerState, on: dt.date):
    """The plan-derived part of a member's row: the cells of the modules not yet
    satisfied, done and total, and the deadline state per assignment."""
    open_cells = {slug: module_status(graph, slug, state, {}) for slug in columns if slug not in state.satisfied}
    planned = [plan_assignment(a, state, graph, on=on) for a in assignments]
    member_states = {p.assignment.id: p.state for p in planned}
    covered: Coverage | None
    if len(planned) == 1:
        # The one assignment's goals are the row's goals, and coverage depends on
        # neither the pace nor what is started: reuse it rather than plan again.
        covered = planned[0].coverage
    else:
        covered = coverage(graph, goals, state.satisfied, plan(graph, goals, state.satisfied)) if goals else None
    return open_cells, covered.done if covered else 0, covered.total if covered else 0, member_states


def satisfied_counts(team_id: int, module_ids) -> dict[int, int]:
    """Module id → how many members of the team have satisfied it (one grouped query).

    Not filtered by module in SQL: with ``module_id IN (…)`` SQLite probes the
    (user, module) index once per member and module, twice as slow as reading
    each member's rows once and grouping the few hundred modules they touch."""
    if not module_ids:
        return {}
    wanted = set(module_ids)
    return {
        module_id: count
        for module_id, count in db.session.execute(
            select(Progress.module_id, func.count())
            .join(TeamMembership, TeamMembership.user_id == Progress.user_id)
            .where(TeamMembership.team_id == team_id, Progress.status.in_(SATISFIED))
            .group_by(Progress.module_id)
        )
        if module_id in wanted
    }


def team_report(
    team: Team, *, sort: str = "name", on: dt.date | None = None, page: int = 1, per_page: int = PER_PAGE
) -> TeamReport:
    """One page of the matrix of ``team`` (already loaded within the manager's organisation).

    Sorted by name, only the page's members and their progress are loaded. Sorted
    by progress or state, every member's figures decide the order, so the team's
    progress is read (still one query), but only the page's rows get cells.
    """
    on = on or today()
    graph = catalogue_graph()
    members_query = (
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team.id)
        .order_by(User.name, User.email, User.id)
    )
    total_members = (
        db.session.scalar(select(func.count()).select_from(TeamMembership).where(TeamMembership.team_id == team.id))
        or 0
    )
    pages = max(1, -(-total_members // per_page))
    page = min(max(1, page), pages)
    # One query for the assignments, their templates and goals (a handful of rows).
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.team_id == team.id, Assignment.withdrawn_at.is_(None))
            .options(
                joinedload(Assignment.template)
                .joinedload(PathTemplate.goals)
                .options(joinedload(TemplateGoal.module), joinedload(TemplateGoal.theme))
            )
            .order_by(Assignment.due, Assignment.id)
        ).unique()
    )
    goals = list(dict.fromkeys(s for a in assignments for s in template_goal_slugs(a.template, graph)))
    # The columns: everything the goals need from scratch, in the planner's order.
    columns = [step.slug for step in plan(graph, goals, ()).steps] if goals else []
    rows_by_slug = modules_by_slug(columns)
    if sort in ("progress", "state"):
        members = list(db.session.scalars(members_query))
    else:
        members = list(db.session.scalars(members_query.limit(per_page).offset((page - 1) * per_page)))
    states, status_rows, how_rows = progress_by_user([m.id for m in members])
    # The plans, the coverage and the cells of modules not yet satisfied depend
    # only on which of the modules the goals require (the columns and all they
    # require) the member has satisfied or started, so members alike there share
    # one computation: in a team that follows its path there are far fewer such
    # states than members. Satisfied cells show the member's own status.
    relevant = required_closure(graph, goals)
    figures_of: dict[tuple, tuple] = {}
    figures_by_member = {}
    for member in members:
        state = states[member.id]
        key = (state.satisfied & relevant, state.in_progress & relevant)
        figures = figures_of.get(key)
        if figures is None:
            figures = figures_of[key] = _member_figures(graph, goals, columns, assignments, state, on)
        figures_by_member[member.id] = figures

    def worst(member_states):
        return min(member_states.values(), key=STATE_ORDER.__getitem__) if member_states else None

    if sort == "progress":

        def percent(m):
            done, total = figures_by_member[m.id][1:3]
            return 100 * done // total if total else 100

        members.sort(key=lambda m: (percent(m), m.name))
    elif sort == "state":
        members.sort(key=lambda m: (STATE_ORDER.get(worst(figures_by_member[m.id][3]), 9), m.name))
    if sort in ("progress", "state"):
        members = members[(page - 1) * per_page : page * per_page]
    rows = []
    for member in members:
        state, statuses = states[member.id], status_rows[member.id]
        open_cells, done, total, member_states = figures_by_member[member.id]
        cells = {
            slug: open_cells[slug] if slug in open_cells else module_status(graph, slug, state, statuses)
            for slug in columns
        }
        rows.append(
            MemberRow(
                user=member,
                cells=cells,
                done=done,
                total=total,
                state=worst(member_states),
                states=dict(member_states),
                provenance=how_rows[member.id],
            )
        )
    modules = [rows_by_slug[s] for s in columns]
    by_id = satisfied_counts(team.id, [m.id for m in modules])
    return TeamReport(
        team,
        assignments,
        modules,
        rows,
        members=total_members,
        page=page,
        pages=pages,
        satisfied={m.slug: by_id.get(m.id, 0) for m in modules},
    )
