"""Organisations, their roles in the network per theme, teams and team memberships."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.auth.models import User
    from kampus.catalogue.models import Theme


THEME_ROLES = ("lead", "developer", "participant")


class Organisation(Model):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("content_language IN ('fi','sv','en')", name="content_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When on, self-assessment recognitions wait for a manager's approval (kampus.recognition).
    require_approval_for_self_assessment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Moves when a row the overview reads changes (kampus.reports.aggregates keys its cache on it).
    report_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The language of the material (and the service) for its people who have not chosen one (kampus.i18n).
    content_language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")

    users: Mapped[list[User]] = relationship(back_populates="organisation")
    teams: Mapped[list[Team]] = relationship(
        back_populates="organisation", order_by="Team.name", cascade="all, delete-orphan"
    )
    theme_roles: Mapped[list[OrganisationThemeRole]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class OrganisationThemeRole(Model):
    """The organisation's role in the network for one theme (at most one per theme)."""

    __tablename__ = "organisation_theme_roles"
    __table_args__ = (
        UniqueConstraint("organisation_id", "theme_id"),
        CheckConstraint("role IN ('lead','developer','participant')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))

    organisation: Mapped[Organisation] = relationship(back_populates="theme_roles")
    theme: Mapped[Theme] = relationship()


class Team(Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")
    memberships: Mapped[list[TeamMembership]] = relationship(back_populates="team", cascade="all, delete-orphan")
    members: Mapped[list[User]] = relationship(secondary="team_memberships", viewonly=True, order_by="User.name")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class TeamMembership(Model):
    __tablename__ = "team_memberships"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="team_memberships")
