"""Choosing a password follows NIST SP 800-63B (issue 12, item 11): at least 10
characters; never a common password (zxcvbn's list), the person's own e-mail
address or name, or a trivially guessable one; the same rule on every door:
invitation, password reset, password change and ``kampus users create``."""

from __future__ import annotations

import pytest

from kampus.auth import tokens
from kampus.auth.passwords import COMMON, GUESSABLE, PERSONAL, TOO_SHORT, password_problem
from kampus.extensions import db
from tests.conftest import form_token
from tests.factories import PASSWORD, csrf_token, login, make_org, make_user

COMMON_FI = "Tämä salasana on yleisesti käytettyjen salasanojen luettelossa. Valitse toinen."
PERSONAL_FI = "Älä käytä salasanassa nimeäsi tai sähköpostiosoitettasi."
GUESSABLE_FI = "Tämä salasana on helppo arvata"
SHORT_FI = "Valitse salasana, jossa on vähintään 10 merkkiä."

REFUSED = [
    ("aaaaaaaaaa", GUESSABLE_FI),
    ("password12", COMMON_FI),
    ("Password12", COMMON_FI),
    ("1qaz2wsx3edc", COMMON_FI),
    ("qwertyuiop", COMMON_FI),
    ("abcdefghijk", GUESSABLE_FI),
    ("liisa.virtanen@example.fi", PERSONAL_FI),
    ("virtanen2026!", PERSONAL_FI),
    ("lyhyt", SHORT_FI),
]


@pytest.mark.parametrize(
    "password, expected",
    [
        ("aaaaaaaaaa", GUESSABLE),
        ("password12", COMMON),
        ("liisa.virtanen@example.fi", PERSONAL),
        ("LIISA-kesä-2026", PERSONAL),
        ("exampleexample", PERSONAL),
        ("123456789", TOO_SHORT),
        ("kirkas-aamu-järvellä", None),
        ("oikea-salasana-123", None),
    ],
)
def test_the_rule_itself(password, expected):
    assert password_problem(password, user_inputs=("liisa.virtanen@example.fi", "Liisa Virtanen")) == expected


@pytest.mark.parametrize("password, message", REFUSED)
def test_the_password_change_refuses_weak_passwords_beside_the_field(app, client, password, message):
    user = make_user(email="liisa.virtanen@example.fi", name="Liisa Virtanen")
    login(client, user.email)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": password,
            "new_password_again": password,
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert login(app.test_client(), user.email, PASSWORD).status_code == 302  # unchanged


@pytest.mark.parametrize("password, message", REFUSED[:3] + REFUSED[-3:])
def test_a_reset_link_refuses_weak_passwords(app, client, password, message):
    user = make_user(email="liisa.virtanen@example.fi", name="Liisa Virtanen")
    path = f"/password/reset/{tokens.make_token(tokens.PASSWORD_RESET, user)}"
    page = client.get(path).get_data(as_text=True)
    response = client.post(
        path, data={"password": password, "password_again": password, "csrf_token": form_token(page)}
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password, message",
    [
        ("salasana123", GUESSABLE_FI),
        ("aaaaaaaaaaaa", GUESSABLE_FI),
        ("virtanen-rocks", PERSONAL_FI),  # the name typed on the same form counts
        ("kutsuttu-vieras", PERSONAL_FI),  # the invited address's own part
    ],
)
def test_an_invitation_refuses_weak_passwords_and_keeps_the_name(app, client, password, message):
    person = make_user(make_org(), email="kutsuttu@example.fi", name="", password=None)
    path = f"/invitation/{tokens.make_token(tokens.INVITATION, person)}"
    page = client.get(path).get_data(as_text=True)
    response = client.post(
        path,
        data={
            "name": "Liisa Virtanen",
            "password": password,
            "password_again": password,
            "csrf_token": form_token(page),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html and 'value="Liisa Virtanen"' in html
    db.session.refresh(person)
    assert person.password_hash is None


def test_a_good_passphrase_is_accepted_everywhere(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", name="", password=None)
    path = f"/invitation/{tokens.make_token(tokens.INVITATION, person)}"
    page = client.get(path).get_data(as_text=True)
    response = client.post(
        path,
        data={
            "name": "Liisa Virtanen",
            "password": "kirkas-aamu-järvellä",
            "password_again": "kirkas-aamu-järvellä",
            "csrf_token": form_token(page),
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "language, text",
    [
        ("sv", "Det här lösenordet finns på en lista över vanliga lösenord. Välj ett annat."),
        ("en", "This password is on a list of common passwords. Choose another one."),
    ],
)
def test_the_refusal_speaks_the_persons_language(app, client, language, text):
    user = make_user(email="liisa@example.fi", language=language)
    login(client, user.email)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "password12",
            "new_password_again": "password12",
            "csrf_token": csrf_token(client, "/account"),
        },
    )
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password, message",
    [
        ("password12", "This password is on a list of common passwords."),
        ("maija.meikalainen1", "Do not use your name or e-mail address in your password."),
        ("aaaaaaaaaa", "This password is easy to guess"),
    ],
)
def test_kampus_users_create_refuses_weak_passwords(app, monkeypatch, password, message):
    monkeypatch.setenv("KAMPUS_USER_PASSWORD", password)
    result = app.test_cli_runner().invoke(args=["users", "create", "maija.meikalainen@example.fi", "--name", "Maija"])
    assert result.exit_code != 0 and message in result.output
    from kampus.auth.services import find_user_by_email

    assert find_user_by_email("maija.meikalainen@example.fi") is None
