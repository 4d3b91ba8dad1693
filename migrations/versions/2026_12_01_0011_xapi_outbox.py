"""xAPI outbox: statements waiting for (or delivered to) the LRS.

Revision ID: 0011_xapi_outbox
Revises: 0012_case_identifiers
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_xapi_outbox"
down_revision = "0012_case_identifiers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "xapi_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claim", sa.String(length=36), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending','sending','sent','skipped')", name=op.f("ck_xapi_outbox_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_outbox")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_xapi_outbox_statement_id")),
    )
    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_outbox_source_source_id", ["source", "source_id"], unique=False)
        batch_op.create_index("ix_xapi_outbox_state_next_attempt_at", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_outbox_claim"), ["claim"], unique=False)


def downgrade():
    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_outbox_claim"))
        batch_op.drop_index("ix_xapi_outbox_state_next_attempt_at")
        batch_op.drop_index("ix_xapi_outbox_source_source_id")

    op.drop_table("xapi_outbox")
