"""A learner's request to have a module recognised as prior learning, and the
manager's decision on it.

A learner has at most one *pending* request per module (a partial unique
index), so a double submit gives one row; once decided, a new request may be
made. The decision (who, when, comment) stays on the request row: it is the
provenance of a ``manager`` recognition in the progress table.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.auth.models import User
    from kampus.catalogue.models import Module


REQUEST_STATES = ("pending", "approved", "rejected")
REQUEST_SOURCES = ("learner", "self_assessment")
EVIDENCE_MAX = 2000
LINK_MAX = 500
COMMENT_MAX = 2000


class RecognitionRequest(Model):
    __tablename__ = "recognition_requests"
    __table_args__ = (
        CheckConstraint("state IN ('pending','approved','rejected')", name="state"),
        CheckConstraint("source IN ('learner','self_assessment')", name="source"),
        Index(
            "uq_recognition_requests_pending",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    source: Mapped[str] = mapped_column(String(20), default="learner")
    evidence: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(LINK_MAX))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def pending(self) -> bool:
        return self.state == "pending"
