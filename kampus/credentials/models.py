"""Credential tables: which modules and path templates give a badge, and the
credentials issued (the signed JSON as issued, its status-list index, revocation).

A badge setting is its own row (not a column on ``modules``/``path_templates``)
so switching badges on touches no other feature's table. No row means off.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.assignments.models import PathTemplate
    from kampus.auth.models import User
    from kampus.catalogue.models import Module


KINDS = ("module", "path")
PROVENANCES = ("completed", "self_check", "self_assessment", "manager", "path")


class BadgeSetting(Model):
    """``badge_enabled`` for one module or one path template."""

    __tablename__ = "badge_settings"
    __table_args__ = (CheckConstraint("(module_id IS NULL) <> (template_id IS NULL)", name="module_or_template"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("path_templates.id", ondelete="CASCADE"), unique=True)
    badge_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Credential(Model):
    """One issued OpenBadgeCredential: one per learner × achievement."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("user_id", "achievement_key"),
        UniqueConstraint("status_list", "status_index"),
        CheckConstraint("kind IN ('module','path')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("path_templates.id", ondelete="SET NULL"), index=True)
    achievement_key: Mapped[str] = mapped_column(String(120))
    provenance: Mapped[str] = mapped_column(String(20))
    status_list: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module | None] = relationship()
    template: Mapped[PathTemplate | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
