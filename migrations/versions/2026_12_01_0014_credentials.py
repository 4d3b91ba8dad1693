"""Open Badges 3.0 credentials: badge switches per module / path template and the
credentials issued. Badges start switched on for every module published and every
path template existing at upgrade time (the column's default is off, so a module
published later gives a badge only when an administrator switches it on).

Revision ID: 0014_credentials
Revises: 0010_api_tokens
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_credentials"
down_revision = "0010_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "badge_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("badge_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(module_id IS NULL) <> (template_id IS NULL)", name=op.f("ck_badge_settings_module_or_template")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_badge_settings_module_id_modules"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["path_templates.id"],
            name=op.f("fk_badge_settings_template_id_path_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_settings")),
        sa.UniqueConstraint("module_id", name=op.f("uq_badge_settings_module_id")),
        sa.UniqueConstraint("template_id", name=op.f("uq_badge_settings_template_id")),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("achievement_key", sa.String(length=120), nullable=False),
        sa.Column("provenance", sa.String(length=20), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('module','path')", name=op.f("ck_credentials_kind")),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_credentials_module_id_modules"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_credentials_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_credentials_revoked_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["path_templates.id"],
            name=op.f("fk_credentials_template_id_path_templates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credentials_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("status_list", "status_index", name=op.f("uq_credentials_status_list_status_index")),
        sa.UniqueConstraint("user_id", "achievement_key", name=op.f("uq_credentials_user_id_achievement_key")),
        sa.UniqueConstraint("uuid", name=op.f("uq_credentials_uuid")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credentials_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credentials_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credentials_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credentials_template_id"), ["template_id"], unique=False)
    # Seed: badges on for what is published now.
    op.execute(
        "INSERT INTO badge_settings (module_id, template_id, badge_enabled, updated_at) "
        "SELECT id, NULL, true, CURRENT_TIMESTAMP FROM modules WHERE status = 'published'"
    )
    op.execute(
        "INSERT INTO badge_settings (module_id, template_id, badge_enabled, updated_at) "
        "SELECT NULL, id, true, CURRENT_TIMESTAMP FROM path_templates"
    )


def downgrade():
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_template_id"))
        batch_op.drop_index(batch_op.f("ix_credentials_module_id"))
        batch_op.drop_index(batch_op.f("ix_credentials_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_credentials_user_id"))
    op.drop_table("credentials")
    op.drop_table("badge_settings")
