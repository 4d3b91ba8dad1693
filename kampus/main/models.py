"""Accessibility feedback: the channel Finnish law asks every digital service to offer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kampus.db import utcnow
from kampus.extensions import Model


class AccessibilityFeedback(Model):
    __tablename__ = "accessibility_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    page: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
