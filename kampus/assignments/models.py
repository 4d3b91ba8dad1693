"""Path templates (named goals) and assignments (a template given to a team or
to named people, with a due date), and the log of reminders sent.

A team assignment names the team, not its members: whoever is in the team when
the path is shown has it, so people who join later get the team's assignments.
Withdrawing marks the assignment withdrawn; nobody's progress is touched.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.auth.models import User
    from kampus.catalogue.models import Module, Theme
    from kampus.orgs.models import Team


class PathTemplate(Model):
    """A named goal. Network-wide when ``organisation_id`` is empty (authored by admins or
    seeded by ``slug``); otherwise one organisation's own."""

    __tablename__ = "path_templates"
    __table_args__ = (
        CheckConstraint(
            "target_group IS NULL OR target_group IN ('management','teaching','guidance','it','other')",
            name="target_group",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    target_group: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goals: Mapped[list[TemplateGoal]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="TemplateGoal.id"
    )


class TemplateGoal(Model):
    __tablename__ = "template_goals"
    __table_args__ = (
        CheckConstraint("(module_id IS NULL) <> (theme_id IS NULL)", name="module_or_theme"),
        UniqueConstraint("template_id", "module_id"),
        UniqueConstraint("template_id", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("path_templates.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), index=True)

    template: Mapped[PathTemplate] = relationship(back_populates="goals")
    module: Mapped[Module | None] = relationship()
    theme: Mapped[Theme | None] = relationship()


class Assignment(Model):
    """A template given by a manager to a team or to named people of their organisation."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("path_templates.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()

    template: Mapped[PathTemplate] = relationship()
    team: Mapped[Team | None] = relationship()
    people: Mapped[list[AssignmentPerson]] = relationship(back_populates="assignment", cascade="all, delete-orphan")

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class AssignmentPerson(Model):
    __tablename__ = "assignment_people"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    assignment: Mapped[Assignment] = relationship(back_populates="people")
    user: Mapped[User] = relationship()


class ReminderSent(Model):
    """One reminder e-mail sent: never the same one twice in a day."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key", "sent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "due_soon", "overdue", "summary"
    key: Mapped[str] = mapped_column(String(80))  # e.g. the assignment id, or the ISO week of a summary
    sent_on: Mapped[date] = mapped_column(Date)
