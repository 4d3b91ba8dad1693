"""Public pages: language choice, the accessibility statement and its feedback channel, safe redirects."""

from sqlalchemy import func, select

from kampus.extensions import db
from kampus.main.models import AccessibilityFeedback
from kampus.security import is_safe_next
from tests.conftest import form_token


def test_finnish_is_the_default_language(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fi">' in html
    assert "Saavutettavuusseloste" in html


def test_accept_language_picks_swedish(client):
    html = client.get("/", headers={"Accept-Language": "sv-FI,sv;q=0.9"}).get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Tillgänglighetsutlåtande" in html


def test_switcher_choice_beats_accept_language_and_stays_on_site(client):
    response = client.post("/language", data={"lang": "en", "next": "/accessibility"})
    assert response.status_code == 302 and response.headers["Location"] == "/accessibility"
    html = client.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Accessibility statement" in html
    response = client.post("/language", data={"lang": "fi", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_visitors_language_switch_needs_no_token_but_stays_on_the_site(client):
    # A visitor's switch only sets their own session's display language (kampus.main.views.set_language).
    response = client.post("/language", data={"lang": "en", "next": "/accessibility"})
    assert response.status_code == 302 and response.headers["Location"] == "/accessibility"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"lang": "sv", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_signed_in_persons_language_switch_needs_the_csrf_token(app, client):
    from tests.factories import login, make_user

    user = make_user(None, email="kielet@example.fi", name="Kieli Vaihtaja")
    assert login(client, "kielet@example.fi").status_code == 302
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 400
    db.session.refresh(user)
    assert user.language != "en"
    html = client.get("/").get_data(as_text=True)
    assert 'name="csrf_token"' in html.split('class="lang-switch"')[1].split("</form>")[0]
    response = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": form_token(html)})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.language == "en"


def test_a_cached_visitor_page_opens_no_session_and_sets_no_cookie(app):
    visitor = app.test_client()
    for url in ("/", "/", "/themes/pedagogiikka", "/themes/pedagogiikka"):
        response = visitor.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url
    html = response.get_data(as_text=True)
    switch = html.split('class="lang-switch"')[1].split("</form>")[0]
    assert "csrf_token" not in switch and 'value="sv"' in switch


def test_accessibility_feedback_is_stored(client):
    token = form_token(client.get("/accessibility").get_data(as_text=True))
    response = client.post(
        "/accessibility",
        data={"message": "Kaavion värit ovat vaikeita erottaa.", "email": "maija@example.fi", "csrf_token": token},
    )
    assert response.status_code == 302
    stored = db.session.scalars(select(AccessibilityFeedback)).one()
    assert stored.message == "Kaavion värit ovat vaikeita erottaa." and stored.email == "maija@example.fi"


def test_accessibility_feedback_rejects_bad_input_and_keeps_it(client):
    token = form_token(client.get("/accessibility").get_data(as_text=True))
    response = client.post(
        "/accessibility", data={"message": "Linkki ei toimi", "email": "not-an-address", "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Linkki ei toimi" in html and 'value="not-an-address"' in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(func.count(AccessibilityFeedback.id))) == 0


def test_safe_next_accepts_only_site_paths():
    assert is_safe_next("/me?tab=1")
    for bad in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", None, "me"):
        assert not is_safe_next(bad), bad


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Sivua ei löydy" in response.get_data(as_text=True)
