"""Self-check integrity: a question pool larger than the number asked, test-out's
own pass mark, and attempts that record their kind and what they showed.

Revision ID: 0007_self_check_integrity
Revises: 0013_outbox
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_self_check_integrity"
down_revision = "0013_outbox"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test_out_pass_mark", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("questions_asked", sa.Integer(), nullable=True))

    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), server_default="study", nullable=False))
        batch_op.add_column(sa.Column("draw", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("draw_nonce", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_attempts_draw_nonce"), ["draw_nonce"], unique=True)


def downgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempts_draw_nonce"))
        batch_op.drop_column("draw_nonce")
        batch_op.drop_column("draw")
        batch_op.drop_column("kind")

    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_column("questions_asked")
        batch_op.drop_column("test_out_pass_mark")
