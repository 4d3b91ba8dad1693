"""Import in the browser (upload → dry run → confirm, all or nothing) and export."""

from __future__ import annotations

import io
import re

import pytest
import yaml

from kampus.catalogue.services import current_version
from tests.authoring.helpers import admin_client, audit_entries, get_module, token
from tests.conftest import snapshot_database

IMPORT = "/admin/content/import"

NEW_MODULE = {
    "slug": "tuotu-moduuli",
    "theme": "pedagogiikka",
    "position": 20,
    "title": {"fi": "Tuotu moduuli"},
    "summary": {"fi": "Tiedostosta."},
    "level": "B1",
    "minutes": 30,
    "target_groups": ["teaching"],
    "status": "published",
    "sections": [{"title": "Osa", "body": "Tekstiä."}],
}


def upload(client, text: str, name: str = "catalogue.yaml"):
    return client.post(
        IMPORT,
        data={"csrf_token": token(client, IMPORT), "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def confirm_data(html: str) -> dict:
    form = html.split('/import/confirm"')[1].split("</form>")[0]
    fields = {name: value for name, value in re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form)}
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in fields.items()}


def upload_and_confirm(client, text: str):
    """The whole import in the browser: upload ``text`` (the dry run), then confirm it;
    returns the dry run's page and the confirmation's response."""
    html = upload(client, text).get_data(as_text=True)
    return html, client.post(IMPORT + "/confirm", data=confirm_data(html))


@pytest.mark.slow
def test_export_downloads_the_whole_catalogue_as_yaml(app):
    client, _admin = admin_client(app)
    response = client.get("/admin/content/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    document = yaml.safe_load(response.get_data(as_text=True))
    assert {"themes", "modules", "prerequisites"} <= set(document)
    assert "digipedagogiikka" in {m["slug"] for m in document["modules"]}


@pytest.mark.slow
def test_exported_catalogue_imports_back_as_unchanged(app):
    client, _admin = admin_client(app)
    text = client.get("/admin/content/export").get_data(as_text=True)
    html = upload(client, text).get_data(as_text=True)
    assert 'id="import-summary"' in html and 'id="import-errors"' not in html
    version = current_version()
    response = client.post(IMPORT + "/confirm", data=confirm_data(html))
    assert response.status_code == 302
    assert current_version() == version and audit_entries() == []


def test_dry_run_writes_nothing_then_confirm_applies_all(app):
    client, admin = admin_client(app)
    text = yaml.safe_dump(
        {
            "modules": [NEW_MODULE],
            "prerequisites": [{"before": "digipedagogiikka", "after": "tuotu-moduuli", "kind": "required"}],
        },
        allow_unicode=True,
    )
    before = snapshot_database()
    html = upload(client, text).get_data(as_text=True)
    summary = html.split('id="import-summary"')[1].split("</table>")[0]
    assert re.search(r"Modul\w*</th><td>1</td>", summary) or ">1<" in summary
    after_dry_run = snapshot_database()
    assert {k: v for k, v in after_dry_run.items() if k != "users"} == {k: v for k, v in before.items() if k != "users"}
    response = client.post(IMPORT + "/confirm", data=confirm_data(html))
    assert response.status_code == 302
    module = get_module("tuotu-moduuli")
    assert module is not None and module.sections[0].title == {"fi": "Osa"}
    actions = [e.action for e in audit_entries()]
    assert "module.create" in actions and "catalogue.import" in actions
    assert all(e.user_id == admin.id for e in audit_entries())


def test_errors_name_the_item_and_field_and_nothing_is_written(app):
    client, _admin = admin_client(app)
    broken = dict(NEW_MODULE, level="Z9", minutes=-1)
    html = upload(client, yaml.safe_dump({"modules": [broken]})).get_data(as_text=True)
    errors = html.split('id="import-errors"')[1].split("</table>")[0]
    assert "tuotu-moduuli" in errors and "<td>level</td>" in errors and "<td>minutes</td>" in errors
    assert "/import/confirm" not in html
    assert get_module("tuotu-moduuli") is None


def test_a_cycle_in_an_import_is_refused_and_named(app):
    client, _admin = admin_client(app)
    text = yaml.safe_dump(
        {"prerequisites": [{"before": "eriyttaminen-ja-inkluusio", "after": "digipedagogiikka", "kind": "required"}]}
    )
    before = snapshot_database()
    html = upload(client, text).get_data(as_text=True)
    assert (
        "kehä: digipedagogiikka → yhteisollinen-ja-itseohjautuva-oppiminen → eriyttaminen-ja-inkluusio" in html
    )  # in the admin's language
    assert "/import/confirm" not in html
    # a forged confirmation of the same text is checked again and refused
    forged = {"csrf_token": token(client, IMPORT), "text": text, "name": "x.yaml", "version": str(current_version())}
    response = client.post(IMPORT + "/confirm", data=forged)
    assert response.status_code == 200 and "kehä:" in response.get_data(as_text=True)
    after = snapshot_database()
    assert {k: v for k, v in after.items() if k != "users"} == {k: v for k, v in before.items() if k != "users"}


def test_malformed_yaml_and_non_utf8_are_reported(app):
    client, _admin = admin_client(app)
    assert "virheellistä YAMLia" in upload(client, "modules: [\n  - slug: x\n bad").get_data(as_text=True)
    response = client.post(
        IMPORT,
        data={"csrf_token": token(client, IMPORT), "file": (io.BytesIO(b"\xff\xfe\x00"), "c.yaml")},
        content_type="multipart/form-data",
    )
    assert "UTF-8" in response.get_data(as_text=True)


def test_a_confirmation_after_the_catalogue_moved_is_checked_again(app):
    client, _admin = admin_client(app)
    html = upload(client, yaml.safe_dump({"modules": [NEW_MODULE]}, allow_unicode=True)).get_data(as_text=True)
    from kampus.catalogue.services import bump_version
    from kampus.extensions import db

    bump_version()
    db.session.commit()
    response = client.post(IMPORT + "/confirm", data=confirm_data(html))
    assert response.status_code == 200 and 'id="import-summary"' in response.get_data(as_text=True)
    assert get_module("tuotu-moduuli") is None


# --- one write path: ids stay, the lifecycle holds -----------------------------------------


def _record(slug: str) -> dict:
    from kampus.catalogue.importer import export_catalogue

    return next(m for m in export_catalogue().modules if m["slug"] == slug)


def _document(*records) -> str:
    """Modules as an import file, with the prerequisites they have now (a file lists all of its modules' edges)."""
    from kampus.catalogue.importer import export_catalogue

    slugs = {r["slug"] for r in records}
    edges = [e for e in export_catalogue().prerequisites if e["after"] in slugs]
    return yaml.safe_dump({"modules": list(records), "prerequisites": edges}, allow_unicode=True)


def _question_ids(slug: str) -> list[int]:
    return [q.id for q in get_module(slug).questions]


def test_an_import_through_the_page_that_edits_one_question_keeps_the_learners_attempt(app):
    from kampus.catalogue.models import Question
    from kampus.extensions import db
    from kampus.progress.models import Attempt
    from tests.factories import make_user

    client, _admin = admin_client(app)
    slug = "digipedagogiikka"
    module = get_module(slug)
    ids = _question_ids(slug)
    learner = make_user(None, email="oppija@example.fi")
    attempt = Attempt(
        user_id=learner.id,
        module_id=module.id,
        score=100,
        passed=True,
        answers={str(q.id): list(q.correct) for q in module.questions},
    )
    db.session.add(attempt)
    db.session.commit()
    record = _record(slug)
    record["self_check"]["questions"][0]["prompt"] = "Kokonaan uudelleen muotoiltu kysymys?"

    html, response = upload_and_confirm(client, _document(record))
    assert 'id="import-errors"' not in html and response.status_code == 302

    assert _question_ids(slug) == ids
    db.session.expire_all()
    named = [db.session.get(Question, int(key)) for key in db.session.get(Attempt, attempt.id).answers]
    assert None not in named and named[0].prompt["fi"] == "Kokonaan uudelleen muotoiltu kysymys?"
    [entry] = audit_entries(action="module.update")
    assert entry.module_slug == slug and set(entry.changes) == {"self_check"}


def test_an_import_through_the_page_cannot_unpublish_a_module(app):
    client, _admin = admin_client(app)
    slug = "digipedagogiikka"
    other = _record("hybridi-ja-etaopetus")
    other["minutes"] += 10
    text = _document(other, _record(slug) | {"status": "draft"})
    before = snapshot_database()

    html = upload(client, text).get_data(as_text=True)

    errors = html.split('id="import-errors"')[1].split("</table>")[0]
    assert slug in errors and "<td>status</td>" in errors
    assert "/import/confirm" not in html
    forged = {"csrf_token": token(client, IMPORT), "text": text, "name": "x.yaml", "version": str(current_version())}
    response = client.post(IMPORT + "/confirm", data=forged)
    assert response.status_code == 200 and 'id="import-errors"' in response.get_data(as_text=True)
    after = snapshot_database()
    assert {k: v for k, v in after.items() if k != "users"} == {k: v for k, v in before.items() if k != "users"}
    assert get_module(slug).status == "published"
