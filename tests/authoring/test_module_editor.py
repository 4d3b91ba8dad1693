"""The module editor: create, edit sections and questions, keep typed input on errors,
safe lifecycle (slugs, statuses, deletion), concurrent edits and the audit log."""

from __future__ import annotations

from sqlalchemy import func, select

from kampus.catalogue.models import Prerequisite
from kampus.catalogue.services import current_version
from kampus.extensions import db
from kampus.progress.models import Progress
from tests.authoring.helpers import admin_client, audit_entries, editor_data, get_module, module_data, token
from tests.factories import make_user

NEW = "/admin/content/modules/new"


def edit_url(slug: str) -> str:
    return f"/admin/content/modules/{slug}/edit"


def create(client, **kwargs):
    response = client.post(NEW, data=module_data(token(client, NEW), **kwargs))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def test_an_admin_creates_a_module_with_sections_and_a_question(app):
    client, admin = admin_client(app)
    version = current_version()
    response = create(
        client,
        sections=[("Johdanto", "Eka"), ("Syvemmälle", "Toka")],
        questions=[("Mikä on oikein?", ["Väärä", "Oikea", "Myös oikea"], [1, 2], "Selitys.")],
    )
    assert response.headers["Location"].endswith(edit_url("uusi-moduuli"))
    module = get_module("uusi-moduuli")
    assert [s.title for s in module.sections] == [{"fi": "Johdanto"}, {"fi": "Syvemmälle"}]
    assert module.sections[0].body == {"fi": "Eka\n"}
    assert module.questions[0].choices == [{"fi": "Väärä"}, {"fi": "Oikea"}, {"fi": "Myös oikea"}]
    assert module.questions[0].correct == [1, 2]
    assert module.pass_mark == 70 and module.status == "draft" and module.competences == ["1.3", "2.2"]
    assert current_version() == version + 1
    [entry] = audit_entries(module_slug="uusi-moduuli")
    assert entry.action == "module.create" and entry.user_id == admin.id
    assert entry.changes["title"] == {"before": None, "after": {"fi": "Uusi moduuli"}}


def test_a_rejected_form_keeps_everything_typed_and_shows_errors_beside_fields(app):
    client, _admin = admin_client(app)
    data = module_data(
        token(client, NEW),
        title="",
        slug="Huono Slug",
        minutes="0",
        sections=[("", "Tekstiä, jota ei saa hukata")],
        questions=[("Kysymys ilman valintoja", ["vain yksi"], [], "")],
    )
    data["summary_sv"] = "Svensk sammanfattning"
    response = client.post(NEW, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert get_module("huono-slug") is None
    assert "Tekstiä, jota ei saa hukata" in html and "Svensk sammanfattning" in html
    assert "Kysymys ilman valintoja" in html and 'value="vain yksi"' in html
    assert 'id="title_fi-error"' in html and 'id="minutes-error"' in html
    assert 'id="sections-0-title-error"' in html
    assert 'id="questions-0-choices-error"' in html
    # the slug rule is a service rule: its message sits beside the slug field too
    data = module_data(token(client, NEW), slug="Huono Slug")
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert 'id="slug-error"' in html


def test_structural_buttons_add_move_and_remove_without_saving(app):
    client, _admin = admin_client(app)
    data = module_data(token(client, NEW), sections=[("Yksi", "1"), ("Kaksi", "2")], action="down-section-0")
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert html.index('value="Kaksi"') < html.index('value="Yksi"')
    data = editor_data(html) | {"action": "add-question"}
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert 'id="questions-0-prompt"' in html and 'id="questions-0-choices-2-text"' in html
    data = editor_data(html) | {"action": "remove-section-0"}
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert 'value="Kaksi"' not in html and 'value="Yksi"' in html
    assert get_module("uusi-moduuli") is None


def test_preview_button_renders_the_markdown_server_side(app):
    client, _admin = admin_client(app)
    data = module_data(
        token(client, NEW), sections=[("Otsikko", "Tämä on **tärkeää** <script>alert(1)</script>")], action="preview"
    )
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert "<strong>tärkeää</strong>" in html
    assert "<script>alert(1)" not in html
    assert get_module("uusi-moduuli") is None


def test_preview_endpoint_returns_the_learners_html(app):
    client, _admin = admin_client(app)
    response = client.post(
        "/admin/content/preview",
        data={"csrf_token": token(client), "text": "[x](javascript:alert(1)) **b** <img src=x onerror=alert(1)>"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<strong>b</strong>" in html
    assert 'href="javascript' not in html and "<img" not in html


def test_editing_sections_and_questions_keeps_their_ids_and_order(app):
    client, _admin = admin_client(app)
    create(
        client, sections=[("A", "a"), ("B", "b")], questions=[("Q1", ["x", "y"], [0], ""), ("Q2", ["x", "y"], [1], "")]
    )
    module = get_module("uusi-moduuli")
    section_ids = [s.id for s in module.sections]
    question_ids = [q.id for q in module.questions]
    html = client.get(edit_url("uusi-moduuli")).get_data(as_text=True)
    data = editor_data(html) | {"action": "down-question-0"}
    html = client.post(edit_url("uusi-moduuli"), data=data).get_data(as_text=True)
    data = editor_data(html) | {"action": "save", "sections-1-body": "b muutettu"}
    response = client.post(edit_url("uusi-moduuli"), data=data)
    assert response.status_code == 302
    module = get_module("uusi-moduuli")
    assert [q.prompt["fi"] for q in module.questions] == ["Q2", "Q1"]
    assert [q.id for q in module.questions] == question_ids[::-1]
    assert [s.id for s in module.sections] == section_ids
    assert module.sections[1].body == {"fi": "b muutettu\n"}
    entry = audit_entries(module_slug="uusi-moduuli")[-1]
    assert entry.action == "module.update"
    assert set(entry.changes) == {"sections", "self_check"}
    assert entry.changes["sections"]["before"][1]["body"] == {"fi": "b\n"}


def test_saving_without_changes_writes_nothing(app):
    client, _admin = admin_client(app)
    html = client.get(edit_url("digipedagogiikka")).get_data(as_text=True)
    version = current_version()
    response = client.post(edit_url("digipedagogiikka"), data=editor_data(html) | {"action": "save"})
    assert response.status_code == 302
    assert current_version() == version
    assert audit_entries() == []


def test_a_published_slug_never_changes(app):
    client, _admin = admin_client(app)
    html = client.get(edit_url("digipedagogiikka")).get_data(as_text=True)
    assert 'name="slug"' not in html
    data = editor_data(html) | {"action": "save", "slug": "uusi-nimi", "title_fi": "Uusi otsikko"}
    assert client.post(edit_url("digipedagogiikka"), data=data).status_code == 302
    assert get_module("uusi-nimi") is None
    assert get_module("digipedagogiikka").title["fi"] == "Uusi otsikko"


def test_a_draft_may_be_renamed_but_not_to_a_taken_slug(app):
    client, _admin = admin_client(app)
    create(client)
    html = client.get(edit_url("uusi-moduuli")).get_data(as_text=True)
    data = editor_data(html) | {"action": "save", "slug": "digipedagogiikka"}
    html = client.post(edit_url("uusi-moduuli"), data=data).get_data(as_text=True)
    assert 'id="slug-error"' in html
    data["slug"] = "toinen-nimi"
    assert client.post(edit_url("uusi-moduuli"), data=data).status_code == 302
    assert get_module("toinen-nimi") is not None


def test_status_moves_draft_published_retired_only(app):
    client, _admin = admin_client(app)
    html = client.get(edit_url("digipedagogiikka")).get_data(as_text=True)
    data = editor_data(html) | {"action": "save", "status": "draft"}
    html = client.post(edit_url("digipedagogiikka"), data=data).get_data(as_text=True)
    assert 'id="status-error"' in html
    assert get_module("digipedagogiikka").status == "published"
    data["status"] = "retired"
    response = client.post(edit_url("digipedagogiikka"), data=data)
    assert response.status_code == 302
    assert get_module("digipedagogiikka").status == "retired"
    # modules that require it now treat it as done: the author is told
    assert "flash-info" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_publishing_needs_material(app):
    client, _admin = admin_client(app)
    data = module_data(token(client, NEW), status="published", sections=[])
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert 'id="status-error"' in html and get_module("uusi-moduuli") is None


def test_second_of_two_concurrent_saves_gets_a_conflict_and_the_first_stays(app):
    first, _a = admin_client(app, "eka@example.fi")
    second, _b = admin_client(app, "toka@example.fi")
    first_form = editor_data(first.get(edit_url("digipedagogiikka")).get_data(as_text=True))
    second_form = editor_data(second.get(edit_url("digipedagogiikka")).get_data(as_text=True))
    assert (
        first.post(
            edit_url("digipedagogiikka"), data=first_form | {"action": "save", "title_fi": "Ensimmäisen muutos"}
        ).status_code
        == 302
    )
    response = second.post(
        edit_url("digipedagogiikka"),
        data=second_form | {"action": "save", "title_fi": "Toisen muutos", "sections-0-body": "Toisen teksti"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict"' in html and "Toisen muutos" in html and "Toisen teksti" in html
    module = get_module("digipedagogiikka")
    assert module.title["fi"] == "Ensimmäisen muutos"
    assert "Toisen teksti" not in module.sections[0].body
    assert len(audit_entries(module_slug="digipedagogiikka")) == 1


def test_section_only_edits_also_move_the_edit_version(app):
    first, _a = admin_client(app, "eka@example.fi")
    form = editor_data(first.get(edit_url("digipedagogiikka")).get_data(as_text=True))
    version = get_module("digipedagogiikka").edit_version
    assert (
        first.post(
            edit_url("digipedagogiikka"), data=form | {"action": "save", "sections-0-body": "Uusi teksti"}
        ).status_code
        == 302
    )
    assert get_module("digipedagogiikka").edit_version == version + 1
    response = first.post(edit_url("digipedagogiikka"), data=form | {"action": "save", "title_fi": "Vanhasta"})
    assert response.status_code == 409


def test_a_draft_without_learners_can_be_deleted_with_its_prerequisites(app):
    client, _admin = admin_client(app)
    create(client)
    module = get_module("uusi-moduuli")
    before = get_module("digipedagogiikka")
    db.session.add(Prerequisite(before_id=before.id, after_id=module.id, kind="required"))
    db.session.commit()
    response = client.post("/admin/content/modules/uusi-moduuli/delete", data={"csrf_token": token(client)})
    assert response.status_code == 303 and get_module("uusi-moduuli") is not None  # not without confirming
    page = client.get("/admin/content/modules/uusi-moduuli/delete").get_data(as_text=True)
    assert 'name="confirm" value="yes"' in page
    response = client.post(
        "/admin/content/modules/uusi-moduuli/delete", data={"csrf_token": token(client), "confirm": "yes"}
    )
    assert response.status_code == 302
    assert get_module("uusi-moduuli") is None
    assert (
        db.session.scalar(select(func.count()).select_from(Prerequisite).where(Prerequisite.after_id == module.id)) == 0
    )
    assert audit_entries(module_slug="uusi-moduuli")[-1].action == "module.delete"


def test_published_modules_and_modules_with_progress_are_never_deleted(app):
    client, _admin = admin_client(app)
    response = client.post(
        "/admin/content/modules/digipedagogiikka/delete", data={"csrf_token": token(client), "confirm": "yes"}
    )
    assert response.status_code == 302 and get_module("digipedagogiikka") is not None
    create(client)
    learner = make_user(None, email="o@example.fi")
    db.session.add(Progress(user_id=learner.id, module_id=get_module("uusi-moduuli").id, status="in_progress"))
    db.session.commit()
    client.post("/admin/content/modules/uusi-moduuli/delete", data={"csrf_token": token(client), "confirm": "yes"})
    assert get_module("uusi-moduuli") is not None
    assert db.session.scalar(select(func.count()).select_from(Progress)) == 1


def test_completeness_indicator_names_missing_translations(app):
    client, _admin = admin_client(app)
    html = client.get(edit_url("digipedagogiikka")).get_data(as_text=True)
    assert 'class="card completeness"' in html
    data = module_data(token(client, NEW), action="preview", title_sv="Svensk titel")
    html = client.post(NEW, data=data).get_data(as_text=True)
    section = html.split('class="card completeness"')[1].split("</section>")[0]
    assert section.count('class="bad"') == 2  # Swedish lacks a summary, English both


def test_a_save_racing_another_is_refused_by_the_version_check_in_the_database(app):
    """Both read version n; the other commits first; our UPDATE … WHERE edit_version = n matches nothing."""
    import pytest
    from sqlalchemy import update

    from kampus.authoring import services
    from kampus.catalogue.models import Module
    from kampus.errors import Conflict

    admin = make_user(None, admin=True, email="kilpa@example.fi")
    module = services.load_module("digipedagogiikka")
    version = module.edit_version
    record = services.snapshot(module) | {"title": {"fi": "Hävinnyt kilpajuoksun"}}
    with db.engine.begin() as other:
        other.execute(update(Module).where(Module.id == module.id).values(edit_version=version + 1))
    with pytest.raises(Conflict):
        services.update_module(admin, module, record, edit_version=version)
    db.session.rollback()
    assert get_module("digipedagogiikka").title["fi"] != "Hävinnyt kilpajuoksun"
