"""CASE identifiers: a stable UUID for every theme, module and prerequisite, and
one for the network catalogue's CFDocument (kept in the catalogue_state row).

Existing rows get a fresh random UUID here; new rows get one from the model's
default. The identifiers never change afterwards, so CASE clients can keep
their references across exports and edits.

Revision ID: 0012_case_identifiers
Revises: 0006_user_secret
Create Date: 2026-12-01
"""

import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_case_identifiers"
down_revision = "0006_user_secret"
branch_labels = None
depends_on = None

TABLES = ("themes", "modules", "prerequisites", "catalogue_state")


# Plain ALTER TABLE, no batch: on SQLite a batch operation copies and drops the
# table, and dropping themes or modules while other rows refer to them fails
# with foreign keys on (PRAGMA foreign_keys cannot be switched off inside the
# migration's transaction). So the column is added NOT NULL with a temporary
# empty default, filled, and made unique by an index; PostgreSQL then drops the
# default (SQLite cannot without copying the table; the model always sets it).
def upgrade():
    connection = op.get_bind()
    for name in TABLES:
        op.add_column(name, sa.Column("case_uuid", sa.String(length=36), nullable=False, server_default=""))
        table = sa.table(name, sa.column("id", sa.Integer()), sa.column("case_uuid", sa.String(length=36)))
        for (row_id,) in connection.execute(sa.select(table.c.id)).all():
            connection.execute(table.update().where(table.c.id == row_id).values(case_uuid=str(uuid.uuid4())))
        op.create_index(op.f(f"ix_{name}_case_uuid"), name, ["case_uuid"], unique=True)
        if connection.dialect.name != "sqlite":
            op.alter_column(name, "case_uuid", existing_type=sa.String(length=36), server_default=None)


def downgrade():
    for name in reversed(TABLES):
        op.drop_index(op.f(f"ix_{name}_case_uuid"), table_name=name)
        op.drop_column(name, "case_uuid")
