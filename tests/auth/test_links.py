"""Invitation and password-reset links: signed, seven days, once; e-mail or shown."""

import logging
import re
import socket
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from kampus.auth import services, tokens
from kampus.auth.models import User
from kampus.extensions import db
from tests.conftest import form_token
from tests.factories import csrf_token, login, logout, make_org, make_user

LINK = re.compile(r"http://localhost(/invitation/[\w.\-]+)")


def invite_through_the_page(client, email="uusi.opettaja@example.fi", name=""):
    response = client.post(
        "/org/staff/invite",
        data={"email": email, "name": name, "team": "", "csrf_token": csrf_token(client, "/org/staff/invite")},
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    match = LINK.search(html)
    assert match, "the invitation link is shown to the manager when there is no mail server"
    return match.group(1)


def token_made_days_ago(app, purpose, user, days):
    class Backdated(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - days * 24 * 3600

    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=purpose, signer=Backdated)
    return serializer.dumps(tokens.payload_for(user, purpose))


def accept(client, path, name="Uusi Opettaja", password="oma-salasana-123", again=None):
    page = client.get(path)
    return client.post(
        path,
        data={
            "name": name,
            "password": password,
            "password_again": again or password,
            "csrf_token": form_token(page.get_data(as_text=True)),
        },
    )


def test_an_invited_person_chooses_name_and_password_and_signs_in(app, client, caplog):
    org = make_org("Järvilaakso")
    manager = make_user(org, manager=True, email="m@example.fi")
    login(client, manager.email)
    with caplog.at_level(logging.INFO):
        path = invite_through_the_page(client)
    assert path not in caplog.text and path.rsplit("/", 1)[1] not in caplog.text  # never written to a log
    person = db.session.query(User).filter_by(email="uusi.opettaja@example.fi").one()
    assert person.organisation_id == org.id and person.password_hash is None

    newcomer = app.test_client()
    page = newcomer.get(path).get_data(as_text=True)
    assert "uusi.opettaja@example.fi" in page and "Järvilaakso" in page
    response = accept(newcomer, path)
    # Signed in at once and sent to their start page, not back to an empty sign-in form.
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    start = newcomer.get("/me")
    assert start.status_code == 200 and "Tilisi on valmis. Tervetuloa, Uusi Opettaja." in start.get_data(as_text=True)
    db.session.refresh(person)
    assert person.name == "Uusi Opettaja" and person.password_hash.startswith("$argon2")
    logout(newcomer)
    assert login(newcomer, "uusi.opettaja@example.fi", "oma-salasana-123").status_code == 302


def test_an_invitee_is_signed_in_and_sent_on_to_a_safe_next_page(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    with app.test_request_context():
        path = services.invitation_url(person).removeprefix("http://localhost")
    response = accept(client, path + "?next=/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    logout(client)
    other = make_user(make_org("Toinen"), email="toinen@example.fi", password=None)
    with app.test_request_context():
        path = services.invitation_url(other).removeprefix("http://localhost")
    response = accept(client, path + "?next=https://evil.example/")
    assert response.headers["Location"] == "/me"  # never off the site


def test_an_invitation_works_once(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    with app.test_request_context():
        path = services.invitation_url(person).removeprefix("http://localhost")
    assert accept(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 400
    assert "Linkki ei toimi" in again.get_data(as_text=True)


def test_an_invitation_keeps_what_was_typed_when_refused(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    with app.test_request_context():
        path = services.invitation_url(person).removeprefix("http://localhost")
    response = accept(client, path, name="Kalle Kutsuttu", password="lyhyt")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Kalle Kutsuttu"' in html
    assert "Valitse salasana, jossa on vähintään 10 merkkiä." in html
    db.session.refresh(person)
    assert person.password_hash is None


def test_an_expired_invitation_is_refused_with_a_clear_page(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    token = token_made_days_ago(app, tokens.INVITATION, person, 8)
    response = client.get(f"/invitation/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Linkki on vanhentunut" in html and "seitsemän päivää" in html
    assert 'name="password"' not in html
    # The refusal page has no form (visitors' pages carry no token), so the token comes from /login.
    data = {"name": "Uusi Opettaja", "password": "oma-salasana-123", "password_again": "oma-salasana-123"}
    response = client.post(f"/invitation/{token}", data=data | {"csrf_token": csrf_token(client)})
    assert response.status_code == 400 and "Linkki on vanhentunut" in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.password_hash is None


def test_a_six_day_old_invitation_still_works(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    token = token_made_days_ago(app, tokens.INVITATION, person, 6)
    assert client.get(f"/invitation/{token}").status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "x" + t,  # payload changed
        lambda t: t.split(".")[0],  # truncated
    ],
)
def test_a_tampered_invitation_is_refused(app, client, tamper):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    with app.test_request_context():
        token = tokens.make_token(tokens.INVITATION, person)
    response = client.get(f"/invitation/{tamper(token)}")
    assert response.status_code == 400 and "Linkki ei toimi" in response.get_data(as_text=True)


def test_a_reset_link_is_not_an_invitation_and_needs_the_right_key(app, client):
    person = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    with app.test_request_context():
        reset = tokens.make_token(tokens.PASSWORD_RESET, person)
    assert client.get(f"/invitation/{reset}").status_code == 400
    forged = URLSafeTimedSerializer("another-key", salt=tokens.INVITATION).dumps(
        tokens.payload_for(person, tokens.INVITATION)
    )
    assert client.get(f"/invitation/{forged}").status_code == 400


def test_forgotten_password_link_is_mailed_sets_a_new_password_and_works_once(mail_app, inbox):
    app = mail_app
    client = app.test_client()
    user = make_user(email="liisa@example.fi")
    response = client.post(
        "/password/forgot", data={"email": "LIISA@example.fi", "csrf_token": csrf_token(client, "/password/forgot")}
    )
    assert response.status_code == 302
    (link,) = inbox.links(r"http://localhost/password/reset/[\w.\-]+")
    path = link.removeprefix("http://localhost")
    page = client.get(path)
    response = client.post(
        path,
        data={
            "password": "uusi-salasana-456",
            "password_again": "uusi-salasana-456",
            "csrf_token": form_token(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert login(app.test_client(), user.email, "uusi-salasana-456").status_code == 302
    assert client.get(path).status_code == 400  # the password moved on: the link is spent


def test_forgotten_password_answers_the_same_for_unknown_addresses(mail_app, inbox):
    client = mail_app.test_client()
    make_user(email="liisa@example.fi")
    answers = []
    for email in ("liisa@example.fi", "nobody@example.fi"):
        response = client.post(
            "/password/forgot", data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")}
        )
        answers.append(
            (
                response.status_code,
                response.headers["Location"],
                client.get(response.headers["Location"]).get_data(as_text=True).count("on matkalla"),
            )
        )
        sent = [m["To"] for m in inbox.take()]
        assert sent == (["liisa@example.fi"] if email == "liisa@example.fi" else [])
    assert answers[0] == answers[1]


def test_invitations_go_by_smtp_when_a_mail_server_is_configured(make_app):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="kampus@kampus.example")
        with app.app_context():
            org = make_org("Järvilaakso")
            make_user(org, manager=True, email="m@example.fi")
            client = app.test_client()
            login(client, "m@example.fi")
            response = client.post(
                "/org/staff/invite",
                data={
                    "email": "uusi@example.fi",
                    "name": "",
                    "team": "",
                    "csrf_token": csrf_token(client, "/org/staff/invite"),
                },
            )
            html = client.get(response.headers["Location"]).get_data(as_text=True)
            assert "lähetettiin sähköpostitse osoitteeseen uusi@example.fi" in html
            assert "/invitation/" not in html  # the link went by e-mail only
    finally:
        controller.stop()
    assert len(received) == 1
    message = received[0]
    assert message["To"] == "uusi@example.fi" and message["From"] == "kampus@kampus.example"
    assert message["Subject"] == "Kutsu Kampukseen"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "Järvilaakso" in body and re.search(r"http://localhost/invitation/\S+", body)


def test_send_mail_without_a_server_logs_who_and_what_but_never_the_body(app, caplog):
    from kampus.auth.mail import send_mail

    with caplog.at_level(logging.DEBUG):
        assert send_mail("x@example.fi", "Aihe", "Viesti: http://localhost/password/reset/secret") is False
    assert "x@example.fi" in caplog.text and "Aihe" in caplog.text
    assert "Viesti" not in caplog.text and "secret" not in caplog.text
