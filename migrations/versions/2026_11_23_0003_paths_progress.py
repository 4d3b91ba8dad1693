"""Paths and progress: personal development paths and their goals; progress per
learner and module, self-check attempts, reflections, feedback, self-assessments
and the append-only learning event log.

Revision ID: 0003_paths_progress
Revises: 0002_accounts
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_paths_progress"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_attempts_module_id_modules")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_attempts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempts_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_feedback_rating")),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_feedback_module_id_modules")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("user_id", "module_id", name=op.f("uq_feedback_user_id_module_id")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_user_id"), ["user_id"], unique=False)

    op.create_table(
        "learning_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("verb", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_learning_events_module_id_modules")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_learning_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_events")),
    )
    with op.batch_alter_table("learning_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_events_module_id"), ["module_id"], unique=False)
        batch_op.create_index("ix_learning_events_user_id_created_at", ["user_id", "created_at"], unique=False)

    op.create_table(
        "paths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("minutes_per_week", sa.Integer(), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("minutes_per_week IS NULL OR minutes_per_week > 0", name=op.f("ck_paths_minutes_per_week")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_paths_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paths")),
    )
    with op.batch_alter_table("paths", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paths_user_id"), ["user_id"], unique=False)

    op.create_table(
        "progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("section_position", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.Integer(), nullable=True),
        sa.Column("recognised_by", sa.String(length=20), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "recognised_by IS NULL OR recognised_by IN ('self_check','self_assessment','manager')",
            name=op.f("ck_progress_recognised_by"),
        ),
        sa.CheckConstraint("status IN ('in_progress','completed','recognised')", name=op.f("ck_progress_status")),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_progress_module_id_modules")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_progress_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress")),
        sa.UniqueConstraint("user_id", "module_id", name=op.f("uq_progress_user_id_module_id")),
    )
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_user_id"), ["user_id"], unique=False)

    op.create_table(
        "reflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_reflections_module_id_modules")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reflections_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reflections")),
        sa.UniqueConstraint("user_id", "module_id", name=op.f("uq_reflections_user_id_module_id")),
    )
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reflections_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reflections_user_id"), ["user_id"], unique=False)

    op.create_table(
        "self_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IN ('A1','A2','B1','B2','C1','C2')", name=op.f("ck_self_assessments_level")),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_self_assessments_theme_id_themes")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_self_assessments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessments")),
        sa.UniqueConstraint("user_id", "theme_id", name=op.f("uq_self_assessments_user_id_theme_id")),
    )
    with op.batch_alter_table("self_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_assessments_theme_id"), ["theme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_self_assessments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "path_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(module_id IS NULL) <> (theme_id IS NULL)", name=op.f("ck_path_goals_module_or_theme")),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_path_goals_module_id_modules")),
        sa.ForeignKeyConstraint(
            ["path_id"], ["paths.id"], name=op.f("fk_path_goals_path_id_paths"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_path_goals_theme_id_themes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_goals")),
        sa.UniqueConstraint("path_id", "module_id", name=op.f("uq_path_goals_path_id_module_id")),
        sa.UniqueConstraint("path_id", "theme_id", name=op.f("uq_path_goals_path_id_theme_id")),
    )
    with op.batch_alter_table("path_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_path_goals_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_path_goals_path_id"), ["path_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_path_goals_theme_id"), ["theme_id"], unique=False)


def downgrade():
    with op.batch_alter_table("path_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_path_goals_theme_id"))
        batch_op.drop_index(batch_op.f("ix_path_goals_path_id"))
        batch_op.drop_index(batch_op.f("ix_path_goals_module_id"))

    op.drop_table("path_goals")
    with op.batch_alter_table("self_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_assessments_user_id"))
        batch_op.drop_index(batch_op.f("ix_self_assessments_theme_id"))

    op.drop_table("self_assessments")
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflections_user_id"))
        batch_op.drop_index(batch_op.f("ix_reflections_module_id"))

    op.drop_table("reflections")
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_user_id"))
        batch_op.drop_index(batch_op.f("ix_progress_module_id"))

    op.drop_table("progress")
    with op.batch_alter_table("paths", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paths_user_id"))

    op.drop_table("paths")
    with op.batch_alter_table("learning_events", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_events_user_id_created_at")
        batch_op.drop_index(batch_op.f("ix_learning_events_module_id"))

    op.drop_table("learning_events")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_user_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_module_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_user_id"))
        batch_op.drop_index(batch_op.f("ix_attempts_module_id"))

    op.drop_table("attempts")
