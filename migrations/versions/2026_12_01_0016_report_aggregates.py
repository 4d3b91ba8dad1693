"""A report version per organisation: the overview's cached figures are keyed on it
(kampus.reports.aggregates).

Revision ID: 0016_report_aggregates
Revises: 0014_credentials
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_report_aggregates"
down_revision = "0014_credentials"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.add_column(sa.Column("report_version", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("organisations") as batch_op:
        batch_op.drop_column("report_version")
