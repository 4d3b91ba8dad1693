"""The authoring audit log: who changed which content, when, and how.

One row per change. ``changes`` maps each changed field to ``{"before": …,
"after": …}`` (JSON values as the editor saw them). Modules and themes are
named by slug, not by foreign key, so the history of a deleted draft stays
readable; the author is a foreign key that becomes NULL if the person goes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.auth.models import User


ACTIONS = (
    "module.create",
    "module.update",
    "module.delete",
    "prerequisite.add",
    "prerequisite.change",
    "prerequisite.remove",
    "theme.update",
    "catalogue.import",
)


class AuditEntry(Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    module_slug: Mapped[str | None] = mapped_column(String(80), index=True)
    theme_slug: Mapped[str | None] = mapped_column(String(80))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.module_slug or self.theme_slug}>"
