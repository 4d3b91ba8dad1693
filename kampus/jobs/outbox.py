"""Side effects after commit: the outbox.

:func:`enqueue` adds a row to the request's (or command's) own transaction; when
that transaction commits, each new row is handed to the ``deliver_outbox``
task (run at once in-process without a broker, by a Celery worker with one).
A rollback sends nothing. :func:`deliver` claims a row with a conditional
update before acting, so two workers, a retry and the catch-up sweep never act
on the same row at once; a row whose worker died is taken again when its lease
runs out. Failures are retried with exponential back-off, up to
:data:`MAX_ATTEMPTS`.

Delivery is at-least-once with a window of milliseconds: a worker killed after
the SMTP server accepted a message but before the row was marked sent would
send it again when the lease runs out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kampus.db import on_commit, rows_changed, utcnow
from kampus.extensions import db
from kampus.jobs.models import FAILED, PENDING, SENDING, SENT, OutboxMessage

log = logging.getLogger("kampus.jobs")

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(minutes=5)

#: kind -> function(payload) that performs the side effect; raises on failure.
HANDLERS: dict[str, Callable[[dict], None]] = {}


def handler(kind: str):
    """Register the function that delivers messages of ``kind``."""

    def register(function: Callable[[dict], None]) -> Callable[[dict], None]:
        HANDLERS[kind] = function
        return function

    return register


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … doubling, at most 6 hours."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def enqueue(kind: str, payload: dict, *, key: str) -> OutboxMessage | None:
    """Add a message to the current transaction (flushed, not committed).

    ``key`` is unique: enqueueing the same key again (a double submit, a job
    run twice) adds nothing and returns None.
    """
    if kind not in HANDLERS:
        raise ValueError(f"no outbox handler for {kind!r}")
    try:
        with db.session.begin_nested():
            message = OutboxMessage(kind=kind, key=key[:200], payload=payload)
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        return None
    on_commit(db.session(), dispatch_messages, message.id)
    return message


def queue_mail(to: str, subject: str, body: str, *, key: str) -> OutboxMessage | None:
    """An e-mail sent after the current transaction commits (once per ``key``)."""
    return enqueue("mail", {"to": to, "subject": subject, "body": body}, key=key)


def dispatch_messages(ids: list[int]) -> None:
    """Hand messages just committed to this app's own Celery (tests build many apps; the default
    would be the last one); run after the commit that wrote them (:func:`kampus.db.on_commit`)."""
    from flask import current_app

    for message_id in ids:
        try:
            current_app.extensions["celery"].tasks["kampus.jobs.tasks.deliver_outbox"].delay(message_id)
        except Exception:  # a broker down or a failing handler: the sweep retries
            log.exception("outbox message %s not dispatched; the sweep will retry it", message_id)


def deliver(message_id: int) -> str:
    """Deliver one message: ``sent``, ``retry`` (failed, will be tried again),
    ``failed`` (gave up) or ``skipped`` (sent already, or another worker has it)."""
    from flask import current_app

    now = utcnow()
    lease = dt.timedelta(seconds=current_app.config.get("OUTBOX_LEASE_SECONDS", LEASE.total_seconds()))
    with Session(db.engine) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _claimable(now))
            .values(state=SENDING, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
        )
        claimed = rows_changed(result)
        session.commit()
        if not claimed:
            return "skipped"
        message = session.get(OutboxMessage, message_id)
        assert message is not None  # just claimed by this worker; messages are never deleted
        try:
            HANDLERS[message.kind](message.payload)
        except Exception as error:  # noqa: BLE001 - any failure is retried, never lost
            message.last_error = f"{type(error).__name__}: {error}"[:1000]
            message.lease_until = None
            if message.attempts >= MAX_ATTEMPTS:
                message.state = FAILED
                outcome = "failed"
            else:
                message.state = PENDING
                message.next_attempt_at = utcnow() + backoff(message.attempts)
                outcome = "retry"
            session.commit()
            log.warning("outbox message %s (%s) %s: %s", message_id, message.kind, outcome, message.last_error)
            return outcome
        message.state, message.sent_at, message.lease_until, message.last_error = SENT, utcnow(), None, None
        session.commit()
        return "sent"


def due_ids(limit: int = 500, *, now: dt.datetime | None = None) -> list[int]:
    """Messages waiting (or whose worker died): what the sweep delivers."""
    now = now or utcnow()
    with Session(db.engine) as session:
        return list(
            session.scalars(select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.id).limit(limit))
        )


def deliver_due(limit: int = 500) -> dict[str, int]:
    """Deliver every due message (the sweep); returns a count per outcome."""
    counts: dict[str, int] = {}
    for message_id in due_ids(limit):
        outcome = deliver(message_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _claimable(now: dt.datetime):
    return or_(
        and_(OutboxMessage.state == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == SENDING, OutboxMessage.lease_until < now),
    )


@handler("mail")
def _deliver_mail(payload: dict) -> None:
    from kampus.jobs.mail import send_now

    send_now(payload["to"], payload["subject"], payload["body"])
