"""The account page: name, language (which drives the interface), target group, password."""

from kampus.auth.models import User
from kampus.extensions import db
from tests.factories import PASSWORD, csrf_token, login, make_user


def test_choosing_swedish_turns_the_service_swedish(app, client):
    user = make_user(email="liisa@example.fi", language="fi")
    login(client, user.email)
    response = client.post(
        "/account",
        data={
            "name": "Liisa Virtanen",
            "language": "sv",
            "target_group": "guidance",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(user)
    assert (user.name, user.language, user.target_group) == ("Liisa Virtanen", "sv", "guidance")
    html = client.get("/account", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert '<html lang="sv">' in html and "Dina uppgifter sparades." in html


def test_profile_errors_are_shown_beside_the_field_and_input_is_kept(app, client):
    user = make_user(email="liisa@example.fi", name="Liisa")
    login(client, user.email)
    response = client.post(
        "/account",
        data={"name": "", "language": "en", "target_group": "it", "csrf_token": csrf_token(client, "/account")},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in html and "Anna nimesi." in html
    assert '<option selected value="it">' in html or 'value="it" selected' in html
    db.session.refresh(user)
    assert user.name == "Liisa" and user.target_group == "teaching"


def test_unknown_language_is_refused(app, client):
    user = make_user(email="liisa@example.fi")
    login(client, user.email)
    client.post(
        "/account",
        data={"name": "X", "language": "de", "target_group": "it", "csrf_token": csrf_token(client, "/account")},
    )
    db.session.refresh(user)
    assert user.language == "fi"


def test_changing_the_password_needs_the_current_one(app, client):
    user = make_user(email="liisa@example.fi")
    old_hash = user.password_hash
    login(client, user.email)
    response = client.post(
        "/account/password",
        data={
            "current_password": "väärä-salasana",
            "new_password": "uusi-salasana-456",
            "new_password_again": "uusi-salasana-456",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 200
    assert "Nykyinen salasana ei ole oikein." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_short_or_mismatched_new_passwords_are_refused(app, client):
    user = make_user(email="liisa@example.fi")
    login(client, user.email)
    token = csrf_token(client, "/account")
    short = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "lyhyt",
            "new_password_again": "lyhyt",
            "csrf_token": token,
        },
    )
    assert "Valitse salasana, jossa on vähintään 10 merkkiä." in short.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "uusi-salasana-456",
            "new_password_again": "toinen-salasana",
            "csrf_token": token,
        },
    )
    assert "Salasanat eivät täsmää." in mismatch.get_data(as_text=True)
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_a_changed_password_works_keeps_this_session_and_ends_the_others(app):
    user = make_user(email="liisa@example.fi")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user.email)
    login(elsewhere, user.email)
    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "uusi-salasana-456",
            "new_password_again": "uusi-salasana-456",
            "csrf_token": csrf_token(here, "/account"),
        },
    )
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert login(app.test_client(), user.email, PASSWORD).status_code == 200
    assert login(app.test_client(), user.email, "uusi-salasana-456").status_code == 302
    assert db.session.get(User, user.id).password_hash.startswith("$argon2")
