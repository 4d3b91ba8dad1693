"""Catalogue tables: themes, modules, material sections, self-check questions,
prerequisites and the catalogue version counter.

Translated texts are ``{fi, sv, en}`` JSON maps (Finnish required): theme and
module titles and summaries, and the material too (section titles and bodies,
question prompts, each choice, explanations, the reflection prompt). A
prerequisite is a row with two foreign keys and a unique pair, never JSON.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.auth.models import User

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
STATUSES = ("draft", "published", "retired")
KINDS = ("required", "recommended")
TARGET_GROUPS = ("management", "teaching", "guidance", "it")


def new_case_uuid() -> str:
    """A fresh identifier for the CASE export (kept in the row, so it never changes)."""
    return str(uuid.uuid4())


class Theme(Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    case_uuid: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_case_uuid)

    modules: Mapped[list[Module]] = relationship(back_populates="theme", order_by="Module.position")

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Module(Model):
    __tablename__ = "modules"
    __table_args__ = (
        CheckConstraint("level IN ('A1','A2','B1','B2','C1','C2')", name="level"),
        CheckConstraint("status IN ('draft','published','retired')", name="status"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    level: Mapped[str] = mapped_column(String(2))
    minutes: Mapped[int] = mapped_column(Integer)
    target_groups: Mapped[list] = mapped_column(JSON, default=list)
    competences: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    reflection: Mapped[dict | None] = mapped_column(JSON)
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    #: Test-out's own, higher pass mark in percent (None: the default, 80).
    test_out_pass_mark: Mapped[int | None] = mapped_column(Integer)
    #: How many questions each self-check attempt draws from the pool (None: all of them).
    questions_asked: Mapped[int | None] = mapped_column(Integer)
    edit_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    case_uuid: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_case_uuid)

    theme: Mapped[Theme] = relationship(back_populates="modules")
    sections: Mapped[list[Section]] = relationship(
        back_populates="module", order_by="Section.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", order_by="Question.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": edit_version}

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class Section(Model):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    body: Mapped[dict] = mapped_column(JSON)

    module: Mapped[Module] = relationship(back_populates="sections")


class Question(Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[dict] = mapped_column(JSON)
    choices: Mapped[list] = mapped_column(JSON)  # a list of {fi, sv, en} maps; graded by index, never by text
    correct: Mapped[list] = mapped_column(JSON)
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)

    module: Mapped[Module] = relationship(back_populates="questions")


class Prerequisite(Model):
    __tablename__ = "prerequisites"
    __table_args__ = (
        UniqueConstraint("before_id", "after_id"),
        CheckConstraint("before_id <> after_id", name="not_self"),
        CheckConstraint("kind IN ('required','recommended')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    before_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    after_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="required")
    case_uuid: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_case_uuid)

    before: Mapped[Module] = relationship(foreign_keys=[before_id])
    after: Mapped[Module] = relationship(foreign_keys=[after_id])


class CatalogueState(Model):
    """One row: the catalogue version, raised by every change to content."""

    __tablename__ = "catalogue_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: The identifier of the network catalogue's CASE CFDocument.
    case_uuid: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_case_uuid)


class SearchDocument(Model):
    """A module's searchable text in one language (kept by :mod:`kampus.catalogue.search`).

    One row per module and language, holding what a reader of that language sees
    (the translation, else the Finnish text) as plain text. The database's own
    full-text index is built on these rows by the migration, outside the models:
    on SQLite the FTS5 table ``search_fts`` (kept in step by triggers), on
    PostgreSQL the generated ``tsvector`` column ``document`` with a GIN index.
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("module_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    #: The module's target groups between spaces (`` teaching it ``), so one LIKE filters by a group.
    target_groups: Mapped[str] = mapped_column(String(200), default="")


# --- the audit log of content changes -------------------------------------------
# The authoring audit log: who changed which content, when, and how.
#
# One row per change. ``changes`` maps each changed field to ``{"before": …,
# "after": …}`` (JSON values as the editor saw them). Modules and themes are
# named by slug, not by foreign key, so the history of a deleted draft stays
# readable; the author is a foreign key that becomes NULL if the person goes.

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
    """One change of content: who, when, which module or theme and the changed fields."""

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
