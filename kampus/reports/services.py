"""Report services: the organisation overview's figures and the CSV export of progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from kampus.assignments.models import Assignment
from kampus.assignments.services import today
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.exports import csv_text
from kampus.extensions import db
from kampus.orgs.models import Team, TeamMembership
from kampus.progress.models import LearningEvent, Progress
from kampus.recognition.labels import provenance_label
from kampus.reports.capability import Capability, capability, trend

ACTIVE_DAYS = 30


@dataclass
class Overview:
    capability: Capability
    trend: list[tuple[dt.date, float]]
    active_learners: int
    due_soon: int
    overdue: int


def organisation_overview(organisation_id: int, on: dt.date | None = None) -> Overview:
    """The figures of the manager's overview page (a fixed number of queries)."""
    on = on or today()
    since = dt.datetime.combine(on - dt.timedelta(days=ACTIVE_DAYS), dt.time.min)
    active = db.session.scalar(
        select(func.count(func.distinct(LearningEvent.user_id)))
        .join(User, User.id == LearningEvent.user_id)
        .where(User.organisation_id == organisation_id, User.active.is_(True), LearningEvent.created_at >= since)
    ) or 0
    open_assignments = select(Assignment.due).where(
        Assignment.organisation_id == organisation_id, Assignment.withdrawn_at.is_(None)
    ).subquery()
    due_soon, overdue = db.session.execute(
        select(
            func.count().filter(open_assignments.c.due >= on, open_assignments.c.due <= on + dt.timedelta(days=30)),
            func.count().filter(open_assignments.c.due < on),
        ).select_from(open_assignments)
    ).one()
    return Overview(capability(organisation_id), trend(organisation_id, on), active, due_soon or 0, overdue or 0)


EXPORT_HEADER = ["name", "email", "teams", "module", "module_title", "status", "recognised_by",
                 "started", "finished", "best_score", "status_in_words"]


def export_rows(organisation_id: int, team_id: int | None = None) -> list[list]:
    """One row per person and module with progress (names, e-mail, teams, module, status, dates, score)."""
    people = select(User.id).where(User.organisation_id == organisation_id)
    if team_id is not None:
        people = people.join(TeamMembership, TeamMembership.user_id == User.id).where(TeamMembership.team_id == team_id)
    teams: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(TeamMembership.user_id, Team.name).join(Team, Team.id == TeamMembership.team_id)
        .where(Team.organisation_id == organisation_id).order_by(Team.name)
    ):
        teams.setdefault(user_id, []).append(name)
    labels = {"completed": _("Completed"), "in_progress": _("In progress")}
    rows = []
    for user, progress, module in db.session.execute(
        select(User, Progress, Module).join(Progress, Progress.user_id == User.id).join(Module, Module.id == Progress.module_id)
        .where(User.id.in_(people)).order_by(User.name, User.email, Module.slug)
    ):
        rows.append([
            user.name, user.email, "; ".join(teams.get(user.id, [])), module.slug, module.title.get("fi", ""),
            progress.status, progress.recognised_by or "",
            progress.started_at.date().isoformat() if progress.started_at else "",
            progress.finished_at.date().isoformat() if progress.finished_at else "",
            "" if progress.best_score is None else progress.best_score,
            provenance_label(progress.recognised_by) if progress.status == "recognised" else labels.get(progress.status, ""),
        ])
    return rows


def recognitions_of(user_id: int) -> list[tuple[Module, Progress]]:
    """The learner's recognised modules with their progress rows (for provenance), by module slug."""
    return list(db.session.execute(
        select(Module, Progress).join(Progress, Progress.module_id == Module.id)
        .where(Progress.user_id == user_id, Progress.status == "recognised").order_by(Module.slug)
    ).all())


def export_csv(organisation_id: int, team_id: int | None = None) -> str:
    """UTF-8 CSV with a BOM (so spreadsheet programs read the letters ä and ö right) and a header."""
    return csv_text(EXPORT_HEADER, export_rows(organisation_id, team_id))


def charts_for(overview: Overview):
    """The radar (share with the basics; average level scaled to 1–6) and the trend line of ``overview``."""
    from kampus.i18n import format_date

    from kampus.reports.charts import line, radar

    themes = overview.capability.themes
    shape = radar(
        [str(i) for i in range(1, len(themes) + 1)],
        {
            "series-share": [t.share / 100 for t in themes],
            "series-level": [(t.average_level or 0) / 6 for t in themes],
        },
    )
    return shape, line([(format_date(end, "MMM"), value) for end, value in overview.trend])
