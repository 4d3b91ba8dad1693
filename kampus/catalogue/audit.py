"""Writing the audit log of content changes.

Every write of content (the catalogue writer, the authoring services, imports) calls
:func:`record` with the acting administrator and the before/after snapshots of what it
changed; only the fields that differ are kept. The log is append-only: nothing here updates
or deletes an entry. Reading it, and its words for people, is :mod:`kampus.authoring.audit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kampus.catalogue.models import AuditEntry
from kampus.db import utcnow
from kampus.extensions import db

if TYPE_CHECKING:
    from kampus.auth.models import User


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
    entry = AuditEntry(**values(actor, action, module_slug=module_slug, theme_slug=theme_slug, changes=changes))
    db.session.add(entry)
    return entry


def values(
    actor: User | None,
    action: str,
    *,
    module_slug: str | None = None,
    theme_slug: str | None = None,
    changes: dict | None = None,
) -> dict:
    """The columns of the entry :func:`record` appends: for writers that insert many at once."""
    return {
        "user_id": getattr(actor, "id", None),
        "action": action,
        "module_slug": module_slug,
        "theme_slug": theme_slug,
        "changes": changes or {},
        "created_at": utcnow(),
    }
