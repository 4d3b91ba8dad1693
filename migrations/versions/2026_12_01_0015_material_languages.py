"""Material languages: section titles and bodies, question prompts, choices and
explanations, and the module's reflection prompt become ``{fi, sv, en}`` JSON
maps (like the titles already are); organisations get a default content
language.

Today's texts move into the Finnish entry, so nothing is lost: a plain string
``s`` becomes ``{"fi": s}``, each choice of a question's list likewise, an empty
explanation ``{}`` and a missing reflection stays NULL. The downgrade keeps the
Finnish text (the old columns can hold one language only).

Written by hand: each text column is copied into a new JSON column row by row
(in Python, so SQLite and PostgreSQL behave the same), then the old column is
dropped and the new one takes its name. ``modules`` and ``organisations`` are
referenced by other tables with ``ON DELETE CASCADE``: on SQLite a batch
"move and copy" would drop them and so delete their sections, questions and
teams, so they are changed in place (SQLite's own ADD, DROP and RENAME COLUMN);
SQLite cannot add a CHECK constraint in place, so the content language's check
is made on PostgreSQL only (the application checks the value too).

Revision ID: 0015_material_languages
Revises: 0016_report_aggregates
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_material_languages"
down_revision = "0016_report_aggregates"
branch_labels = None
depends_on = None

#: table -> [(column, old type, nullable)]
TEXTS = {
    "sections": [("title", sa.String(length=200), False), ("body", sa.Text(), False)],
    "questions": [("prompt", sa.Text(), False), ("explanation", sa.Text(), False)],
}
#: Changed in place, never copied: see the module docstring.
IN_PLACE = {"modules": [("reflection", sa.Text(), True)]}


def to_map(value):
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    return {"fi": value} if value else {}


def to_text(value, nullable):
    if value is None:
        return None if nullable else ""
    if isinstance(value, str):
        return value
    text = value.get("fi") or ""
    return text or (None if nullable else "")


def _convert(table: str, columns, new_type, convert, source_type=lambda _old: None) -> None:
    """Add ``<column>_new`` of ``new_type``, fill it with ``convert(old value)``, drop the old column, rename."""
    with op.batch_alter_table(table) as batch_op:
        for name, _old, _nullable in columns:
            batch_op.add_column(sa.Column(f"{name}_new", new_type(_old), nullable=True))
    connection = op.get_bind()
    names = [name for name, _old, _nullable in columns]
    old = sa.table(table, sa.column("id", sa.Integer()), *(sa.column(n, source_type(o)) for n, o, _nullable in columns))
    new = sa.table(
        table, sa.column("id", sa.Integer()), *(sa.column(f"{n}_new", new_type(o)) for n, o, _nullable in columns)
    )
    rows = connection.execute(sa.select(old.c.id, *(old.c[n] for n in names))).all()
    if rows:
        connection.execute(
            new.update()
            .where(new.c.id == sa.bindparam("row_id"))
            .values({f"{n}_new": sa.bindparam(f"v_{n}") for n in names}),
            [
                {
                    "row_id": row[0],
                    **{
                        f"v_{n}": convert(value, nullable)
                        for (n, _o, nullable), value in zip(columns, row[1:], strict=True)
                    },
                }
                for row in rows
            ],
        )
    with op.batch_alter_table(table) as batch_op:
        for name, _old, nullable in columns:
            batch_op.drop_column(name)
            batch_op.alter_column(f"{name}_new", new_column_name=name, existing_type=new_type(_old), nullable=nullable)


def _fill(table: str, source: str, target: str, target_type, convert, source_type=None) -> None:
    connection = op.get_bind()
    old = sa.table(table, sa.column("id", sa.Integer()), sa.column(source, source_type))
    new = sa.table(table, sa.column("id", sa.Integer()), sa.column(target, target_type))
    rows = connection.execute(sa.select(old.c.id, old.c[source])).all()
    if rows:
        connection.execute(
            new.update().where(new.c.id == sa.bindparam("row_id")).values({target: sa.bindparam("v")}),
            [{"row_id": row_id, "v": convert(value)} for row_id, value in rows],
        )


def _swap_in_place(table: str, name: str, new_type, convert, source_type=None) -> None:
    """Replace a nullable column by one of ``new_type`` holding ``convert(old value)``, without copying the table."""
    op.add_column(table, sa.Column(f"{name}_new", new_type, nullable=True))
    _fill(table, name, f"{name}_new", new_type, convert, source_type)
    _drop_in_place(table, name)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {name}_new TO {name}")
    else:
        op.alter_column(table, f"{name}_new", new_column_name=name)


def _drop_in_place(table: str, name: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
    else:
        op.drop_column(table, name)


def _choices(to_item) -> None:
    connection = op.get_bind()
    questions = sa.table("questions", sa.column("id", sa.Integer()), sa.column("choices", sa.JSON()))
    rows = connection.execute(sa.select(questions.c.id, questions.c.choices)).all()
    if rows:
        connection.execute(
            questions.update().where(questions.c.id == sa.bindparam("row_id")).values(choices=sa.bindparam("v")),
            [{"row_id": row_id, "v": [to_item(c) for c in (choices or [])]} for row_id, choices in rows],
        )


def upgrade():
    for table, columns in TEXTS.items():
        _convert(table, columns, lambda _old: sa.JSON(), lambda value, _nullable: to_map(value))
    for table, columns in IN_PLACE.items():
        for name, _old, _nullable in columns:
            _swap_in_place(table, name, sa.JSON(), to_map)
    _choices(lambda c: c if isinstance(c, dict) else {"fi": str(c)})
    op.add_column(
        "organisations", sa.Column("content_language", sa.String(length=2), server_default="fi", nullable=False)
    )
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(
            op.f("ck_organisations_content_language"), "organisations", "content_language IN ('fi','sv','en')"
        )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_organisations_content_language"), "organisations", type_="check")
    _drop_in_place("organisations", "content_language")
    _choices(lambda c: (c.get("fi") or "") if isinstance(c, dict) else c)
    for table, columns in IN_PLACE.items():
        for name, old, nullable in columns:
            _swap_in_place(table, name, old, lambda value, nullable=nullable: to_text(value, nullable), sa.JSON())
    for table, columns in TEXTS.items():
        _convert(table, columns, lambda old: old, to_text, lambda _old: sa.JSON())
