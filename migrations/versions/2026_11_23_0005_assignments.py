"""Assignments: path templates and their goals, assignments to teams and named
people with due dates, and the log of reminders sent.

Revision ID: 0005_assignments
Revises: 0004_authoring
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_assignments"
down_revision = "0004_authoring"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "path_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("target_group", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "target_group IS NULL OR target_group IN ('management','teaching','guidance','it','other')",
            name=op.f("ck_path_templates_target_group"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_path_templates_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_templates")),
        sa.UniqueConstraint("slug", name=op.f("uq_path_templates_slug")),
    )
    with op.batch_alter_table("path_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_path_templates_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_assignments_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_assignments_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_assignments_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"], ["path_templates.id"], name=op.f("fk_assignments_template_id_path_templates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_template_id"), ["template_id"], unique=False)

    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminders_sent_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "user_id", "kind", "key", "sent_on", name=op.f("uq_reminders_sent_user_id_kind_key_sent_on")
        ),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_sent_user_id"), ["user_id"], unique=False)

    op.create_table(
        "template_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(module_id IS NULL) <> (theme_id IS NULL)", name=op.f("ck_template_goals_module_or_theme")),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_template_goals_module_id_modules")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["path_templates.id"],
            name=op.f("fk_template_goals_template_id_path_templates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_template_goals_theme_id_themes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_goals")),
        sa.UniqueConstraint("template_id", "module_id", name=op.f("uq_template_goals_template_id_module_id")),
        sa.UniqueConstraint("template_id", "theme_id", name=op.f("uq_template_goals_template_id_theme_id")),
    )
    with op.batch_alter_table("template_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_template_goals_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_template_goals_template_id"), ["template_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_template_goals_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "assignment_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_people_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assignment_people_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_people")),
        sa.UniqueConstraint("assignment_id", "user_id", name=op.f("uq_assignment_people_assignment_id_user_id")),
    )
    with op.batch_alter_table("assignment_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_people_assignment_id"), ["assignment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_people_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("assignment_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_people_user_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_people_assignment_id"))

    op.drop_table("assignment_people")
    with op.batch_alter_table("template_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_goals_theme_id"))
        batch_op.drop_index(batch_op.f("ix_template_goals_template_id"))
        batch_op.drop_index(batch_op.f("ix_template_goals_module_id"))

    op.drop_table("template_goals")
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sent_user_id"))

    op.drop_table("reminders_sent")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_template_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_team_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_organisation_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("path_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_path_templates_organisation_id"))

    op.drop_table("path_templates")
