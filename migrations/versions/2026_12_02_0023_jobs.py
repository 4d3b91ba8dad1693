"""Background jobs: long exports and imports that a page starts and shows the progress of
(who started it, for which organisation, its state, progress counters, error and result file).

Revision ID: 0023_jobs
Revises: 0021_page_versions
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_jobs"
down_revision = "0021_page_versions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_mimetype", sa.String(length=100), nullable=True),
        sa.Column("file_path", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_jobs_user_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_jobs_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("key", name=op.f("uq_jobs_key")),
    )
    with op.batch_alter_table("jobs") as batch:
        for column in ("user_id", "organisation_id", "state", "created_at", "finished_at"):
            batch.create_index(batch.f(f"ix_jobs_{column}"), [column], unique=False)


def downgrade():
    with op.batch_alter_table("jobs") as batch:
        for column in ("finished_at", "created_at", "state", "organisation_id", "user_id"):
            batch.drop_index(batch.f(f"ix_jobs_{column}"))
    op.drop_table("jobs")
