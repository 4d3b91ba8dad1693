"""CASE identifiers: a stable UUID for every theme, module and prerequisite, and
one for the network catalogue's CFDocument (kept in the catalogue_state row).

Existing rows get a fresh random UUID here; new rows get one from the model's
default. The identifiers never change afterwards, so CASE clients can keep
their references across exports and edits.

Revision ID: 0012_case_identifiers
Revises: 0005_assignments
Create Date: 2026-12-01
"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_case_identifiers'
down_revision = '0005_assignments'
branch_labels = None
depends_on = None

TABLES = ('themes', 'modules', 'prerequisites', 'catalogue_state')


def upgrade():
    connection = op.get_bind()
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('case_uuid', sa.String(length=36), nullable=True))
        table = sa.table(name, sa.column('id', sa.Integer()), sa.column('case_uuid', sa.String(length=36)))
        for (row_id,) in connection.execute(sa.select(table.c.id)).all():
            connection.execute(table.update().where(table.c.id == row_id).values(case_uuid=str(uuid.uuid4())))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('case_uuid', existing_type=sa.String(length=36), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{name}_case_uuid'), ['case_uuid'])


def downgrade():
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{name}_case_uuid'), type_='unique')
            batch_op.drop_column('case_uuid')
