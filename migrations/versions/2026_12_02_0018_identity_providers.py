"""Single sign-on: identity providers per organisation, the external identities they vouch
for, and one-time values already used (replayed nonces and assertions are refused).

Revision ID: 0018_identity_providers
Revises: 0015_material_languages
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_identity_providers"
down_revision = "0015_material_languages"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "identity_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("email_domains", sa.Text(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("role_rules", sa.JSON(), nullable=False),
        sa.Column("require_sso", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('oidc','saml')", name=op.f("ck_identity_providers_kind")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_identity_providers_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_providers")),
        sa.UniqueConstraint("slug", name=op.f("uq_identity_providers_slug")),
    )
    with op.batch_alter_table("identity_providers") as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_providers_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["identity_providers.id"],
            name=op.f("fk_external_identities_provider_id_identity_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_external_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint("provider_id", "subject", name=op.f("uq_external_identities_provider_id_subject")),
    )
    with op.batch_alter_table("external_identities") as batch_op:
        batch_op.create_index(batch_op.f("ix_external_identities_user_id"), ["user_id"], unique=False)
    op.create_table(
        "sso_used_once",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_used_once")),
        sa.UniqueConstraint("purpose", "value", name=op.f("uq_sso_used_once_purpose_value")),
    )
    with op.batch_alter_table("sso_used_once") as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_used_once_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("sso_used_once") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_used_once_expires_at"))
    op.drop_table("sso_used_once")
    with op.batch_alter_table("external_identities") as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_identities_user_id"))
    op.drop_table("external_identities")
    with op.batch_alter_table("identity_providers") as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_providers_organisation_id"))
    op.drop_table("identity_providers")
