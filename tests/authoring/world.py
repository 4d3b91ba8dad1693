"""Learners with paths and progress of every kind, for the progress-safety and impact tests.

In the seed's pedagogy theme ``digipedagogiikka`` comes before
``yhteisollinen-ja-itseohjautuva-oppiminen``, ``hybridi-ja-etaopetus`` … (required).
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, g
from sqlalchemy import select

from kampus.catalogue.models import Module, Theme
from kampus.extensions import db
from kampus.paths.models import Path, PathGoal
from kampus.paths.services import plan_path
from kampus.progress.models import Progress
from tests.factories import make_user


def _module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def _progress(user, slug: str, status: str) -> None:
    db.session.add(
        Progress(
            user_id=user.id,
            module_id=_module(slug).id,
            status=status,
            recognised_by="self_assessment" if status == "recognised" else None,
        )
    )


def _path(user, *, modules=(), themes=()) -> None:
    path = Path(user_id=user.id, title="Polku", start=dt.date.today())
    path.goals = [PathGoal(module=_module(s)) for s in modules] + [
        PathGoal(theme=db.session.scalar(select(Theme).where(Theme.slug == s))) for s in themes
    ]
    db.session.add(path)


def make_learners() -> dict:
    people = {
        name: make_user(None, email=f"{name}@example.fi", name=name.title())
        for name in ("aino", "bertta", "cecilia", "daniel", "eero")
    }
    a, b, c, d, e = people.values()
    _path(a, themes=["pedagogiikka"])
    _progress(a, "digipedagogiikka", "completed")
    _progress(a, "yhteisollinen-ja-itseohjautuva-oppiminen", "recognised")
    _progress(a, "hybridi-ja-etaopetus", "in_progress")
    _path(b, modules=["eriyttaminen-ja-inkluusio"])
    _progress(b, "digipedagogiikka", "completed")
    _progress(b, "yhteisollinen-ja-itseohjautuva-oppiminen", "in_progress")
    _path(c, modules=["tekoaly-opetuksessa"])
    _path(c, modules=["digitaalinen-arviointi"], themes=["digitaaliset-sisallot"])
    _progress(c, "vastuullinen-digitalisaatio", "recognised")
    _progress(d, "digipedagogiikka", "completed")  # no path at all, a module in progress
    _progress(d, "hybridi-ja-etaopetus", "in_progress")
    _path(e, themes=["pedagogiikka"])
    _progress(e, "digipedagogiikka", "completed")
    _progress(e, "hybridi-ja-etaopetus", "in_progress")
    db.session.commit()
    _assign_team(people["bertta"], people["cecilia"])
    return people


def _assign_team(*members) -> None:
    """A manager's assignment of the whole pedagogy theme to a team (an assigned path, not a personal one)."""
    from kampus.assignments.models import Assignment, PathTemplate, TemplateGoal
    from tests.factories import make_org, make_team

    org = make_org()
    team = make_team(org, "Pedagogit", members)
    template = PathTemplate(title={"fi": "Pedagogiikka"}, organisation_id=org.id)
    template.goals = [TemplateGoal(theme=db.session.scalar(select(Theme).where(Theme.slug == "pedagogiikka")))]
    db.session.add(template)
    db.session.flush()
    db.session.add(
        Assignment(
            organisation_id=org.id,
            template_id=template.id,
            team_id=team.id,
            start=dt.date.today(),
            due=dt.date.today() + dt.timedelta(days=90),
        )
    )
    db.session.commit()


def progress_rows() -> list[tuple]:
    db.session.expire_all()
    return sorted(
        (p.user_id, p.module_id, p.status, p.recognised_by, p.best_score, str(p.started_at), str(p.finished_at))
        for p in db.session.scalars(select(Progress))
    )


def planned_paths() -> dict[tuple, list[tuple]]:
    """Every personal path's and assignment's derived steps now, keyed (user_id, "p<id>" | "a<id>")."""
    from kampus.assignments.services import plan_assignment, user_assignments
    from kampus.auth.models import User
    from kampus.progress.services import learner_state

    g.pop("kampus_graph", None)  # the test shares the app context with requests: forget their graph
    db.session.expire_all()
    result = {}
    with current_app.test_request_context():
        for path in db.session.scalars(select(Path).order_by(Path.id)):
            planned = plan_path(path, load_modules=False)
            result[(path.user_id, f"p{path.id}")] = [
                (s.slug, s.status, tuple(s.blocked_by)) for s in planned.plan.steps
            ]
        for user in db.session.scalars(select(User)):
            for assignment in user_assignments(user.id):
                planned = plan_assignment(assignment, learner_state(user.id))
                result[(user.id, f"a{assignment.id}")] = [
                    (s.slug, s.status, tuple(s.blocked_by)) for s in planned.plan.steps
                ]
    g.pop("kampus_graph", None)
    return result


def changed_paths(before: dict, after: dict) -> set[tuple]:
    return {key for key in before if before[key] != after.get(key)}
