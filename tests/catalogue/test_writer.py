"""One write path for modules (:mod:`kampus.catalogue.writer`), tested from every door:
the module editor, ``kampus catalogue import``, ``kampus seed`` and the writer itself.

Section and question ids stay stable where the content is the same item (learners'
attempts name questions by id), and the lifecycle rules the editor keeps hold for
the import and the seed too, all or nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from kampus.catalogue.importer import export_catalogue
from kampus.catalogue.models import AuditEntry, Module, Question, Section
from kampus.catalogue.services import current_version
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.progress.models import Attempt
from tests.authoring.helpers import admin_client, editor_data, get_module
from tests.catalogue.test_seed import SEED, snapshot
from tests.factories import make_user

SLUG = "tiedolla-johtaminen"  # published, with a self-check of several questions


def question_ids(slug: str = SLUG) -> list[int]:
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    return [q.id for q in module.questions]


def section_ids(slug: str = SLUG) -> list[int]:
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    return [s.id for s in module.sections]


def record_of(slug: str = SLUG) -> dict:
    return next(m for m in export_catalogue().modules if m["slug"] == slug)


def learner_attempt(slug: str = SLUG) -> Attempt:
    """A learner's submitted self-check of the module, answers keyed by question id as progress keeps them."""
    learner = make_user(None, email="oppija@example.fi")
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    attempt = Attempt(
        user_id=learner.id,
        module_id=module.id,
        score=100,
        passed=True,
        answers={str(q.id): list(q.correct) for q in module.questions},
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def attempt_questions(attempt_id: int) -> list[Question | None]:
    """The questions an attempt's answers name (None for an id that no longer exists)."""
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    return [db.session.get(Question, int(key)) for key in attempt.answers]


def write_import(tmp_path: Path, modules: list[dict], name: str = "tuonti.yaml") -> Path:
    """A file of ``modules`` with the prerequisites they have now (a file lists all of its modules' edges)."""
    slugs = {m["slug"] for m in modules}
    edges = [e for e in export_catalogue().prerequisites if e["after"] in slugs]
    path = tmp_path / name
    document = {"modules": modules, "prerequisites": edges}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def import_file(runner, path: Path):
    return runner.invoke(args=["catalogue", "import", str(path)])


# --- the import (command line) -----------------------------------------------------


def test_an_import_that_edits_one_question_keeps_every_question_id(app, runner, tmp_path):
    ids, sections = question_ids(), section_ids()
    assert len(ids) >= 3
    attempt = learner_attempt()
    record = record_of()
    record["self_check"]["questions"][1]["prompt"]["fi"] += " Perustele."
    record["self_check"]["questions"][2]["explanation"] = "Uusi selitys."
    before = snapshot()

    result = import_file(runner, write_import(tmp_path, [record]))

    assert result.exit_code == 0, result.output
    assert "updated: 0 themes, 1 modules" in result.output
    assert question_ids() == ids and section_ids() == sections
    questions = attempt_questions(attempt.id)
    assert None not in questions and [q.id for q in questions] == ids
    assert questions[1].prompt["fi"].endswith("Perustele.") and questions[2].explanation == {"fi": "Uusi selitys."}
    after = snapshot()
    module_id = db.session.scalar(select(Module.id).where(Module.slug == SLUG))
    assert [r for r in after["questions"] if r[1] != module_id] == [r for r in before["questions"] if r[1] != module_id]


def test_an_import_matches_questions_by_prompt_then_position(app, runner, tmp_path):
    """Reordered questions keep their ids; a removed one is deleted; a new one is added; an
    unknown prompt in the place of a vanished one is that question edited."""
    ids = question_ids()
    record = record_of()
    first, _second, third, *rest = record["self_check"]["questions"]
    record["self_check"]["questions"] = [third, first, *rest]  # second removed, third moved first
    assert import_file(runner, write_import(tmp_path, [record])).exit_code == 0
    assert question_ids() == [ids[2], ids[0], *ids[3:]]
    assert db.session.get(Question, ids[1]) is None
    assert [q.position for q in get_module(SLUG).questions] == list(range(1, len(ids)))

    new = {"prompt": "Aivan uusi kysymys?", "choices": ["Kyllä", "Ei"], "correct": [0], "explanation": ""}
    record["self_check"]["questions"] = [third, new, first, *rest]
    assert import_file(runner, write_import(tmp_path, [record])).exit_code == 0
    now = question_ids()
    assert [now[0], *now[2:]] == [ids[2], ids[0], *ids[3:]] and now[1] not in ids

    edited = dict(first, prompt="Ensimmäinen kysymys uusin sanoin?")
    record["self_check"]["questions"] = [third, new, edited, *rest]
    assert import_file(runner, write_import(tmp_path, [record])).exit_code == 0
    assert question_ids() == now


def test_an_import_that_edits_one_section_keeps_every_section_id(app, runner, tmp_path):
    sections = section_ids()
    record = record_of()
    record["sections"][0]["title"]["fi"] += " (päivitetty)"
    record["sections"][-1]["body"]["fi"] += "\nLisäys.\n"
    result = import_file(runner, write_import(tmp_path, [record]))
    assert result.exit_code == 0, result.output
    assert section_ids() == sections
    module = get_module(SLUG)
    assert module.sections[0].title["fi"].endswith("(päivitetty)") and "Lisäys." in module.sections[-1].body["fi"]


def test_an_import_cannot_turn_a_published_module_into_a_draft_and_writes_nothing(app, runner, tmp_path):
    draft = record_of() | {"status": "draft"}
    other = record_of("digistrategian-laatiminen")
    other["title"] = dict(other["title"], fi="Tämä muutos ei saa jäädä")
    path = write_import(tmp_path, [other, draft])
    before, version = snapshot(), current_version()

    result = import_file(runner, path)

    assert result.exit_code == 1, result.output
    assert "import refused, nothing written" in result.output
    assert f"tuonti.yaml: {SLUG}: status: " in result.output
    assert snapshot() == before and current_version() == version
    assert get_module(SLUG).status == "published"
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_an_import_writes_one_audit_entry_per_changed_module_and_raises_the_version_once(app, runner, tmp_path):
    one, two = record_of(), record_of("digistrategian-laatiminen")
    one["minutes"] += 5
    two["summary"] = dict(two["summary"], fi="Uusi tiivistelmä.")
    version = current_version()

    result = import_file(runner, write_import(tmp_path, [one, two, record_of("digikyvykkyyden-itsearviointi")]))

    assert result.exit_code == 0, result.output
    assert current_version() == version + 1
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert sorted((e.action, e.module_slug) for e in entries) == [
        ("module.update", "digistrategian-laatiminen"),
        ("module.update", SLUG),
    ]
    by_slug = {e.module_slug: e.changes for e in entries}
    assert set(by_slug[SLUG]) == {"minutes"} and set(by_slug["digistrategian-laatiminen"]) == {"summary"}


# --- the editor ------------------------------------------------------------------------


def test_editing_one_question_in_the_editor_keeps_every_question_id(app):
    ids, sections = question_ids(), section_ids()
    attempt = learner_attempt()
    client, _admin = admin_client(app)
    edit = f"/admin/content/modules/{SLUG}/edit"
    form = editor_data(client.get(edit).get_data(as_text=True))
    form |= {"action": "save", "questions-1-prompt": "Muutettu kysymys editorissa?"}

    response = client.post(edit, data=form)

    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert question_ids() == ids and section_ids() == sections
    assert get_module(SLUG).questions[1].prompt["fi"] == "Muutettu kysymys editorissa?"
    assert None not in attempt_questions(attempt.id)


def test_the_editor_and_the_import_share_one_lifecycle_rule(app, runner, tmp_path):
    """What the editor refuses (published → draft) the import refuses with the same message."""
    client, _admin = admin_client(app)
    edit = f"/admin/content/modules/{SLUG}/edit"
    from flask_babel import force_locale

    from kampus.catalogue.writer import check_lifecycle

    with force_locale("en"), pytest.raises(DomainError) as refused:  # the command line speaks English
        check_lifecycle(record_of(), record_of() | {"status": "draft"})
    assert refused.value.field == "status" and SLUG in refused.value.message
    html = client.get(edit).get_data(as_text=True)
    assert 'value="draft"' not in html.split('name="status"')[1].split("</select>")[0]  # not even offered
    form = editor_data(html) | {"action": "save", "status": "draft"}
    assert 'id="status-error"' in client.post(edit, data=form).get_data(as_text=True)
    assert get_module(SLUG).status == "published"
    result = import_file(runner, write_import(tmp_path, [record_of() | {"status": "draft"}]))
    assert result.exit_code == 1 and refused.value.message in result.output


# --- the seed ----------------------------------------------------------------------------


def copy_seed(tmp_path: Path) -> Path:
    folder = tmp_path / "seed"
    shutil.copytree(SEED / "catalogue", folder / "catalogue")
    return folder


def edit_first_module(folder: Path, change) -> str:
    """Apply ``change`` to the first module of the first theme file of the seed copy; returns its slug."""
    path = folder / "catalogue" / "01-digistrategia.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    module = document["modules"][0]
    change(module)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    return module["slug"]


def test_reseeding_is_idempotent_and_keeps_every_id(app, runner):
    before = snapshot()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert snapshot() == before
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_reseeding_after_editing_one_question_keeps_every_question_id(app, runner, tmp_path):
    folder = copy_seed(tmp_path)

    def change(module):
        module["self_check"]["questions"][0]["prompt"]["fi"] += " (tarkennettu)"

    slug = edit_first_module(folder, change)
    ids, sections = question_ids(slug), section_ids(slug)
    attempt = learner_attempt(slug)
    before = snapshot()

    result = runner.invoke(args=["seed", "--path", str(folder)])

    assert result.exit_code == 0, result.output
    assert "updated: 0 themes, 1 modules" in result.output
    assert question_ids(slug) == ids and section_ids(slug) == sections
    assert None not in attempt_questions(attempt.id)
    after = snapshot()
    assert [row[0] for row in after["questions"]] == [row[0] for row in before["questions"]]
    assert after["sections"] == before["sections"]
    # and a second run of the same seed changes nothing more
    again = snapshot()
    assert runner.invoke(args=["seed", "--path", str(folder)]).exit_code == 0
    assert snapshot() == again


def test_a_seed_that_unpublishes_a_module_is_refused(app, runner, tmp_path):
    folder = copy_seed(tmp_path)
    slug = edit_first_module(folder, lambda module: module.update(status="draft"))
    before = snapshot()

    result = runner.invoke(args=["seed", "--path", str(folder)])

    assert result.exit_code == 1
    assert f"{slug}: status: " in result.output
    assert snapshot() == before


# --- the writer itself ------------------------------------------------------------------


def test_the_lifecycle_rule(app):
    from kampus.catalogue.writer import check_lifecycle

    published = record_of()
    draft = dict(published, status="draft")

    def refusal(current, record):
        with pytest.raises(DomainError) as error:
            check_lifecycle(current, record)
        return error.value

    assert refusal(published, draft).field == "status"
    assert refusal(draft, dict(draft, status="retired")).field == "status"
    assert refusal(None, dict(published, status="retired")).field == "status"
    assert refusal(published, dict(published, slug="uusi-nimi")).field == "slug"
    assert refusal(draft, dict(published, sections=[])).field == "status"
    assert SLUG in refusal(published, draft).message
    for current, status in (
        (draft, "published"),
        (published, "retired"),
        (dict(published, status="retired"), "published"),
        (None, "draft"),
    ):
        check_lifecycle(current, dict(published, status=status))  # allowed
    check_lifecycle(draft, dict(draft, slug="uusi-nimi"))  # a draft may be renamed


def test_the_writer_leaves_an_unchanged_module_alone(app):
    from kampus.catalogue.writer import apply_module_content

    module = get_module(SLUG)
    edit_version, version = module.edit_version, current_version()
    result = apply_module_content(module, record_of(), actor=None, source="import")
    db.session.commit()
    assert not result.changed
    assert get_module(SLUG).edit_version == edit_version and current_version() == version
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_sections_are_matched_by_title_then_position(app):
    from kampus.catalogue.writer import apply_module_content

    module = get_module(SLUG)
    ids = [s.id for s in module.sections]
    record = record_of()
    first, second, *rest = record["sections"]
    record["sections"] = [second, dict(first, title="Uusi nimi ensimmäiselle"), *rest]
    apply_module_content(module, record, actor=None, source="import")
    db.session.commit()
    assert section_ids() == [ids[1], ids[0], *ids[2:]]
    assert db.session.scalar(select(Section).where(Section.id == ids[0])).title == {"fi": "Uusi nimi ensimmäiselle"}
