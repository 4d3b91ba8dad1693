"""The catalogue: themes, modules, sections, questions, prerequisites, the
catalogue version counter (one row, starting at 1), and accessibility feedback.

Revision ID: 0001_catalogue
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001_catalogue"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accessibility_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("page", sa.String(length=500), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_feedback")),
    )
    catalogue_state = op.create_table(
        "catalogue_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_state")),
    )
    op.bulk_insert(catalogue_state, [{"id": 1, "version": 1}])
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("slug", name=op.f("uq_themes_slug")),
    )
    op.create_table(
        "modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("competences", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=True),
        sa.Column("pass_mark", sa.Integer(), nullable=True),
        sa.Column("edit_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IN ('A1','A2','B1','B2','C1','C2')", name=op.f("ck_modules_level")),
        sa.CheckConstraint("status IN ('draft','published','retired')", name=op.f("ck_modules_status")),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_modules_minutes_positive")),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_modules_theme_id_themes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        sa.UniqueConstraint("slug", name=op.f("uq_modules_slug")),
    )
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_modules_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "prerequisites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("before_id", sa.Integer(), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.CheckConstraint("kind IN ('required','recommended')", name=op.f("ck_prerequisites_kind")),
        sa.CheckConstraint("before_id <> after_id", name=op.f("ck_prerequisites_not_self")),
        sa.ForeignKeyConstraint(["after_id"], ["modules.id"], name=op.f("fk_prerequisites_after_id_modules")),
        sa.ForeignKeyConstraint(["before_id"], ["modules.id"], name=op.f("fk_prerequisites_before_id_modules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prerequisites")),
        sa.UniqueConstraint("before_id", "after_id", name=op.f("uq_prerequisites_before_id_after_id")),
    )
    with op.batch_alter_table("prerequisites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prerequisites_after_id"), ["after_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prerequisites_before_id"), ["before_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("correct", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_questions_module_id_modules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_module_id"), ["module_id"], unique=False)

    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_sections_module_id_modules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
    )
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sections_module_id"), ["module_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sections_module_id"))

    op.drop_table("sections")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_module_id"))

    op.drop_table("questions")
    with op.batch_alter_table("prerequisites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prerequisites_before_id"))
        batch_op.drop_index(batch_op.f("ix_prerequisites_after_id"))

    op.drop_table("prerequisites")
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_modules_theme_id"))

    op.drop_table("modules")
    op.drop_table("themes")
    op.drop_table("catalogue_state")
    op.drop_table("accessibility_feedback")
