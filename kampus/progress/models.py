"""A learner's progress: one row per (learner, module), quiz attempts,
reflections, feedback, self-assessments and the append-only learning event log.

Unique constraints make a double submission, or two tabs at once, give one
record: the services insert inside a savepoint and read the winner's row on a
conflict.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.catalogue.models import Module


PROGRESS_STATUSES = ("in_progress", "completed", "recognised")
SATISFIED = ("completed", "recognised")
RECOGNISED_BY = ("self_check", "self_assessment", "manager")
ATTEMPT_KINDS = ("study", "test_out")
EVENT_VERBS = (
    "started",
    "section_viewed",
    "attempted",
    "passed",
    "completed",
    "recognised",
    "rated",
    "reflected",
    "assessed",
)


class Progress(Model):
    __tablename__ = "progress"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        CheckConstraint("status IN ('in_progress','completed','recognised')", name="status"),
        CheckConstraint(
            "recognised_by IS NULL OR recognised_by IN ('self_check','self_assessment','manager')", name="recognised_by"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    section_position: Mapped[int] = mapped_column(Integer, default=0)
    best_score: Mapped[int | None] = mapped_column(Integer)
    recognised_by: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship()

    @property
    def satisfied(self) -> bool:
        return self.status in SATISFIED


class Attempt(Model):
    """One submission of a module's self-check: score in percent and the choices made.

    ``kind`` is ``test_out`` for an attempt before starting the module (its own
    pass mark, limited attempts), else ``study``. ``draw`` holds what the
    attempt showed: the drawn question ids and each question's choice ids in
    shown order. ``draw_nonce`` names the form it came from, so a form sent
    twice (a reload, a double click) records one attempt.
    """

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(10), default="study", server_default="study")
    draw: Mapped[dict | None] = mapped_column(JSON)
    draw_nonce: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)


class Reflection(Model):
    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Feedback(Model):
    """A learner's rating (1–5) and comment of a module; one per learner and module."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SelfAssessment(Model):
    """The level a learner gave themself in a theme."""

    __tablename__ = "self_assessments"
    __table_args__ = (
        UniqueConstraint("user_id", "theme_id"),
        CheckConstraint("level IN ('A1','A2','B1','B2','C1','C2')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    level: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LearningEvent(Model):
    """Append-only log of what a learner did (exportable as xAPI statements). Never updated."""

    __tablename__ = "learning_events"
    __table_args__ = (Index("ix_learning_events_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    verb: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[Module | None] = relationship()
