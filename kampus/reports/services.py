"""Report services: the organisation overview's figures and the CSV export of progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from sqlalchemy import func, select

from kampus.assignments.models import Assignment
from kampus.assignments.services import today
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.exports import csv_chunks, csv_text
from kampus.extensions import db
from kampus.orgs.models import Team, TeamMembership
from kampus.progress.models import LearningEvent, Progress
from kampus.recognition.labels import provenance_label
from kampus.reports.capability import Capability, capabilities, capability, trend

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
    active = (
        db.session.scalar(
            select(func.count(func.distinct(LearningEvent.user_id)))
            .join(User, User.id == LearningEvent.user_id)
            .where(User.organisation_id == organisation_id, User.active.is_(True), LearningEvent.created_at >= since)
        )
        or 0
    )
    open_assignments = (
        select(Assignment.due)
        .where(Assignment.organisation_id == organisation_id, Assignment.withdrawn_at.is_(None))
        .subquery()
    )
    due_soon, overdue = db.session.execute(
        select(
            func.count().filter(open_assignments.c.due >= on, open_assignments.c.due <= on + dt.timedelta(days=30)),
            func.count().filter(open_assignments.c.due < on),
        ).select_from(open_assignments)
    ).one()
    return Overview(capability(organisation_id), trend(organisation_id, on), active, due_soon or 0, overdue or 0)


@dataclass(frozen=True)
class ThemeSnapshot:
    """The columns of a theme the report pages show, safe to keep across requests."""

    id: int
    slug: str
    position: int
    title: dict


def _snapshot(figures: Capability) -> Capability:
    themes = [
        replace(t, theme=ThemeSnapshot(t.theme.id, t.theme.slug, t.theme.position, dict(t.theme.title or {})))
        for t in figures.themes
    ]
    return replace(figures, themes=themes)


def cached_overview(organisation, on: dt.date | None = None) -> Overview:
    """:func:`organisation_overview`, reused while the organisation's report version, the
    catalogue version and the day stay the same (kampus.reports.aggregates)."""
    from kampus.catalogue.services import current_version
    from kampus.reports import aggregates

    on = on or today()
    key = ("overview", str(db.engine.url), organisation.id, organisation.report_version, current_version(), on)

    def compute():
        figures = organisation_overview(organisation.id, on)
        return replace(figures, capability=_snapshot(figures.capability))

    return aggregates.cached(key, compute)


def cached_capabilities(organisations) -> dict[int, Capability]:
    """:func:`capabilities` of several organisations, computing only those whose version moved."""
    from kampus.catalogue.services import current_version
    from kampus.reports import aggregates

    url, catalogue = str(db.engine.url), current_version()
    keys = {o.id: ("capability", url, o.id, o.report_version, catalogue) for o in organisations}
    return aggregates.cached_many(keys, lambda ids: {i: _snapshot(c) for i, c in capabilities(ids).items()})


EXPORT_HEADER = [
    "name",
    "email",
    "teams",
    "module",
    "module_title",
    "status",
    "recognised_by",
    "started",
    "finished",
    "best_score",
    "status_in_words",
]


#: Progress rows fetched at a time while an export streams (a server-side cursor on PostgreSQL).
EXPORT_BATCH = 2000


def export_rows(organisation_id: int, team_id: int | None = None):
    """One row per person and module with progress (names, e-mail, teams, module, status, dates, score),
    yielded in batches: the columns only (no ORM objects), the module titles once, and
    each batch's teams in one query, so memory does not grow with the export."""
    people = select(User.id).where(User.organisation_id == organisation_id)
    if team_id is not None:
        people = people.join(TeamMembership, TeamMembership.user_id == User.id).where(TeamMembership.team_id == team_id)
    modules = {
        module_id: (slug, (title or {}).get("fi", ""))
        for module_id, slug, title in db.session.execute(select(Module.id, Module.slug, Module.title))
    }
    labels = {"completed": _("Completed"), "in_progress": _("In progress")}
    recognised = {how: provenance_label(how) for how in ("self_check", "self_assessment", "manager", None)}
    days: dict[dt.date, str] = {}

    def day(when) -> str:
        if not when:
            return ""
        date = when.date()
        text = days.get(date)
        if text is None:
            text = days[date] = date.isoformat()
        return text

    # Core rows on the session's connection (no ORM loading), streamed: a
    # server-side cursor on PostgreSQL, fetchmany batches on SQLite.
    # (The options go on the statement: Connection.execution_options() would
    # change the session's connection for every later statement too.)
    result = db.session.connection().execute(
        select(
            User.id,
            User.name,
            User.email,
            Progress.module_id,
            Progress.status,
            Progress.recognised_by,
            Progress.started_at,
            Progress.finished_at,
            Progress.best_score,
        )
        .join(Progress, Progress.user_id == User.id)
        .join(Module, Module.id == Progress.module_id)
        .where(User.id.in_(people))
        .order_by(User.name, User.email, Module.slug)
        .execution_options(stream_results=True, max_row_buffer=EXPORT_BATCH)
    )
    for batch in result.partitions(EXPORT_BATCH):
        teams: dict[int, list[str]] = {}
        for user_id, name in db.session.execute(
            select(TeamMembership.user_id, Team.name)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(Team.organisation_id == organisation_id, TeamMembership.user_id.in_({r[0] for r in batch}))
            .order_by(Team.name)
        ):
            teams.setdefault(user_id, []).append(name)
        team_text = {user_id: "; ".join(names) for user_id, names in teams.items()}
        for user_id, name, email, module_id, status, how, started, finished, score in batch:
            slug, title = modules[module_id]
            yield [
                name,
                email,
                team_text.get(user_id, ""),
                slug,
                title,
                status,
                how or "",
                day(started),
                day(finished),
                "" if score is None else score,
                (recognised[how] if how in recognised else provenance_label(how))
                if status == "recognised"
                else labels.get(status, ""),
            ]


def recognitions_of(user_id: int) -> list[tuple[Module, Progress]]:
    """The learner's recognised modules with their progress rows (for provenance), by module slug."""
    return list(
        db.session.execute(
            select(Module, Progress)
            .join(Progress, Progress.module_id == Module.id)
            .where(Progress.user_id == user_id, Progress.status == "recognised")
            .order_by(Module.slug)
        ).all()
    )


def export_csv(organisation_id: int, team_id: int | None = None) -> str:
    """UTF-8 CSV with a BOM (so spreadsheet programs read the letters ä and ö right) and a header."""
    return csv_text(EXPORT_HEADER, export_rows(organisation_id, team_id))


def export_csv_chunks(organisation_id: int, team_id: int | None = None):
    """:func:`export_csv` as a stream of chunks (constant memory, for a streamed response)."""
    return csv_chunks(EXPORT_HEADER, export_rows(organisation_id, team_id))


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
