"""The outbox: side effects (mail today; statements and credentials later)
written in the same transaction as the change that caused them, delivered by a
task after the commit. And background jobs: long work (large exports and
imports) that a page starts and then shows the progress of."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kampus.db import utcnow
from kampus.extensions import Model

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class OutboxMessage(Model):
    """One side effect to deliver. ``key`` makes enqueueing idempotent: the same
    key twice is one message (a double submit, a re-run of a job)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


QUEUED, RUNNING, DONE = "queued", "running", "done"  # and FAILED


class Job(Model):
    """One piece of long work started from a page (:mod:`kampus.jobs.progress`).

    ``key`` makes starting idempotent: the same submit twice is one job. ``done``
    and ``total`` are the progress (people, rows, modules …), committed by the
    worker as it goes. A finished job has a ``result`` (a summary for the page)
    and may have a file, stored under ``KAMPUS_JOB_FILES`` by an unguessable
    ``file_path`` and offered for download as ``file_name``.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_mimetype: Mapped[str | None] = mapped_column(String(100))
    file_path: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
