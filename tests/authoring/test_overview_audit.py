"""The content overview, the theme editor and the audit log's filters."""

from __future__ import annotations

from kampus.catalogue.services import current_version
from kampus.extensions import db
from kampus.progress.models import Feedback
from tests.authoring.helpers import admin_client, audit_entries, editor_data, get_module
from tests.factories import make_user


def test_overview_shows_warnings_translations_self_checks_and_ratings(app):
    client, _admin = admin_client(app)
    module = get_module("digipedagogiikka")
    module.title = {"fi": "Vain suomeksi"}
    for n, (rating, comment) in enumerate([(4, "Hyvä kurssi"), (2, "")]):
        person = make_user(None, email=f"arvioija{n}@example.fi")
        db.session.add(Feedback(user_id=person.id, module_id=module.id, rating=rating, comment=comment))
    db.session.commit()
    html = client.get("/admin/content").get_data(as_text=True)
    row = html.split('data-slug="digipedagogiikka"')[1].split("</tr>")[0]
    assert "3,0 / 5" in row and "(2 " in row  # average of 4 and 2, two ratings, a Finnish decimal comma
    assert "<td>1</td>" in row  # one comment
    assert "Hyvä kurssi" in html
    assert 'id="checks-title"' in html


def test_overview_is_a_bounded_number_of_queries(app, count_queries):
    client, _admin = admin_client(app)
    client.get("/admin/content")
    with count_queries(app) as counter:
        client.get("/admin/content")
    assert counter.count <= 12


def test_theme_editor_saves_three_languages_and_position(app):
    client, admin = admin_client(app)
    url = "/admin/content/themes/pedagogiikka/edit"
    version = current_version()
    data = editor_data(client.get(url).get_data(as_text=True)) | {
        "title_sv": "Pedagogik",
        "title_en": "Pedagogy",
        "description_en": "Teaching with digital tools.",
        "position": "3",
    }
    assert client.post(url, data=data).status_code == 302
    from sqlalchemy import select

    from kampus.catalogue.models import Theme

    db.session.expire_all()
    theme = db.session.scalar(select(Theme).where(Theme.slug == "pedagogiikka"))
    assert theme.title["sv"] == "Pedagogik" and theme.position == 3
    assert theme.description["en"] == "Teaching with digital tools."
    assert current_version() == version + 1
    [entry] = audit_entries(action="theme.update")
    assert entry.theme_slug == "pedagogiikka" and entry.user_id == admin.id and "title" in entry.changes


def test_theme_needs_a_finnish_title(app):
    client, _admin = admin_client(app)
    url = "/admin/content/themes/pedagogiikka/edit"
    data = editor_data(client.get(url).get_data(as_text=True)) | {"title_fi": "", "title_sv": "Kvar"}
    html = client.post(url, data=data).get_data(as_text=True)
    assert 'id="title_fi-error"' in html and 'value="Kvar"' in html


def test_audit_log_filters_by_module_and_author(app):
    first, one = admin_client(app, "eka@example.fi")
    second, two = admin_client(app, "toka@example.fi")
    for client, slug, title in ((first, "digipedagogiikka", "Ykkösen"), (second, "hybridi-ja-etaopetus", "Kakkosen")):
        url = f"/admin/content/modules/{slug}/edit"
        data = editor_data(client.get(url).get_data(as_text=True)) | {"action": "save", "title_fi": title}
        assert client.post(url, data=data).status_code == 302
    assert len(audit_entries()) == 2
    html = first.get("/admin/content/audit").get_data(as_text=True)
    assert "Ykkösen" in html and "Kakkosen" in html
    html = first.get("/admin/content/audit?module=digipedagogiikka").get_data(as_text=True)
    assert "Ykkösen" in html and "Kakkosen" not in html
    html = first.get(f"/admin/content/audit?author={two.id}").get_data(as_text=True)
    assert "Kakkosen" in html and "Ykkösen" not in html
