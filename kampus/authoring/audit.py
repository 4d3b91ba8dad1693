"""Writing and reading the audit log of content changes.

Every authoring service calls :func:`record` with the acting administrator and
the before/after snapshots of what it changed; only the fields that differ are
kept. The log is append-only: nothing here updates or deletes an entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kampus.auth.models import User
from kampus.authoring.models import AuditEntry
from kampus.db import utcnow
from kampus.extensions import db

PAGE_SIZE = 50


def diff(before: dict | None, after: dict | None) -> dict:
    """``{field: {"before": …, "after": …}}`` for every top-level field that differs."""
    before, after = before or {}, after or {}
    changes = {}
    for key in list(before) + [k for k in after if k not in before]:
        if before.get(key) != after.get(key):
            changes[key] = {"before": before.get(key), "after": after.get(key)}
    return changes


def record(
    actor: User | None,
    action: str,
    *,
    module_slug: str | None = None,
    theme_slug: str | None = None,
    changes: dict | None = None,
) -> AuditEntry:
    """Append one entry (flushed by the caller's transaction) and return it."""
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        action=action,
        module_slug=module_slug,
        theme_slug=theme_slug,
        changes=changes or {},
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    page: int
    has_next: bool


def entries(*, module_slug: str | None = None, user_id: int | None = None, page: int = 1) -> AuditPage:
    """Newest first, optionally of one module and/or one author (one query, plus the authors)."""
    page = max(1, page)
    query = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.user))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if module_slug:
        query = query.where(AuditEntry.module_slug == module_slug)
    if user_id:
        query = query.where(AuditEntry.user_id == user_id)
    rows = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return AuditPage(list(rows[:PAGE_SIZE]), page, len(rows) > PAGE_SIZE)


def filter_choices() -> tuple[list[str], list[tuple[int, str]]]:
    """The module slugs and the authors (id, name) that appear in the log, for the filters."""
    slugs = db.session.scalars(
        select(AuditEntry.module_slug)
        .where(AuditEntry.module_slug.is_not(None))
        .group_by(AuditEntry.module_slug)
        .order_by(AuditEntry.module_slug)
    ).all()
    authors = db.session.execute(
        select(User.id, User.name, User.email, func.count(AuditEntry.id))
        .join(AuditEntry, AuditEntry.user_id == User.id)
        .group_by(User.id, User.name, User.email)
        .order_by(User.name, User.email)
    ).all()
    return [slug for slug in slugs if slug], [(uid, name or email) for uid, name, email, _n in authors]
