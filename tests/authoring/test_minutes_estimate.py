"""The module editor shows the study time the content supports beside the
author's figure, and questions a figure far from it without refusing it."""

from kampus.catalogue.estimate import count_words, estimate_minutes
from kampus.extensions import db
from tests.authoring.helpers import admin_client, editor_data, get_module

SLUG = "oppimateriaalin-laatu"


def edit_url(slug: str) -> str:
    return f"/admin/content/modules/{slug}/edit"


def test_the_editor_shows_the_estimate_and_warns_about_an_inflated_figure(app):
    client, _admin = admin_client(app)
    module = get_module(SLUG)
    words = count_words(*(s.title["fi"] + "\n" + s.body["fi"] for s in module.sections))
    expected = estimate_minutes(words, len(module.questions), bool(module.reflection))
    module.minutes = 4 * expected  # an inflated figure, as the first seed had
    db.session.commit()
    html = client.get(edit_url(SLUG)).get_data(as_text=True)
    assert f"Sisällön perusteella arvio on noin {expected} minuuttia" in html
    assert 'id="minutes-warning"' in html and "yli 1,5 kertaa arvio" in html

    # a figure close to the estimate: saved, and no warning
    data = editor_data(html)
    data.update(action="save", minutes=str(expected))
    response = client.post(edit_url(SLUG), data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert get_module(SLUG).minutes == expected
    assert 'id="minutes-warning"' not in client.get(edit_url(SLUG)).get_data(as_text=True)


def test_a_figure_far_from_the_estimate_is_a_warning_not_an_error(app):
    client, _admin = admin_client(app)
    html = client.get(edit_url(SLUG)).get_data(as_text=True)
    data = editor_data(html)
    data.update(action="preview", minutes="1")
    preview = client.post(edit_url(SLUG), data=data).get_data(as_text=True)
    assert "alle puolet arviosta" in preview
    data.update(action="save")
    assert client.post(edit_url(SLUG), data=data).status_code == 302
    assert get_module(SLUG).minutes == 1
