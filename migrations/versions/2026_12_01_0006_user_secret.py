"""A random secret per person (``users.secret``): sessions, remember-me cookies
and invitation and password-reset links are bound to it, and rotating it ends
them all. Existing people get a fresh secret each, so every session and link
made before this migration stops working once.

Revision ID: 0006_user_secret
Revises: 0007_self_check_integrity
Create Date: 2026-12-01
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_user_secret"
down_revision = "0007_self_check_integrity"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("secret", sa.String(length=64)))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(secret=secrets.token_urlsafe(32)))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("secret")
