"""Filling the xAPI outbox: read learning events and assignments not yet in it,
build their statements (:mod:`kampus.xapi.statements`) and add one outbox row
per statement, or one ``skipped`` row for an event that makes none.

Why a catch-up scan and not a hook in ``log_event``: the events are the source
of truth and are committed in the request's own transaction, so a statement
built from a committed event cannot be lost, and one never built from an event
that was rolled back; the scan also sees events written anywhere (the demo
seeding writes them directly, new kinds from other features need no new hook),
and the progress services stay untouched. The scan is an anti-join (events
with no outbox row), not a high-water mark, so an event committed late by a
slower transaction with a smaller id is still found. It is idempotent: the
statement ids are derived from the event ids and unique in the outbox, and an
insert that loses a race with another scanner is ignored.

Like other services these add and flush; the caller (the CLI, the drainer)
commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from kampus.assignments.models import Assignment, PathTemplate, TemplateGoal
from kampus.assignments.services import assignments_of
from kampus.auth.models import User
from kampus.catalogue.models import Module, Section
from kampus.catalogue.services import catalogue_graph
from kampus.db import utcnow
from kampus.extensions import db
from kampus.graph.goals import goal_modules, required_closure
from kampus.paths.models import Path, PathGoal
from kampus.progress.models import LearningEvent
from kampus.progress.services import DEFAULT_PASS_MARK
from kampus.xapi import statements as xs
from kampus.xapi.models import XapiOutbox
from kampus.xapi.statements import AssignmentData, EventData, ModuleInfo, PathInfo, SectionInfo

SCAN_BATCH = 500


def base_url() -> str:
    return current_app.config["KAMPUS_BASE_URL"].rstrip("/")


def actor_secret() -> str:
    return current_app.config.get("KAMPUS_XAPI_ACTOR_SECRET") or current_app.config["SECRET_KEY"]


def actor_for(user_id: int) -> str:
    """The learner's opaque account name in statements."""
    return xs.actor_name(actor_secret(), "user", user_id)


@dataclass
class EnqueueReport:
    queued: int = 0  # statements added
    skipped: int = 0  # events that make no statement
    skipped_kinds: dict[str, int] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------


def _module_infos(module_ids: set[int]) -> dict[int, ModuleInfo]:
    if not module_ids:
        return {}
    modules = db.session.scalars(select(Module).where(Module.id.in_(module_ids)).options(selectinload(Module.theme)))
    return {
        m.id: ModuleInfo(
            m.slug, dict(m.title or {}), m.theme.slug, dict(m.theme.title or {}), m.pass_mark or DEFAULT_PASS_MARK
        )
        for m in modules
    }


def _sections(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], SectionInfo]:
    if not pairs:
        return {}
    module_ids = {m for m, _p in pairs}
    rows = db.session.execute(
        select(Section.module_id, Section.position, Section.title).where(Section.module_id.in_(module_ids))
    ).all()
    # positions in the log are 0-based indexes into the module's ordered sections
    ordered: dict[int, list[tuple[int, str]]] = {}
    for module_id, position, title in rows:
        ordered.setdefault(module_id, []).append((position, title))
    found = {}
    for module_id, index in pairs:
        sections = sorted(ordered.get(module_id, []))
        if 0 <= index < len(sections):
            found[(module_id, index)] = SectionInfo(index, sections[index][1])
    return found


class _PathsOfUsers:
    """Which of a learner's assigned and personal paths a module belongs to (goals and what they require)."""

    def __init__(self):
        self.graph = catalogue_graph()
        self.cache: dict[int, list[tuple[PathInfo, set[str]]]] = {}

    def _load(self, user_ids: set[int]) -> None:
        missing = user_ids - self.cache.keys()
        if not missing:
            return
        for user_id in missing:
            self.cache[user_id] = []
        # who is on which assignment: the assignments' one rule (a deactivated person is on none)
        on = assignments_of(missing)
        people_of: dict[int, set[int]] = {}
        for user_id, assignment_ids in on.items():
            for assignment_id in assignment_ids:
                people_of.setdefault(assignment_id, set()).add(user_id)
        assignments = db.session.scalars(
            select(Assignment)
            .where(Assignment.id.in_(list(people_of)))
            .options(
                selectinload(Assignment.template).selectinload(PathTemplate.goals).selectinload(TemplateGoal.module),
                selectinload(Assignment.template).selectinload(PathTemplate.goals).selectinload(TemplateGoal.theme),
            )
            .order_by(Assignment.id)
        ).all()
        for a in assignments:
            goals = a.template.goals
            closure = self._closure(
                [g.module.slug for g in goals if g.module], [g.theme.slug for g in goals if g.theme]
            )
            info = PathInfo("assignment", a.id, dict(a.template.title or {}))
            for user_id in people_of[a.id]:
                self.cache[user_id].append((info, closure))
        paths = db.session.scalars(
            select(Path)
            .where(Path.user_id.in_(missing))
            .options(
                selectinload(Path.goals).selectinload(PathGoal.module),
                selectinload(Path.goals).selectinload(PathGoal.theme),
            )
            .order_by(Path.id)
        ).all()
        for p in paths:
            closure = self._closure(
                [g.module.slug for g in p.goals if g.module], [g.theme.slug for g in p.goals if g.theme]
            )
            self.cache[p.user_id].append((PathInfo("path", p.id, {"fi": p.title}), closure))

    def _closure(self, modules: list[str], themes: list[str]) -> set[str]:
        return required_closure(self.graph, goal_modules(self.graph, modules, themes))

    def of(self, user_id: int, slug: str) -> tuple[PathInfo, ...]:
        self._load({user_id})
        return tuple(info for info, closure in self.cache[user_id] if slug in closure)

    def prefetch(self, user_ids: set[int]) -> None:
        self._load(user_ids)


def event_data(events: list[LearningEvent]) -> list[EventData]:
    """What the mapping needs of each event, in a fixed number of queries for the batch."""
    modules = _module_infos({e.module_id for e in events if e.module_id is not None})
    sections = _sections(
        {
            (e.module_id, int(e.data["position"]))
            for e in events
            if e.verb == "section_viewed"
            and e.module_id is not None
            and isinstance((e.data or {}).get("position"), int)
        }
    )
    user_ids = {e.user_id for e in events}
    languages = (
        dict(db.session.execute(select(User.id, User.language).where(User.id.in_(user_ids))).all()) if events else {}
    )
    paths = _PathsOfUsers()
    paths.prefetch({e.user_id for e in events if e.module_id in modules})
    made = []
    for e in events:
        data = dict(e.data or {})
        module = modules.get(e.module_id) if e.module_id is not None else None
        section = None
        position = data.get("position")
        if e.verb == "section_viewed" and e.module_id is not None and isinstance(position, int):  # as made above
            section = sections.get((e.module_id, position))
        people = {data[k]: actor_for(data[k]) for k in xs.PEOPLE_KEYS if isinstance(data.get(k), int)}
        made.append(
            EventData(
                id=e.id,
                kind=e.verb,
                actor=actor_for(e.user_id),
                language=languages.get(e.user_id),
                occurred_at=e.created_at,
                data=data,
                module=module,
                section=section,
                paths=paths.of(e.user_id, module.slug) if module else (),
                people=people,
            )
        )
    return made


def assignment_data(assignments: list[Assignment]) -> list[AssignmentData]:
    secret = actor_secret()
    return [
        AssignmentData(
            id=a.id,
            actor=xs.actor_name(secret, "user", a.created_by_id) if a.created_by_id else None,
            organisation=xs.actor_name(secret, "organisation", a.organisation_id),
            occurred_at=a.created_at,
            title=dict(a.template.title or {}),
            team=xs.actor_name(secret, "team", a.team_id) if a.team_id else None,
            people=tuple(xs.actor_name(secret, "user", p.user_id) for p in a.people),
            due=a.due.isoformat() if a.due else None,
        )
        for a in assignments
    ]


# --- writing -------------------------------------------------------------------------


def _not_in_outbox(source: str, id_column):
    return ~exists().where(XapiOutbox.source == source, XapiOutbox.source_id == id_column)


def _insert_ignoring_duplicates(rows: list[dict]) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(XapiOutbox).values(rows).on_conflict_do_nothing(index_elements=["statement_id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(XapiOutbox).values(rows).on_conflict_do_nothing(index_elements=["statement_id"])
    else:  # pragma: no cover - the app runs on SQLite and PostgreSQL
        statement = insert(XapiOutbox).values(rows)
    db.session.execute(statement)


def _row(source: str, source_id: int, kind: str, occurred_at: datetime, statement: dict | None, now: datetime) -> dict:
    return {
        "statement_id": statement["id"] if statement else xs.statement_id(base_url(), f"skipped/{source}/{source_id}"),
        "source": source,
        "source_id": source_id,
        "kind": kind,
        "statement": statement,
        "occurred_at": occurred_at,
        "state": "pending" if statement else "skipped",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue_new(limit: int = SCAN_BATCH, *, now: datetime | None = None) -> EnqueueReport:
    """Add outbox rows for up to ``limit`` events and ``limit`` assignments not yet in the outbox,
    due at once (``now``, default the current time)."""
    report = EnqueueReport()
    now = now or utcnow()
    base = base_url()
    events = list(
        db.session.scalars(
            select(LearningEvent)
            .where(_not_in_outbox("event", LearningEvent.id))
            .order_by(LearningEvent.id)
            .limit(limit)
        )
    )
    rows = []
    for data in event_data(events):
        made = xs.statements_for_event(data, base)
        if not made:
            report.skipped += 1
            report.skipped_kinds[data.kind] = report.skipped_kinds.get(data.kind, 0) + 1
            rows.append(_row("event", data.id, data.kind, data.occurred_at, None, now))
        for statement in made:
            report.queued += 1
            rows.append(_row("event", data.id, data.kind, data.occurred_at, statement, now))
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(_not_in_outbox("assignment", Assignment.id))
            .options(selectinload(Assignment.template), selectinload(Assignment.people))
            .order_by(Assignment.id)
            .limit(limit)
        )
    )
    for assignment in assignment_data(assignments):
        made = xs.statements_for_assignment(assignment, base)
        if not made:
            report.skipped += 1
            report.skipped_kinds["assigned"] = report.skipped_kinds.get("assigned", 0) + 1
            rows.append(_row("assignment", assignment.id, "assigned", assignment.occurred_at, None, now))
        for statement in made:
            report.queued += 1
            rows.append(_row("assignment", assignment.id, "assigned", assignment.occurred_at, statement, now))
    _insert_ignoring_duplicates(rows)
    db.session.flush()
    return report


def enqueue_all() -> EnqueueReport:
    """Scan until every event and assignment has its outbox rows."""
    total = EnqueueReport()
    while True:
        report = enqueue_new()
        total.queued += report.queued
        total.skipped += report.skipped
        for kind, count in report.skipped_kinds.items():
            total.skipped_kinds[kind] = total.skipped_kinds.get(kind, 0) + count
        if report.queued == 0 and report.skipped == 0:
            return total


def outbox_counts() -> dict[str, int]:
    return dict(
        db.session.execute(select(XapiOutbox.state, func.count(XapiOutbox.id)).group_by(XapiOutbox.state)).all()
    )


def statements_since(since: datetime | None = None):
    """Every statement in the outbox (whatever its delivery state), oldest first, from ``since`` on."""
    query = select(XapiOutbox.statement).where(XapiOutbox.state != "skipped")
    if since is not None:
        query = query.where(XapiOutbox.occurred_at >= since)
    return db.session.scalars(query.order_by(XapiOutbox.occurred_at, XapiOutbox.id).execution_options(yield_per=500))
