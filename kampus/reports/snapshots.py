"""Report snapshots: the overview figures of big organisations computed by a task, read by the pages.

Computing an organisation's overview (:func:`kampus.reports.services.organisation_overview`:
capability per theme, the monthly trend, active learners) aggregates its whole
progress and event logs: 1.6 s for 10,000 staff. The pages instead read the
organisation's row in ``report_snapshots`` (one small JSON document), which the
``refresh_reports`` task rewrites with the same function, so there is still one
definition of the figures (kampus.reports.capability).

* **When a refresh is queued.** After a commit that moved an organisation's
  ``report_version`` (kampus.reports.aggregates), and when a page reads a snapshot
  older than the organisation's report version, the catalogue version or today.
  Queueing claims the snapshot's ``refresh_queued_at`` with a conditional update,
  so a burst of writes queues at most one refresh per organisation (a claim older
  than :data:`QUEUE_LEASE` is taken again: its task was lost). Without a broker
  (``make run``, tests) the task runs at once, in-process, after the commit.
* **The task** clears the claim first (a write during the computation queues the
  next refresh), reads the versions, computes and stores them with the figures;
  a snapshot already at those versions is left alone (a retry or a duplicate does
  nothing), and one never replaces a newer one.
* **The pages** show a snapshot older than the current versions with "figures as
  of … — being refreshed". Organisations of at most ``REPORT_INLINE_MAX_STAFF``
  people (default :data:`INLINE_MAX_STAFF`) have no snapshot: their figures are
  computed on the request and cached in-process as before; a bigger one without a
  snapshot yet is computed on the request once and its snapshot stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kampus.db import on_commit, rows_changed, utcnow
from kampus.extensions import db
from kampus.reports.capability import Capability, ThemeCapability, ThemeSnapshot
from kampus.reports.models import ReportSnapshot

log = logging.getLogger("kampus.reports")

#: Organisations with at most this many staff are computed on the request (config REPORT_INLINE_MAX_STAFF).
INLINE_MAX_STAFF = 50
#: A queued refresh not started within this time is taken as lost and queued again.
QUEUE_LEASE = dt.timedelta(minutes=10)
TASK = "kampus.jobs.tasks.refresh_reports"


def inline_max_staff() -> int:
    from flask import current_app

    return int(current_app.config.get("REPORT_INLINE_MAX_STAFF", INLINE_MAX_STAFF))


# --- figures as JSON ---------------------------------------------------------------


def capability_to_json(figures: Capability) -> dict:
    return {
        "members": figures.members,
        "themes": [
            {
                "theme": {
                    "id": t.theme.id,
                    "slug": t.theme.slug,
                    "position": t.theme.position,
                    "title": dict(t.theme.title or {}),
                },
                "share": t.share,
                "members_with_basics": t.members_with_basics,
                "average_level": t.average_level,
                "assessed": t.assessed,
            }
            for t in figures.themes
        ],
    }


def capability_from_json(data: dict) -> Capability:
    return Capability(
        members=data["members"],
        themes=[
            ThemeCapability(
                theme=ThemeSnapshot(**t["theme"]),
                share=t["share"],
                members_with_basics=t["members_with_basics"],
                average_level=t["average_level"],
                assessed=t["assessed"],
            )
            for t in data["themes"]
        ],
    )


def overview_to_json(overview) -> dict:
    return {
        "capability": capability_to_json(overview.capability),
        "trend": [[end.isoformat(), value] for end, value in overview.trend],
        "active_learners": overview.active_learners,
        "due_soon": overview.due_soon,
        "overdue": overview.overdue,
    }


def overview_from_json(data: dict):
    from kampus.reports.services import Overview

    return Overview(
        capability=capability_from_json(data["capability"]),
        trend=[(dt.date.fromisoformat(end), value) for end, value in data["trend"]],
        active_learners=data["active_learners"],
        due_soon=data["due_soon"],
        overdue=data["overdue"],
    )


# --- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Versions:
    """What a snapshot is computed for: it is current while all three hold."""

    report: int
    catalogue: int
    day: dt.date


def is_current(snapshot: ReportSnapshot, versions: Versions) -> bool:
    return (snapshot.report_version, snapshot.catalogue_version, snapshot.day) == (
        versions.report,
        versions.catalogue,
        versions.day,
    )


def snapshots_of(organisation_ids: Iterable[int]) -> dict[int, ReportSnapshot]:
    """The stored snapshots of these organisations (one query)."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    return {
        s.organisation_id: s
        for s in db.session.scalars(select(ReportSnapshot).where(ReportSnapshot.organisation_id.in_(ids)))
    }


# --- queueing ------------------------------------------------------------------------


def request_refresh(organisation_ids: Iterable[int]) -> list[int]:
    """Queue a refresh for each of these organisations that has a snapshot and no refresh
    queued already; returns the ids queued. Runs in its own short transaction (call it
    after a commit, never inside one whose rollback should take the claim back)."""
    from flask import current_app

    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    now = utcnow()
    with Session(db.engine) as session:
        # one statement whatever the number (the network overview may find many stale)
        claimed = list(
            session.scalars(
                update(ReportSnapshot)
                .where(
                    ReportSnapshot.organisation_id.in_(ids),
                    or_(
                        ReportSnapshot.refresh_queued_at.is_(None),
                        ReportSnapshot.refresh_queued_at < now - QUEUE_LEASE,
                    ),
                )
                .values(refresh_queued_at=now)
                .returning(ReportSnapshot.organisation_id)
            )
        )
        session.commit()
    for org_id in claimed:
        try:
            # This app's own Celery (tests build many apps; the default would be the last one).
            current_app.extensions["celery"].tasks[TASK].delay(org_id)
        except Exception:  # a broker down or a failing refresh: the lease runs out and a page queues it again
            log.exception("report refresh of organisation %s not run; it will be queued again", org_id)
    return claimed


_first_queued: dict[tuple[str, int], dt.datetime] = {}


def request_first(organisation_ids: Iterable[int]) -> list[int]:
    """Queue the first snapshot of organisations that have none (no row to claim yet: at most
    one per organisation and :data:`QUEUE_LEASE` from this process; a duplicate from another
    process finds the snapshot current and stops)."""
    from flask import current_app

    now, url = utcnow(), str(db.engine.url)
    queued = []
    for org_id in sorted(set(organisation_ids)):
        if now - _first_queued.get((url, org_id), dt.datetime.min) < QUEUE_LEASE:
            continue
        _first_queued[(url, org_id)] = now
        try:
            current_app.extensions["celery"].tasks[TASK].delay(org_id)
        except Exception:
            log.exception("first report snapshot of organisation %s not queued", org_id)
        queued.append(org_id)
    return queued


_BUMPED = "kampus_report_orgs_bumped"


def note_bumped(session: Session, organisation_ids: Iterable[int]) -> None:
    """Remember organisations whose report version this transaction moves (from aggregates):
    their snapshots are refreshed after it commits."""
    on_commit(session, _refresh_after_commit, *organisation_ids)


def _refresh_after_commit(organisation_ids: list[int]) -> None:
    from flask import after_this_request, g, has_app_context, has_request_context

    if has_request_context():
        # After the response, not here: the committing session still holds its connection,
        # and a second one per request exhausts the pool under parallel requests.
        pending = g.setdefault(_BUMPED, set())
        if not pending:

            @after_this_request
            def refresh(response):
                request_refresh(g.pop(_BUMPED, ()))
                return response

        pending.update(organisation_ids)
    elif has_app_context():
        request_refresh(set(organisation_ids))


# --- computing -----------------------------------------------------------------------


def current_versions(organisation_id: int) -> Versions:
    from kampus.assignments.services import today
    from kampus.catalogue.services import current_version
    from kampus.orgs.models import Organisation

    report = db.session.scalar(select(Organisation.report_version).where(Organisation.id == organisation_id))
    return Versions(report or 0, current_version(), today())


def store(organisation_id: int, versions: Versions, overview) -> bool:
    """Write the snapshot unless a newer one is stored; in its own transaction. True if written."""
    figures = overview_to_json(overview)
    with Session(db.engine) as session:
        values = dict(
            report_version=versions.report,
            catalogue_version=versions.catalogue,
            day=versions.day,
            figures=figures,
            computed_at=utcnow(),
        )
        result = session.execute(
            update(ReportSnapshot)
            .where(
                ReportSnapshot.organisation_id == organisation_id,
                or_(
                    ReportSnapshot.day < versions.day,
                    ReportSnapshot.report_version < versions.report,
                    ReportSnapshot.catalogue_version < versions.catalogue,
                ),
            )
            .values(**values)
        )
        if rows_changed(result):
            session.commit()
            return True
        exists = session.scalar(select(func.count()).where(ReportSnapshot.organisation_id == organisation_id))
        if exists:
            return False  # as new or newer already
        try:
            session.add(ReportSnapshot(organisation_id=organisation_id, **values))
            session.commit()
        except IntegrityError:  # another worker stored it first
            session.rollback()
            return False
        return True


def refresh(organisation_id: int) -> str:
    """The ``refresh_reports`` task: ``stored``, or ``current`` when the snapshot already
    matches the versions (a retry, a duplicate)."""
    from kampus.reports.services import organisation_overview

    with Session(db.engine) as session:
        session.execute(
            update(ReportSnapshot)
            .where(ReportSnapshot.organisation_id == organisation_id)
            .values(refresh_queued_at=None)
        )
        session.commit()
    versions = current_versions(organisation_id)
    existing = db.session.get(ReportSnapshot, organisation_id)
    if existing is not None and is_current(existing, versions):
        return "current"
    overview = organisation_overview(organisation_id, versions.day)
    db.session.rollback()  # the reads' transaction: the snapshot is written in its own
    return "stored" if store(organisation_id, versions, overview) else "current"


def refresh_stale(limit: int = 200) -> list[int]:
    """The sweep (beat): queue refreshes of snapshots older than their organisation's versions,
    and first snapshots of organisations above the inline size. Returns the ids queued."""
    from kampus.assignments.services import today
    from kampus.catalogue.services import current_version
    from kampus.orgs.models import Organisation
    from kampus.reports.capability import member_ids_by_org

    catalogue, day = current_version(), today()
    stale = list(
        db.session.scalars(
            select(ReportSnapshot.organisation_id)
            .join(Organisation, Organisation.id == ReportSnapshot.organisation_id)
            .where(
                or_(
                    ReportSnapshot.report_version != Organisation.report_version,
                    ReportSnapshot.catalogue_version != catalogue,
                    ReportSnapshot.day != day,
                )
            )
            .limit(limit)
        )
    )
    have = set(db.session.scalars(select(ReportSnapshot.organisation_id)))
    big = [
        org_id
        for org_id, people in member_ids_by_org().items()
        if org_id not in have and len(people) > inline_max_staff()
    ]
    db.session.rollback()
    return request_refresh(stale) + request_first(big[:limit])
