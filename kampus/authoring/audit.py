"""Reading the audit log of content changes (written by :mod:`kampus.catalogue.audit`).

Entries keep stable codes (``module.update``, ``target_groups``); the words for
people are here too, in one place: :func:`action_label`, :func:`field_label`
and :func:`value_label` (a code nobody has named yet is shown as it is).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kampus.auth.models import User
from kampus.catalogue.models import AuditEntry
from kampus.extensions import db

PAGE_SIZE = 50


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


# --- the log in words ------------------------------------------------------------------------------


def action_names() -> dict[str, str]:
    """Each action code in the reader's language."""
    return {
        "module.create": _("Module created"),
        "module.update": _("Module changed"),
        "module.delete": _("Module deleted"),
        "theme.create": _("Theme created"),
        "theme.update": _("Theme changed"),
        "prerequisite.add": _("Prerequisite added"),
        "prerequisite.remove": _("Prerequisite removed"),
        "prerequisite.change": _("Prerequisite changed"),
        "catalogue.import": _("Catalogue imported"),
    }


def field_names() -> dict[str, str]:
    """Each changed field's code (a module's or theme's record key) in the reader's language."""
    return {
        "slug": _("Short name in the address"),
        "theme": _("Theme"),
        "position": _("Position"),
        "title": _("Title"),
        "summary": _("Summary"),
        "description": _("Description"),
        "level": _("Level"),
        "minutes": _("Study time (minutes)"),
        "target_groups": _("Target groups"),
        "status": _("Status"),
        "competences": _("DigCompEdu competences"),
        "sections": _("Material"),
        "self_check": _("Self-check"),
        "reflection": _("Reflection"),
        "added": _("Added"),
        "updated": _("Updated"),
        "removed": _("Removed"),
    }


def value_names() -> dict[str, str]:
    """Coded values (statuses, target groups, prerequisite kinds) in the reader's language."""
    return {
        "draft": _("Draft"),
        "published": _("Published"),
        "retired": _("Retired"),
        "management": _("Management"),
        "teaching": _("Teaching"),
        "guidance": _("Guidance and support"),
        "it": _("IT staff"),
        "required": _("Required"),
        "recommended": _("Recommended"),
    }


#: Fields whose values are codes of :func:`value_names` (a prerequisite's field is its edge, "a → b").
CODED_FIELDS = {"status", "target_groups"}


def action_label(code: str) -> str:
    """The action in words; an unknown code as it is."""
    return action_names().get(code, code)


def field_label(code: str) -> str:
    """The field in words; an unknown code (and a prerequisite's edge, ``a → b``) as it is."""
    return field_names().get(code, code)


def value_label(field: str, value):
    """``value`` of ``field`` with its codes in words (a list item by item); other values unchanged."""
    coded = field in CODED_FIELDS or " → " in field
    if not coded:
        return value
    names: dict[str, str] = value_names()
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(names.get(str(v), str(v)) for v in value) or None
    return value
