"""Draining the xAPI outbox to the configured Learning Record Store.

:func:`deliver_pending` is a plain function (no request needed, only an app
context), for ``kampus xapi deliver`` and for a background task. One call:

1. fills the outbox from events not yet in it (:func:`kampus.xapi.services.enqueue_new`) and commits;
2. **claims** up to ``limit`` due rows with one conditional ``UPDATE … WHERE state = 'pending'``
   (or a ``sending`` claim whose lease ran out) under a fresh token, and commits: two drainers
   running at once never claim the same row, because the second one's ``UPDATE`` finds the
   state already changed;
3. POSTs the claimed statements in batches to ``{KAMPUS_XAPI_ENDPOINT}/statements`` with Basic
   auth and ``X-Experience-API-Version: 1.0.3``;
4. marks a batch ``sent`` on 200/204. A 409 means the LRS already holds a statement with one of
   the ids (a resend after a lost answer): a batch is then sent again one statement at a time,
   and a single statement's 409 counts as sent. Anything else (an error status, a time-out, a
   refused connection) puts the rows back to ``pending`` with ``attempts + 1`` and
   ``next_attempt_at = now + min(base × 2^(attempts − 1), max)``; each batch's outcome is
   committed before the next is sent.

Nothing is lost: a row leaves the outbox's pending states only once the LRS has answered that
it holds the statement. Nothing is duplicated: the statement id is fixed when the row is made,
so a resend is recognised by the LRS; a drainer that died mid-send leaves ``sending`` rows that
become claimable again after :data:`CLAIM_LEASE`.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from kampus.db import utcnow
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.xapi.models import XapiOutbox
from kampus.xapi.services import enqueue_new

XAPI_VERSION_HEADER = "1.0.3"
#: How long a claim holds before another drainer may take the rows over (a drainer that died).
CLAIM_LEASE = timedelta(minutes=10)


class DeliveryNotConfigured(DomainError):
    """No LRS endpoint is configured."""


@dataclass
class DeliveryReport:
    queued: int = 0  # statements added to the outbox by this call
    skipped: int = 0  # events that make no statement
    claimed: int = 0
    sent: int = 0  # the LRS answered 200/204
    already: int = 0  # the LRS already had them (409)
    failed: int = 0  # put back with back-off

    def __str__(self) -> str:
        return (
            f"{self.queued} queued, {self.skipped} skipped, {self.claimed} claimed, {self.sent} sent, "
            f"{self.already} already stored, {self.failed} failed (will be retried)"
        )


@dataclass(frozen=True)
class Claimed:
    """A claimed row, read once (so later commits, which expire ORM objects, cost no reloads)."""

    id: int
    statement: dict
    attempts: int


@dataclass
class LrsAnswer:
    status: int | None  # None: no answer at all (refused, time-out)
    text: str = ""


def backoff(attempts: int, base: float, ceiling: float) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base, 2 × base, 4 × base … capped at ``ceiling``."""
    return timedelta(seconds=min(ceiling, base * 2 ** max(0, attempts - 1)))


def post_statements(statements: list[dict]) -> LrsAnswer:
    """POST ``statements`` to the configured LRS; never raises for network trouble."""
    config = current_app.config
    url = config["KAMPUS_XAPI_ENDPOINT"].rstrip("/") + "/statements"
    body = json.dumps(statements, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": XAPI_VERSION_HEADER,
        },
    )
    if config.get("KAMPUS_XAPI_USERNAME"):
        pair = f"{config['KAMPUS_XAPI_USERNAME']}:{config.get('KAMPUS_XAPI_PASSWORD') or ''}"
        request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=float(config["KAMPUS_XAPI_TIMEOUT"])) as response:
            return LrsAnswer(response.status, response.read(2000).decode(errors="replace"))
    except urllib.error.HTTPError as error:
        return LrsAnswer(error.code, error.read(2000).decode(errors="replace"))
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        return LrsAnswer(None, str(getattr(error, "reason", error)))


def _claimable(now: datetime):
    return or_(
        and_(XapiOutbox.state == "pending", XapiOutbox.next_attempt_at <= now),
        and_(XapiOutbox.state == "sending", XapiOutbox.claimed_at < now - CLAIM_LEASE),
    )


def _candidates(limit: int, now: datetime) -> list[int]:
    query = select(XapiOutbox.id).where(_claimable(now)).order_by(XapiOutbox.next_attempt_at, XapiOutbox.id)
    return list(db.session.scalars(query.limit(limit)))


def _take(ids: list[int], now: datetime) -> tuple[str, list[Claimed]]:
    """Claim those of ``ids`` that are still claimable, under a new token; commit; return the rows taken.

    The condition is checked again by the ``UPDATE`` itself, so of two drainers that chose the
    same candidates only the first takes them: the second finds them already ``sending``.
    """
    token = str(uuid.uuid4())
    if ids:
        db.session.execute(
            update(XapiOutbox)
            .where(XapiOutbox.id.in_(ids), _claimable(now))
            .values(state="sending", claim=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    query = select(XapiOutbox.id, XapiOutbox.statement, XapiOutbox.attempts).where(XapiOutbox.claim == token)
    return token, [Claimed(*row) for row in db.session.execute(query.order_by(XapiOutbox.id))]


def _claim(limit: int, now: datetime) -> tuple[str, list[Claimed]]:
    return _take(_candidates(limit, now), now)


def _mark_sent(token: str, rows: list[Claimed], now: datetime) -> None:
    db.session.execute(
        update(XapiOutbox)
        .where(XapiOutbox.id.in_([r.id for r in rows]), XapiOutbox.claim == token)
        .values(state="sent", sent_at=now, claim=None, last_error=None, attempts=XapiOutbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )


def _mark_failed(token: str, rows: list[Claimed], now: datetime, error: str) -> None:
    config = current_app.config
    base = float(config["KAMPUS_XAPI_RETRY_BASE_SECONDS"])
    ceiling = float(config["KAMPUS_XAPI_RETRY_MAX_SECONDS"])
    for row in rows:
        attempts = (row.attempts or 0) + 1
        db.session.execute(
            update(XapiOutbox)
            .where(XapiOutbox.id == row.id, XapiOutbox.claim == token)
            .values(
                state="pending",
                claim=None,
                claimed_at=None,
                attempts=attempts,
                next_attempt_at=now + backoff(attempts, base, ceiling),
                last_error=error[:1000],
            )
            .execution_options(synchronize_session=False)
        )


def _describe(answer: LrsAnswer) -> str:
    if answer.status is None:
        return f"no answer from the LRS: {answer.text}"
    return f"LRS answered {answer.status}: {answer.text[:300]}"


def _send(token: str, rows: list[Claimed], now: datetime, report: DeliveryReport) -> None:
    answer = post_statements([row.statement for row in rows])
    if answer.status in (200, 204):
        _mark_sent(token, rows, now)
        report.sent += len(rows)
    elif answer.status == 409 and len(rows) > 1:
        for row in rows:  # which id the LRS already has is not said: one at a time
            _send(token, [row], now, report)
        return
    elif answer.status == 409:
        _mark_sent(token, rows, now)
        report.already += 1
    else:
        _mark_failed(token, rows, now, _describe(answer))
        report.failed += len(rows)
    db.session.commit()


def deliver_pending(limit: int = 500, *, now: datetime | None = None) -> DeliveryReport:
    """Fill the outbox, then send up to ``limit`` due statements to the LRS once. Commits as it goes.

    Raises :class:`DeliveryNotConfigured` when ``KAMPUS_XAPI_ENDPOINT`` is not set (the outbox is
    still filled and committed, so nothing waits on the configuration).
    """
    report = DeliveryReport()
    now = now or utcnow()
    enqueued = enqueue_new(now=now)
    db.session.commit()
    report.queued, report.skipped = enqueued.queued, enqueued.skipped
    if not current_app.config.get("KAMPUS_XAPI_ENDPOINT"):
        raise DeliveryNotConfigured("KAMPUS_XAPI_ENDPOINT is not set: statements wait in the outbox.")
    token, rows = _claim(limit, now)
    report.claimed = len(rows)
    size = max(1, int(current_app.config["KAMPUS_XAPI_BATCH_SIZE"]))
    for start in range(0, len(rows), size):
        try:
            _send(token, rows[start : start + size], now, report)
        except Exception:
            db.session.rollback()  # the claim stays; the lease frees the rows for the next drain
            raise
    return report
