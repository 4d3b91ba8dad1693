"""Personal development paths: a learner's goals (modules or whole themes) and
an optional weekly time budget and target date.

Only the goals are stored; the ordered path is derived by the planner from the
goals, the live graph and the learner's progress every time it is shown.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.catalogue.models import Module, Theme


class Path(Model):
    __tablename__ = "paths"
    __table_args__ = (CheckConstraint("minutes_per_week IS NULL OR minutes_per_week > 0", name="minutes_per_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    minutes_per_week: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[date] = mapped_column(Date)
    due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goals: Mapped[list[PathGoal]] = relationship(
        back_populates="path", cascade="all, delete-orphan", order_by="PathGoal.id"
    )


class PathGoal(Model):
    """One goal of a path: a module, or a whole theme (its published modules when planned)."""

    __tablename__ = "path_goals"
    __table_args__ = (
        CheckConstraint("(module_id IS NULL) <> (theme_id IS NULL)", name="module_or_theme"),
        UniqueConstraint("path_id", "module_id"),
        UniqueConstraint("path_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("paths.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), index=True)

    path: Mapped[Path] = relationship(back_populates="goals")
    module: Mapped[Module | None] = relationship()
    theme: Mapped[Theme | None] = relationship()
