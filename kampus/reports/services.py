"""Report services: the organisation overview's figures (the progress export: kampus.reports.progress_export)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from kampus.assignments.models import Assignment
from kampus.assignments.services import today
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.orgs.population import joined
from kampus.progress.models import LearningEvent, Progress
from kampus.reports import aggregates, snapshots  # their session hooks move versions and queue refreshes
from kampus.reports.capability import Capability, ThemeSnapshot, capabilities, capability, trend

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
            .where(User.organisation_id == organisation_id, joined(), LearningEvent.created_at >= since)
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

    on = on or today()
    key = ("overview", str(db.engine.url), organisation.id, organisation.report_version, current_version(), on)

    def compute():
        figures = organisation_overview(organisation.id, on)
        return replace(figures, capability=_snapshot(figures.capability))

    return aggregates.cached(key, compute)


def cached_capabilities(organisations) -> dict[int, Capability]:
    """:func:`capabilities` of several organisations, computing only those whose version moved."""
    from kampus.catalogue.services import current_version

    url, catalogue = str(db.engine.url), current_version()
    keys = {o.id: ("capability", url, o.id, o.report_version, catalogue) for o in organisations}
    return aggregates.cached_many(keys, lambda ids: {i: _snapshot(c) for i, c in capabilities(ids).items()})


@dataclass
class Figures:
    """What an overview page shows: the figures, and when they were computed if they are
    older than the organisation's current versions (a refresh is then queued)."""

    overview: Overview
    as_of: dt.datetime | None = None


def snapshot_of(organisation) -> snapshots.ReportSnapshot | None:
    """The organisation's stored snapshot, if any (one query)."""
    return snapshots.snapshots_of([organisation.id]).get(organisation.id)


def _versions(organisation, on: dt.date) -> snapshots.Versions:
    from kampus.catalogue.services import current_version

    return snapshots.Versions(organisation.report_version, current_version(), on)


def overview_figures(organisation, snapshot: snapshots.ReportSnapshot | None, on: dt.date | None = None) -> Figures:
    """The manager's overview: from ``snapshot`` (:func:`snapshot_of`) when there is one,
    queueing a refresh if it is older than the organisation's versions; else computed
    (cached in-process), and stored as the first snapshot if the organisation is big."""
    on = on or today()
    versions = _versions(organisation, on)
    if snapshot is not None:
        if snapshots.is_current(snapshot, versions):
            return Figures(snapshots.overview_from_json(snapshot.figures))
        stale = Figures(snapshots.overview_from_json(snapshot.figures), as_of=snapshot.computed_at)
        snapshots.request_refresh([organisation.id])
        return stale
    figures = cached_overview(organisation, on)
    if figures.capability.members > snapshots.inline_max_staff():
        snapshots.store(organisation.id, versions, figures)
    return Figures(figures)


def network_figures(organisations) -> tuple[dict[int, Capability], dt.datetime | None]:
    """Capability of every organisation for the network overview, in a fixed number of queries:
    from their snapshots, the others computed (:func:`cached_capabilities`). The second value
    is the oldest time of a snapshot older than its organisation's versions (refreshes queued)."""
    from kampus.catalogue.services import current_version

    organisations = list(organisations)
    stored = snapshots.snapshots_of(o.id for o in organisations)
    catalogue = current_version()
    figures: dict[int, Capability] = {}
    stale: list[int] = []
    oldest: dt.datetime | None = None
    for org in organisations:
        snapshot = stored.get(org.id)
        if snapshot is None:
            continue
        figures[org.id] = snapshots.capability_from_json(snapshot.figures["capability"])
        # capability does not depend on the day (the trend does): the day alone leaves it current
        if (snapshot.report_version, snapshot.catalogue_version) != (org.report_version, catalogue):
            stale.append(org.id)
            oldest = snapshot.computed_at if oldest is None else min(oldest, snapshot.computed_at)
    missing = [o for o in organisations if o.id not in figures]
    if missing:
        computed = cached_capabilities(missing)
        figures.update(computed)
        snapshots.request_first(i for i, c in computed.items() if c.members > snapshots.inline_max_staff())
    if stale:
        snapshots.request_refresh(stale)
    return figures, oldest


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
