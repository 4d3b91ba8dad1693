"""Signing in and out: hashed passwords, one message for both mistakes, rate
limits, safe ``next``, inactive and invited people, remember me, sessions."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from kampus.auth import services
from kampus.auth.models import User
from kampus.extensions import db
from tests.conftest import form_token
from tests.factories import PASSWORD, csrf_token, login, logout, make_org, make_user

WRONG = "Sähköpostiosoite tai salasana ei ole oikein."


def home(app) -> str:
    from kampus.auth.access import home_url

    with app.test_request_context():
        return home_url()


def test_passwords_are_stored_only_as_argon2_hashes(app):
    services.create_user("Maija.Virtanen@Example.fi", name="Maija", password="salainen-sana-99")
    db.session.commit()
    user = db.session.scalar(select(User))
    assert user.email == "maija.virtanen@example.fi"
    assert user.password_hash.startswith("$argon2")
    assert "salainen-sana-99" not in user.password_hash
    assert services.authenticate("MAIJA.virtanen@example.fi", "salainen-sana-99") == user


def test_sign_in_with_any_case_of_the_address_goes_to_the_start_page(app, client):
    make_user(email="liisa@example.fi")
    response = login(client, "  LIISA@Example.FI ")
    assert response.status_code == 302
    assert response.headers["Location"] == home(app)
    assert client.get("/account").status_code == 200


def test_wrong_password_and_unknown_address_get_the_same_answer(app, client):
    make_user(email="liisa@example.fi")
    wrong_password = login(client, "liisa@example.fi", "väärä-salasana")
    unknown = login(client, "nobody@example.fi", PASSWORD)
    assert wrong_password.status_code == unknown.status_code == 200
    for response in (wrong_password, unknown):
        html = response.get_data(as_text=True)
        assert html.count(WRONG) == 2  # the summary and beside the field
        assert 'value="väärä' not in html and PASSWORD not in html  # passwords are never echoed
    assert client.get("/account").status_code == 302


def test_failed_sign_ins_are_limited_per_address_with_a_clear_page(app, client):
    make_user(email="liisa@example.fi")
    for n in range(20):  # LOGIN_ADDRESS_RATE_LIMIT: 20 failures a minute from one address, whatever the account
        assert login(client, f"guess{n}@example.fi", "väärä").status_code == 200
    blocked = login(client, "liisa@example.fi", PASSWORD)  # even the right password waits
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429
    assert "Liian monta epäonnistunutta kirjautumisyritystä. Odota minuutti ja yritä uudelleen." in html
    assert 'name="email"' in html  # the sign-in form is still on the page
    assert client.get("/account").status_code == 302


def test_failed_sign_ins_at_one_account_from_one_address_are_limited_there_only(app):
    make_user(email="liisa@example.fi")
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    for _ in range(5):  # LOGIN_RATE_LIMIT: 5 failures a minute per (account, address)
        assert login(guesser, "Liisa@example.fi", "väärä").status_code == 200
    assert login(guesser, "liisa@example.fi", PASSWORD).status_code == 429
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert login(owner, "liisa@example.fi", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_use_up_the_limit(app, client):
    make_user(email="liisa@example.fi")
    for _ in range(7):
        assert login(client, "liisa@example.fi").status_code == 302
        logout(client)


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/x", "/\\elsewhere.example"])
def test_next_leading_off_site_is_ignored(app, client, target):
    make_user(email="liisa@example.fi")
    response = login(client, "liisa@example.fi", next=target)
    assert response.headers["Location"] == home(app)


def test_next_on_site_is_honoured(app, client):
    make_user(email="liisa@example.fi")
    assert login(client, "liisa@example.fi", next="/account").headers["Location"] == "/account"


def test_pages_needing_sign_in_send_visitors_to_the_sign_in_page_and_back(app, client):
    make_user(email="liisa@example.fi")
    response = client.get("/account")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query) == {"next": ["/account"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kirjaudu sisään nähdäksesi tämän sivun." in page
    assert re.search(r'action="/login\?next=(/|%2F)account"', page)
    response = client.post(
        "/login?next=/account", data={"email": "liisa@example.fi", "password": PASSWORD, "csrf_token": form_token(page)}
    )
    assert response.headers["Location"] == "/account"


def test_a_deactivated_person_cannot_sign_in(app, client):
    make_user(email="liisa@example.fi", active=False)
    response = login(client, "liisa@example.fi")
    assert response.status_code == 200
    assert "Tämä tili on poistettu käytöstä." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_deactivation_ends_a_running_session(app, client):
    user = make_user(email="liisa@example.fi")
    login(client, user.email)
    assert client.get("/account").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_an_invited_person_without_a_password_cannot_sign_in(app, client):
    make_user(email="kutsuttu@example.fi", password=None)
    for password in ("", "anything-at-all", "not-a-real-password"):
        response = login(client, "kutsuttu@example.fi", password)
        assert response.status_code == 200
    assert client.get("/account").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(app, client):
    make_user(email="liisa@example.fi")
    login(client, "liisa@example.fi")
    assert client.get("/logout").status_code == 405
    response = logout(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 302


def test_remember_me_sets_a_lasting_cookie_only_when_asked(app):
    make_user(email="liisa@example.fi")
    plain, remembered = app.test_client(), app.test_client()
    login(plain, "liisa@example.fi")
    login(remembered, "liisa@example.fi", remember=True)
    assert plain.get_cookie("remember_token") is None
    cookie = remembered.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_a_remembered_session_survives_the_session_cookie_but_not_a_password_change(app):
    user = make_user(email="liisa@example.fi")
    client = app.test_client()
    login(client, user.email, remember=True)
    client.delete_cookie("session")
    assert client.get("/account").status_code == 200
    services.set_password(user, "aivan-uusi-salasana")
    db.session.commit()
    client.delete_cookie("session")
    assert client.get("/account").status_code == 302


def test_the_sign_in_page_of_a_signed_in_person_leads_on(app, client):
    make_user(email="liisa@example.fi")
    login(client, "liisa@example.fi")
    assert client.get("/login?next=/account").headers["Location"] == "/account"


def test_the_navigation_shows_role_links(app, client):
    org = make_org()
    make_user(org, manager=True, email="m@example.fi")
    login(client, "m@example.fi")
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/org"' in html and 'href="/admin"' not in html
    assert csrf_token(client, "/account")
