"""The seed catalogue: what it holds, that it validates, and that seeding is idempotent and updates by slug."""

import shutil
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from kampus import seeding
from kampus.catalogue.models import (
    LEVELS,
    TARGET_GROUPS,
    CatalogueState,
    Module,
    Prerequisite,
    Question,
    Section,
    Theme,
)
from kampus.catalogue.services import current_version, engine_rows
from kampus.extensions import db
from kampus.graph import validate

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed"
CATALOGUE_TABLES = (Theme, Module, Section, Question, Prerequisite, CatalogueState)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every catalogue table, read on a connection of its own (no session cache)."""
    with db.engine.connect() as connection:
        return {
            model.__tablename__: [
                tuple(row) for row in connection.execute(select(model.__table__).order_by(*model.__table__.primary_key))
            ]
            for model in CATALOGUE_TABLES
        }


def modules() -> list[Module]:
    return db.session.scalars(select(Module).order_by(Module.slug)).all()


def theme_of() -> dict[str, str]:
    return {m.slug: m.theme.slug for m in modules()}


# --- what the seed holds ---------------------------------------------------------


def test_seed_has_eight_themes_each_with_at_least_six_published_modules(app):
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    assert len(themes) == 8
    assert [t.position for t in themes] == list(range(1, 9))
    for theme in themes:
        published = [m for m in theme.modules if m.status == "published"]
        assert len(published) >= 6, theme.slug
    assert sum(1 for m in modules() if m.status == "published") >= 48


def test_every_theme_has_finnish_swedish_and_english_titles_and_descriptions(app):
    for theme in db.session.scalars(select(Theme)):
        for lang in ("fi", "sv", "en"):
            assert theme.title.get(lang, "").strip(), (theme.slug, lang)
            assert theme.description.get(lang, "").strip(), (theme.slug, lang)


def test_every_module_has_an_english_title_and_summary(app):
    for module in modules():
        assert module.title["fi"].strip() and module.summary["fi"].strip(), module.slug
        assert module.title.get("en", "").strip(), module.slug
        assert module.summary.get("en", "").strip(), module.slug


def test_every_module_has_substantive_finnish_material(app):
    for module in modules():
        assert len(module.sections) >= 2, module.slug
        assert [s.position for s in module.sections] == list(range(1, len(module.sections) + 1))
        for section in module.sections:
            assert section.title["fi"].strip(), module.slug
            assert len(section.body["fi"].strip()) >= 400, (module.slug, section.title)
            # Finnish prose, not a placeholder: the letters ä/ö and common Finnish words occur.
            assert any(ch in section.body["fi"] for ch in "äöÄÖ"), (module.slug, section.title)


def test_every_module_has_a_self_check_with_explanations_and_a_reflection(app):
    for module in modules():
        assert module.pass_mark is not None and 1 <= module.pass_mark <= 100, module.slug
        assert len(module.questions) >= 3, module.slug
        for question in module.questions:
            assert question.prompt["fi"].strip(), module.slug
            assert len(question.choices) >= 2, module.slug
            assert question.correct and all(0 <= c < len(question.choices) for c in question.correct), module.slug
            assert question.explanation["fi"].strip(), (module.slug, question.prompt)
        assert module.reflection and module.reflection["fi"].strip(), module.slug


def test_every_module_has_a_level_minutes_and_target_groups(app):
    for module in modules():
        assert module.level in LEVELS, module.slug
        assert module.minutes > 0, module.slug
        assert module.target_groups and set(module.target_groups) <= set(TARGET_GROUPS), module.slug


def test_prerequisites_link_modules_within_every_theme_and_at_least_ten_across_themes(app):
    theme = theme_of()
    edges = [(e.before.slug, e.after.slug) for e in db.session.scalars(select(Prerequisite))]
    within = Counter(theme[b] for b, a in edges if theme[b] == theme[a])
    across = [(b, a) for b, a in edges if theme[b] != theme[a]]
    assert set(within) == set(theme.values()), "every theme has prerequisites of its own"
    assert len(across) >= 10
    assert ("hankinnat-ja-saavutettavuus", "saavutettava-sisalto") in across


def test_seed_validates_without_errors_or_warnings(app):
    rows, edges = engine_rows()
    report = validate(rows, edges)
    assert report.errors == []
    assert report.warnings == []
    assert len(rows) == len(modules()) and len(edges) == db.session.query(Prerequisite).count()


# --- seeding again ---------------------------------------------------------------


def test_seeding_twice_through_the_command_changes_nothing(app, runner):
    before = snapshot()
    version = current_version()

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    assert "added: 0 themes, 0 modules, 0 prerequisites; updated: 0 themes, 0 modules; removed: 0" in result.output
    assert snapshot() == before
    assert current_version() == version


def test_seeding_twice_through_the_service_changes_nothing(app):
    before = snapshot()
    version = current_version()

    plan = seeding.seed_catalogue(SEED)
    db.session.commit()

    assert plan.changes == 0
    assert plan.unchanged["modules"] == len(before["modules"])
    assert snapshot() == before
    assert current_version() == version


def test_seeding_an_empty_database_twice_gives_the_same_rows(make_app):
    empty = make_app("empty")
    with empty.app_context():
        runner = empty.test_cli_runner()
        first = runner.invoke(args=["seed"])
        assert first.exit_code == 0, first.output
        after_first = snapshot()
        version = current_version()
        assert len(after_first["themes"]) == 8
        assert len(after_first["modules"]) >= 48

        second = runner.invoke(args=["seed"])

        assert second.exit_code == 0, second.output
        assert snapshot() == after_first
        assert current_version() == version


# --- content edits in YAML -------------------------------------------------------

EDITED = "digikyvykkyyden-itsearviointi"
OLD_TITLE = 'fi: "Digikyvykkyyden itsearviointi"'
NEW_TITLE = 'fi: "Digikyvykkyyden itsearviointi ja sen hyödyntäminen"'
OLD_SENTENCE = "Se ei ole sama asia kuin laitteiden tai sovellusten määrä."
NEW_SENTENCE = "Se ei ole sama asia kuin laitteiden, lisenssien tai sovellusten määrä."


def copy_seed(tmp_path: Path) -> Path:
    folder = tmp_path / "seed"
    shutil.copytree(SEED / "catalogue", folder / "catalogue")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_editing_a_module_in_yaml_updates_it_by_slug(app, runner, tmp_path):
    folder = copy_seed(tmp_path)
    file = folder / "catalogue" / "01-digistrategia.yaml"
    edit(file, OLD_TITLE, NEW_TITLE)
    edit(file, OLD_SENTENCE, NEW_SENTENCE)
    before = snapshot()
    version = current_version()
    module = db.session.scalar(select(Module).where(Module.slug == EDITED))
    module_id, edit_version = module.id, module.edit_version
    db.session.rollback()

    result = runner.invoke(args=["seed", "--path", str(folder)])

    assert result.exit_code == 0, result.output
    assert "updated: 0 themes, 1 modules" in result.output
    assert "added: 0 themes, 0 modules, 0 prerequisites" in result.output
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == EDITED))
    assert module.id == module_id
    assert module.title["fi"] == "Digikyvykkyyden itsearviointi ja sen hyödyntäminen"
    assert module.title["en"] == "Self-assessment of digital capability"
    assert NEW_SENTENCE in module.sections[0].body["fi"]
    assert OLD_SENTENCE not in module.sections[0].body["fi"]
    assert module.edit_version > edit_version
    assert current_version() == version + 1

    after = snapshot()
    assert after["themes"] == before["themes"]
    assert after["prerequisites"] == before["prerequisites"]
    assert after["questions"] == before["questions"]
    others = [row for row in before["modules"] if row[0] != module_id]
    assert [row for row in after["modules"] if row[0] != module_id] == others
    sections_of_others = [row for row in before["sections"] if row[1] != module_id]
    assert [row for row in after["sections"] if row[1] != module_id] == sections_of_others
    assert [len(module.sections)] == [sum(1 for row in before["sections"] if row[1] == module_id)]


def test_a_broken_seed_is_refused_naming_file_item_and_field(app, runner, tmp_path):
    folder = copy_seed(tmp_path)
    edit(
        folder / "catalogue" / "01-digistrategia.yaml",
        "    level: A2\n    minutes: 28",
        "    level: D1\n    minutes: 28",
    )
    before = snapshot()

    result = runner.invoke(args=["seed", "--path", str(folder)])

    assert result.exit_code == 1
    assert f"01-digistrategia.yaml: {EDITED}: level: must be one of A1, A2, B1, B2, C1, C2 (got 'D1')" in result.output
    assert snapshot() == before
