"""Notifications: :func:`notify` writes one for a person in the caller's transaction;
:func:`describe` words it in the reader's language when it is shown (or mailed).

The services that cause a notification call :func:`notify` beside the change
itself (assignments: new, extended, withdrawn; recognition: approved,
rejected; the overdue reminder), so a rollback leaves no notification behind.
A notification's ``key`` is unique per person: the same event notified twice is
one notification, and one e-mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from kampus import cache
from kampus.auth.mail import mail_configured
from kampus.auth.models import User
from kampus.db import rows_changed, utcnow
from kampus.errors import NotFound
from kampus.extensions import db
from kampus.i18n import format_date
from kampus.jobs.outbox import queue_mail
from kampus.links import external_url
from kampus.notifications.models import Notification
from kampus.templating import localized

ASSIGNMENT_NEW = "assignment_new"
ASSIGNMENT_EXTENDED = "assignment_extended"
ASSIGNMENT_WITHDRAWN = "assignment_withdrawn"
ASSIGNMENT_OVERDUE = "assignment_overdue"
RECOGNITION_APPROVED = "recognition_approved"
RECOGNITION_REJECTED = "recognition_rejected"
KINDS = (
    ASSIGNMENT_NEW,
    ASSIGNMENT_EXTENDED,
    ASSIGNMENT_WITHDRAWN,
    ASSIGNMENT_OVERDUE,
    RECOGNITION_APPROVED,
    RECOGNITION_REJECTED,
)
PAGE_SIZE = 20


def _default_key(kind: str, params: dict) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


def notify(user_id: int, kind: str, params: dict, *, key: str | None = None, mail: bool = True) -> Notification | None:
    """Notify ``user_id`` of ``kind`` (one of :data:`KINDS`) with ``params`` (ids, ISO dates, authored
    titles in every language: never translated text). Added and flushed in the current transaction.

    ``key`` (default: the kind and the params) is unique per person: a duplicate adds nothing and
    returns None. With ``mail`` and a mail server configured, an e-mail in the person's language is
    queued through the outbox (sent after the commit); callers that mail the event themselves pass
    ``mail=False``.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    key = (key or _default_key(kind, params))[:200]
    try:
        with db.session.begin_nested():
            notification = Notification(user_id=user_id, kind=kind, params=params, key=key, created_at=utcnow())
            db.session.add(notification)
            db.session.flush()
    except IntegrityError:
        return None
    if mail and mail_configured():
        user = db.session.get(User, user_id)
        if user is not None and user.active and user.email:
            with force_locale(user.language):
                text = describe(notification)
                body = "\n\n".join([text.text, external_url(text.endpoint, **text.values), _("Kampus")]) + "\n"
                queue_mail(user.email, text.text, body, key=f"notification:{notification.id}")
    return notification


@dataclass(frozen=True)
class Described:
    """A notification in words (the current locale) and where it leads."""

    text: str
    endpoint: str
    values: dict

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.values)


def _date(value) -> str:
    try:
        return format_date(dt.date.fromisoformat(value))
    except (TypeError, ValueError):
        return ""


def describe(notification: Notification) -> Described:
    """The notification in the reader's language (the current locale), with its link."""
    p = notification.params or {}
    kind = notification.kind
    path = localized(p.get("path"))
    if kind == ASSIGNMENT_NEW:
        text = _("You have a new assigned path: %(path)s, due on %(date)s.", path=path, date=_date(p.get("due")))
    elif kind == ASSIGNMENT_EXTENDED:
        text = _("The due date of your path %(path)s moved to %(date)s.", path=path, date=_date(p.get("due")))
    elif kind == ASSIGNMENT_WITHDRAWN:
        text = _("The assigned path %(path)s was withdrawn. Your progress is kept.", path=path)
        return Described(text, "paths.dashboard", {})
    elif kind == ASSIGNMENT_OVERDUE:
        text = _("Your path %(path)s was due on %(date)s and is not finished yet.", path=path, date=_date(p.get("due")))
    elif kind == RECOGNITION_APPROVED:
        text = _("Recognition approved: %(title)s is now recognised.", title=localized(p.get("title")))
        return Described(text, "recognition.mine", {})
    elif kind == RECOGNITION_REJECTED:
        text = _("Recognition not approved: %(title)s. See your manager's comment.", title=localized(p.get("title")))
        return Described(text, "recognition.mine", {})
    else:  # a kind from a newer version: still listed, never a 500
        return Described(_("Something changed in your paths."), "paths.dashboard", {})
    return Described(text, "paths.assigned", {"assignment_id": int(p["assignment"])})


# --- reading and marking -----------------------------------------------------------


def unread_count(user_id: int) -> int:
    """The person's unread notifications (one query)."""
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def page_of(user_id: int, page: int, size: int = PAGE_SIZE) -> tuple[list[Notification], int]:
    """One page of the person's notifications, newest first, and the number of pages (two queries)."""
    total = db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user_id)) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return list(rows), pages


def mark_read(user_id: int, notification_id: int) -> Notification:
    """Mark the person's own notification read (idempotent); :class:`NotFound` for anyone else's."""
    row = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )
    if row is None:
        raise NotFound(f"no notification {notification_id}")
    if row.read_at is None:
        row.read_at = utcnow()
    db.session.flush()
    return row


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the person read; returns how many changed."""
    changed = rows_changed(
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if changed:  # the nav's unread count is on the person's cached pages (kampus.cache): move them
        cache.pages_changed_for(user_id)
    db.session.flush()
    return changed
