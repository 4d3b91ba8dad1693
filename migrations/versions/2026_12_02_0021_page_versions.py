"""A page version per person: the cached parts of their own pages are keyed on it (kampus.cache).

Revision ID: 0021_page_versions
Revises: 0015_material_languages
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_page_versions"
down_revision = "0022_invitation_lists"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("page_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("page_version")
