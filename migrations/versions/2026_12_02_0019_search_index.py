"""Catalogue search: one plain-text row per module and language, and the
database's full-text index over it.

- ``search_documents`` (a model, :class:`kampus.catalogue.models.SearchDocument`);
- SQLite: the FTS5 table ``search_fts`` over its title, summary and body
  (external content, ``unicode61 remove_diacritics 0`` so that ä/ö stay
  distinct from a/o, prefix indexes for stem searches), kept in step by three
  triggers;
- PostgreSQL: the generated column ``document`` (``tsvector``: the title
  weighted A, the summary B, the material C, each with the row's language's
  configuration: ``finnish``, ``swedish``, ``english``) with a GIN index.

These live outside the models; ``kampus.catalogue.search.MANAGED_BY_MIGRATION``
names them so that the models-and-migrations comparison leaves them alone.
The rows are written by the application (every module write, and ``kampus
search rebuild``): run the rebuild once after this upgrade.

Revision ID: 0019_search_index
Revises: 0015_material_languages
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_search_index"
down_revision = "0018_identity_providers"
branch_labels = None
depends_on = None

LANGUAGE_CONFIG = (
    "CASE lang WHEN 'fi' THEN 'finnish'::regconfig WHEN 'sv' THEN 'swedish'::regconfig ELSE 'english'::regconfig END"
)


def _weighted(column: str, weight: str) -> str:
    return f"setweight(to_tsvector({LANGUAGE_CONFIG}, coalesce({column}, '')), '{weight}')"


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("target_groups", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_search_documents_module_id_modules"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("module_id", "lang", name=op.f("uq_search_documents_module_id_lang")),
    )
    op.create_index(op.f("ix_search_documents_module_id"), "search_documents", ["module_id"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, summary, body, content='search_documents', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')"
        )
        op.execute(
            "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_documents BEGIN "
            "INSERT INTO search_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); "
            "END"
        )
        op.execute(
            "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_documents BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, title, summary, body) "
            "VALUES ('delete', old.id, old.title, old.summary, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_documents BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, title, summary, body) "
            "VALUES ('delete', old.id, old.title, old.summary, old.body); "
            "INSERT INTO search_fts(rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body); "
            "END"
        )
    elif dialect == "postgresql":
        document = " || ".join(_weighted(c, w) for c, w in (("title", "A"), ("summary", "B"), ("body", "C")))
        op.execute(f"ALTER TABLE search_documents ADD COLUMN document tsvector GENERATED ALWAYS AS ({document}) STORED")
        op.execute("CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_document")
    op.drop_index(op.f("ix_search_documents_module_id"), table_name="search_documents")
    op.drop_table("search_documents")
