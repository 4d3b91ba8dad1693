"""The ``notifications`` table: one row per thing a person should know about.

A row stores the ``kind`` and its ``params`` (ids, dates, authored titles in every
language), never translated text: the page writes it in the reader's language
when it is shown. ``key`` is unique per person, so the same event notified twice
(a double submit, a job run twice) is one notification.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kampus.db import utcnow
from kampus.extensions import Model


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def unread(self) -> bool:
        return self.read_at is None
