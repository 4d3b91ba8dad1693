"""Invitation lists: after a staff CSV import without a mail server, the importing
manager may download the invitation links once, for a short time. The table keeps
who was invited and the hash of the download's secret, never a link.

Revision ID: 0022_invitation_lists
Revises: 0018_identity_providers
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_invitation_lists"
down_revision = "0017_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitation_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_invitation_lists_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_invitation_lists_manager_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_lists")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_invitation_lists_secret_hash")),
    )
    with op.batch_alter_table("invitation_lists") as batch:
        batch.create_index(batch.f("ix_invitation_lists_organisation_id"), ["organisation_id"], unique=False)
        batch.create_index(batch.f("ix_invitation_lists_manager_id"), ["manager_id"], unique=False)


def downgrade():
    with op.batch_alter_table("invitation_lists") as batch:
        batch.drop_index(batch.f("ix_invitation_lists_manager_id"))
        batch.drop_index(batch.f("ix_invitation_lists_organisation_id"))
    op.drop_table("invitation_lists")
