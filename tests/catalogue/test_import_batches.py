"""An import writes its new modules a batch at a time: the progress callback is told after each
batch, the queries do not grow with the number of modules, and what is written (modules, their
search rows, the audit entries, the version) is what a module written on its own gets."""

from __future__ import annotations

from sqlalchemy import func, select

from kampus.catalogue import importer, search
from kampus.catalogue.loader import CatalogueData, parse_text
from kampus.catalogue.models import AuditEntry, Module, SearchDocument
from kampus.catalogue.services import current_version
from kampus.extensions import db
from tests.catalogue.test_import import new_module


def plan_of(modules: list[dict]) -> importer.ImportPlan:
    import yaml

    data, errors = CatalogueData(), []
    assert parse_text(yaml.safe_dump({"modules": modules}, allow_unicode=True), "t.yaml", data, errors)
    assert not errors and len(data.modules) == len(modules), errors
    plan = importer.plan_import(data, source="t.yaml")
    assert plan.ok, plan.errors
    return plan


def many(count: int, prefix: str = "era") -> list[dict]:
    return [
        new_module(
            f"{prefix}-{n}",
            position=100 + n,
            sections=[{"title": "Osa", "body": f"Moduulin **{n}** teksti, [linkki](https://example.fi/{n})."}],
        )
        for n in range(count)
    ]


def test_progress_is_told_after_every_batch_and_at_the_end(app, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 10)
    calls = []
    importer.apply_import(plan_of(many(25)), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(10, 25), (20, 25), (25, 25)]
    assert db.session.scalar(select(func.count()).select_from(Module).where(Module.slug.like("era-%"))) == 25


def test_an_import_reads_nothing_per_new_module(app):
    """The themes, the modules and their search rows are read once per import: the only statements
    that grow with the new modules are their rows' inserts (no SELECT, no flush of a version per module)."""
    from collections import Counter

    from sqlalchemy import event

    def counted(count: int, prefix: str) -> Counter:
        plan = plan_of(many(count, prefix))
        kinds: Counter = Counter()

        def hook(conn, cursor, statement, parameters, context, executemany):
            kinds[statement.split(None, 1)[0].upper()] += 1

        event.listen(db.engine, "before_cursor_execute", hook)
        try:
            importer.apply_import(plan)
        finally:
            event.remove(db.engine, "before_cursor_execute", hook)
        db.session.rollback()
        return kinds

    counted(2, "lammin")  # caches outside the count
    small, big = counted(5, "pieni"), counted(40, "iso")
    assert big["SELECT"] == small["SELECT"] and big["UPDATE"] == small["UPDATE"], (small, big)
    assert small["INSERT"] > 0  # the count sees the rows written
    if db.engine.dialect.name == "sqlite":  # PostgreSQL sends many rows in one INSERT … RETURNING
        assert big["INSERT"] > small["INSERT"]


def test_new_modules_get_the_search_rows_audit_and_version_of_a_single_write(app):
    version = current_version()
    importer.apply_import(plan_of(many(3)), actor=None, source="import")
    db.session.flush()
    modules = list(db.session.scalars(select(Module).where(Module.slug.like("era-%")).order_by(Module.slug)))
    assert len(modules) == 3
    for module in modules:
        rows = {
            d.lang: d for d in db.session.scalars(select(SearchDocument).where(SearchDocument.module_id == module.id))
        }
        assert set(rows) == {"fi", "sv", "en"}
        for lang, row in rows.items():
            expected = search.document_texts(module, lang)
            assert {key: getattr(row, key) for key in expected} == expected
        assert "https" not in rows["fi"].body and module.slug.split("-")[1] in rows["fi"].body
    created = db.session.scalars(select(AuditEntry.module_slug).where(AuditEntry.action == "module.create"))
    assert set(created) >= {m.slug for m in modules}
    assert current_version() == version + 1  # raised once for the whole import
    assert search.search("teksti", "fi").total >= 3  # the FTS index has the rows (its triggers ran)


def test_plain_text_is_memoised_and_the_same_as_rendering_it():
    search.plain_text.cache_clear()
    text = "Tekstiä **paljon** ja [linkki](https://example.fi)."
    assert search.plain_text(text) == search.plain_text.__wrapped__(text) == "Tekstiä paljon ja linkki."
    search.plain_text(text)
    assert search.plain_text.cache_info().hits == 1


def test_a_new_module_of_a_batch_is_the_module_a_single_write_makes(app):
    """A batch inserts a new module's sections and questions as rows, without objects: the module,
    its items, search rows and audit entry are those of the same record written on its own."""
    from kampus.catalogue.writer import apply_module_content, module_record

    record = new_module(
        "eras-yksin",
        sections=[
            {"title": {"fi": "Osa", "sv": "Del"}, "body": {"fi": "Teksti **yksi**.\n", "en": "Text *one*.\n"}},
            {"title": "Toinen", "body": "- a\n- b\n"},
        ],
        self_check={
            "pass_mark": 60,
            "ask": 1,
            "questions": [
                {"prompt": "K1?", "choices": ["a", {"fi": "b", "sv": "b2"}], "correct": [1], "explanation": "Siksi."},
                {"prompt": "K2?", "choices": ["c", "d", "e"], "correct": [0, 2]},
            ],
        },
    )
    importer.apply_import(plan_of([{**record, "slug": "eras-erana"}]), source="import")
    batch = db.session.scalar(select(Module).where(Module.slug == "eras-erana"))
    # In the same transaction the module's collections show the rows written around the objects.
    assert [s.title for s in batch.sections] == [{"fi": "Osa", "sv": "Del"}, {"fi": "Toinen"}]
    assert [q.position for q in batch.questions] == [1, 2] and all(q.id for q in batch.questions)
    theme = batch.theme
    alone = apply_module_content(None, record, actor=None, source="import", themes={theme.slug: theme}).module
    db.session.flush()
    db.session.expire_all()

    def record_of(module):
        return {**module_record(module, module.theme.slug), "slug": None}

    assert record_of(batch) == record_of(alone)
    assert record_of(batch)["self_check"]["questions"][1]["correct"] == [0, 2]

    def entry_of(slug):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.module_slug == slug))
        changes = dict(entry.changes)
        changes.pop("slug")
        return entry.action, changes

    assert entry_of("eras-erana") == entry_of("eras-yksin")

    def search_rows(module):
        rows = db.session.scalars(select(SearchDocument).where(SearchDocument.module_id == module.id))
        return {d.lang: (d.title, d.summary, d.body, d.target_groups) for d in rows}

    assert search_rows(batch) == search_rows(alone) and len(search_rows(batch)) == 3
    assert "yksi" in search_rows(batch)["fi"][2] and "one" in search_rows(batch)["en"][2]
