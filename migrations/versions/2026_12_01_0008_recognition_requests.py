"""Recognition requests: a learner's request to have a module recognised as
prior learning, decided by the organisation's managers; and the organisation's
setting that self-assessment recognitions need a manager's approval.

Revision ID: 0008_recognition_requests
Revises: 0005_assignments
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_recognition_requests"
down_revision = "0005_assignments"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("require_approval_for_self_assessment", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "recognition_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint("state IN ('pending','approved','rejected')", name=op.f("ck_recognition_requests_state")),
        sa.CheckConstraint("source IN ('learner','self_assessment')", name=op.f("ck_recognition_requests_source")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_recognition_requests_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["module_id"], ["modules.id"], name=op.f("fk_recognition_requests_module_id_modules")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recognition_requests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_requests")),
    )
    with op.batch_alter_table("recognition_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recognition_requests_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recognition_requests_user_id"), ["user_id"], unique=False)
        # One pending request per learner and module: a double submit gives one row.
        batch_op.create_index(
            "uq_recognition_requests_pending",
            ["user_id", "module_id"],
            unique=True,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )


def downgrade():
    with op.batch_alter_table("recognition_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_recognition_requests_pending")
        batch_op.drop_index(batch_op.f("ix_recognition_requests_user_id"))
        batch_op.drop_index(batch_op.f("ix_recognition_requests_module_id"))

    op.drop_table("recognition_requests")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("require_approval_for_self_assessment")
