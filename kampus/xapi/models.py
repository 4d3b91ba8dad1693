"""The xAPI outbox: one row per statement to deliver (or per event that makes none).

A row is created once per source row (a learning event or an assignment) by
:func:`kampus.xapi.services.enqueue_new`; its ``statement_id`` is unique, so
filling the outbox twice, or from two processes at once, adds nothing. States:

- ``pending``: waiting for ``next_attempt_at``;
- ``sending``: claimed by one drainer (``claim`` is its token), until ``claimed_at`` + lease;
- ``sent``: the LRS has it (200/204, or 409 for an id it already stored);
- ``skipped``: the event kind makes no statement (``statement`` is empty), kept so it is counted
  and not scanned again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kampus.db import utcnow
from kampus.extensions import Model

OUTBOX_STATES = ("pending", "sending", "sent", "skipped")


class XapiOutbox(Model):
    __tablename__ = "xapi_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending','sending','sent','skipped')", name="state"),
        Index("ix_xapi_outbox_source_source_id", "source", "source_id"),
        Index("ix_xapi_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    source: Mapped[str] = mapped_column(String(20))  # "event" or "assignment"
    source_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))  # the event kind, or "assigned"
    statement: Mapped[dict | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim: Mapped[str | None] = mapped_column(String(36), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
