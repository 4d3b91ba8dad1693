"""Development paths: building a personal path from goals, and planning it.

The ordered path is never stored: :func:`plan_path` asks the engine every time,
from the path's goals, the live graph (cached per catalogue version) and the
learner's progress.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kampus.auth.models import User
from kampus.catalogue.models import Module, Theme
from kampus.catalogue.services import catalogue_graph, modules_by_slug
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.graph import Plan, plan
from kampus.graph.coverage import Coverage, coverage
from kampus.graph.goals import goal_modules, required_closure
from kampus.paths.models import Path, PathGoal
from kampus.progress.services import LearnerState, learner_state, progress_rows

MAX_MINUTES_PER_WEEK = 40 * 60

if TYPE_CHECKING:
    from kampus.assignments.models import Assignment


def today() -> dt.date:
    return dt.date.today()


# --- the learner's weekly study time ---------------------------------------------


def check_weekly_minutes(minutes: int | None) -> None:
    """The one rule for a weekly time: empty, or 1 to 2,400 minutes (:class:`DomainError` otherwise)."""
    if minutes is not None and not 0 < minutes <= MAX_MINUTES_PER_WEEK:
        raise DomainError(_("Weekly time must be between 1 and 2,400 minutes."), field="minutes_per_week")


def weekly_minutes(user_id: int) -> int | None:
    """The person's weekly study time, used by every plan of theirs (None: not given)."""
    user = db.session.get(User, user_id)  # the signed-in person is in the session already: no query
    return user.minutes_per_week if user is not None else None


def set_weekly_minutes(user: User, minutes: int | None) -> None:
    """Store ``user``'s weekly study time (None clears it); refused outside 1–2,400 minutes."""
    check_weekly_minutes(minutes)
    user.minutes_per_week = minutes
    db.session.flush()


def create_path(
    user_id: int,
    *,
    title: str,
    module_slugs: list[str],
    theme_slugs: list[str],
    minutes_per_week: int | None = None,
    due: dt.date | None = None,
    start: dt.date | None = None,
) -> Path:
    """Create a personal path toward the chosen modules and whole themes.

    Raises :class:`DomainError` (with the form field) when no goal is chosen, a
    goal is unknown or unpublished, the weekly time is not positive or the
    target date is in the past.
    """
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the path a name."), field="title")
    if not module_slugs and not theme_slugs:
        raise DomainError(_("Choose at least one theme or module as the goal."), field="themes")
    check_weekly_minutes(minutes_per_week)
    start = start or today()
    if due is not None and due < start:
        raise DomainError(_("The target date cannot be in the past."), field="due")
    modules = (
        db.session.scalars(select(Module).where(Module.slug.in_(module_slugs), Module.status == "published")).all()
        if module_slugs
        else []
    )
    if len(modules) != len(set(module_slugs)):
        raise DomainError(_("Choose modules from the list."), field="modules")
    themes = db.session.scalars(select(Theme).where(Theme.slug.in_(theme_slugs))).all() if theme_slugs else []
    if len(themes) != len(set(theme_slugs)):
        raise DomainError(_("Choose themes from the list."), field="themes")
    path = Path(user_id=user_id, title=title, minutes_per_week=minutes_per_week, start=start, due=due)
    path.goals = [PathGoal(module=m) for m in modules] + [PathGoal(theme=t) for t in themes]
    db.session.add(path)
    if minutes_per_week is not None:  # one weekly time per person: the newest one given plans every path
        person = db.session.get(User, user_id)
        assert person is not None  # the signed-in learner building the path
        set_weekly_minutes(person, minutes_per_week)
    db.session.flush()
    return path


def get_path(user_id: int, path_id: int) -> Path:
    """The learner's own path; :class:`NotFound` for anyone else's (never reveal it exists)."""
    path = db.session.scalar(
        select(Path)
        .where(Path.id == path_id, Path.user_id == user_id)
        .options(
            selectinload(Path.goals).selectinload(PathGoal.module),
            selectinload(Path.goals).selectinload(PathGoal.theme),
        )
    )
    if path is None:
        raise NotFound(f"no path {path_id}")
    return path


def user_paths(user_id: int) -> list[Path]:
    return list(
        db.session.scalars(
            select(Path)
            .where(Path.user_id == user_id)
            .order_by(Path.created_at, Path.id)
            .options(
                selectinload(Path.goals).selectinload(PathGoal.module),
                selectinload(Path.goals).selectinload(PathGoal.theme),
            )
        )
    )


def delete_path(user_id: int, path_id: int) -> None:
    """Remove a personal path; the learner's progress is untouched."""
    db.session.delete(get_path(user_id, path_id))
    db.session.flush()


def goal_slugs(path: Path) -> list[str]:
    """The path's goals as module slugs: chosen modules, and every published module of a chosen theme."""
    return goal_modules(
        catalogue_graph(),
        [g.module.slug for g in path.goals if g.module is not None],
        [g.theme.slug for g in path.goals if g.theme is not None],
    )


@dataclass
class PlannedPath:
    """A personal or assigned path with its plan, its progress and the modules its steps name.

    ``key`` is unique on a page (``p3`` for personal path 3, ``a5`` for assignment 5).
    """

    key: str
    title: str
    goals: list[str]
    plan: Plan
    coverage: Coverage
    modules: dict[str, Module]
    due: dt.date | None = None
    minutes_per_week: int | None = None
    note: str = ""
    path: Path | None = None
    assignment: Assignment | None = None
    state: str | None = None

    @property
    def next_step(self):
        return self.plan.next_available

    @property
    def url(self) -> str:
        """The learner's page of this path (needs a request or app context)."""
        from flask import url_for

        if self.path is not None:
            return url_for("paths.show", path_id=self.path.id)
        assert self.assignment is not None  # a planned path is a personal path or an assignment
        return url_for("paths.assigned", assignment_id=self.assignment.id)


def _step_modules(result: Plan) -> dict[str, Module]:
    names = set(result.slugs) | {b for step in result.steps for b in step.blocked_by}
    return modules_by_slug(names)


_OWN = object()


def plan_path(
    path: Path, state: LearnerState | None = None, *, load_modules: bool = True, minutes_per_week=_OWN
) -> PlannedPath:
    """Plan ``path`` for its learner now (``state`` may be given to share one progress query).

    The weekly time is the learner's own (:func:`weekly_minutes`; a caller that has it passes
    ``minutes_per_week``), else the one the path was built with.
    """
    graph = catalogue_graph()
    state = state or learner_state(path.user_id)
    weekly = weekly_minutes(path.user_id) if minutes_per_week is _OWN else minutes_per_week
    weekly = weekly or path.minutes_per_week
    goals = goal_slugs(path)
    result = plan(
        graph,
        goals,
        state.satisfied,
        in_progress=state.in_progress,
        minutes_per_week=weekly,
        start=path.start,
        due=path.due,
    )
    return PlannedPath(
        key=f"p{path.id}",
        title=path.title,
        goals=goals,
        plan=result,
        coverage=coverage(graph, goals, state.satisfied, result),
        modules=_step_modules(result) if load_modules else {},
        due=path.due,
        minutes_per_week=weekly,
        path=path,
    )


def plan_assigned(
    assignment, state: LearnerState, *, load_modules: bool = True, minutes_per_week: int | None = None
) -> PlannedPath:
    """An assignment as the learner sees it: a path personalised by their own progress, planned at
    their own weekly time when they have given one (else the sustainable pace of assignments)."""
    from kampus.assignments.services import plan_assignment
    from kampus.templating import localized

    planned = plan_assignment(assignment, state, minutes_per_week=minutes_per_week)
    return PlannedPath(
        key=f"a{assignment.id}",
        title=localized(assignment.template.title),
        goals=planned.goals,
        plan=planned.plan,
        coverage=planned.coverage,
        modules=_step_modules(planned.plan) if load_modules else {},
        due=assignment.due,
        minutes_per_week=minutes_per_week,
        note=assignment.note,
        assignment=assignment,
        state=planned.state,
    )


def dashboard(user_id: int) -> list[PlannedPath]:
    """Every assigned and personal path of the learner planned, sharing one progress query and one module query."""
    from kampus.assignments.services import user_assignments

    state = learner_state(user_id)
    weekly = weekly_minutes(user_id)
    planned = [plan_assigned(a, state, load_modules=False, minutes_per_week=weekly) for a in user_assignments(user_id)]
    planned += [plan_path(p, state, load_modules=False, minutes_per_week=weekly) for p in user_paths(user_id)]
    names = {pp.next_step.slug for pp in planned if pp.next_step}
    modules = modules_by_slug(names)
    for pp in planned:
        pp.modules = modules
    return planned


def done_on_path(user_id: int, planned: PlannedPath) -> list[tuple[Module, object]]:
    """The path's modules the learner has completed or had recognised, with their progress rows (two queries)."""
    rows = progress_rows(user_id)
    slugs = [s for s in sorted(required_closure(catalogue_graph(), planned.goals)) if s in rows and rows[s].satisfied]
    modules = modules_by_slug(slugs)
    return [(modules[s], rows[s]) for s in slugs if s in modules]


def next_after(user_id: int, slug: str) -> tuple[PlannedPath | None, Module | None]:
    """After finishing ``slug``: the learner's first path that holds it (assigned paths first, in the
    dashboard's order) and the module to study next on it by the planner's order (None when the
    path is done). ``(None, None)`` when no path of theirs holds the module."""
    graph = catalogue_graph()
    for planned in dashboard(user_id):
        if slug in required_closure(graph, planned.goals):
            step = planned.next_step
            return planned, planned.modules.get(step.slug) if step else None
    return None, None
