"""Security hardening of accounts (issue 12, part A): links built from the configured
base URL, reset links only for their owner, per-user secrets binding links and
sessions, sign-out that revokes, login throttling without lock-out, no-store on
signed-in pages, and no secret link in any log."""

from __future__ import annotations

import hashlib
import logging
import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from kampus.auth import throttle, tokens
from kampus.auth.models import User
from kampus.extensions import db
from tests.conftest import form_token
from tests.factories import PASSWORD, csrf_token, login, logout, make_org, make_user

BASE = "https://kampus.example.fi"


@pytest.fixture
def site_app(make_app, inbox):
    """An app whose public address is ``BASE`` and which mails through the test inbox."""
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, KAMPUS_BASE_URL=BASE)
    with app.app_context():
        yield app


# --- 1. links that leave the site come from KAMPUS_BASE_URL -----------------------------


@pytest.mark.parametrize("how", ["host-header", "look-alike-host", "absolute-request-line"])
def test_a_forged_host_does_not_change_the_mailed_reset_link(site_app, inbox, how):
    make_user(email="liisa@example.fi")
    client = site_app.test_client()
    if how == "absolute-request-line":
        url, headers = "http://evil.example/password/forgot", {}
    else:
        host = "evil.example" if how == "host-header" else "127.0.0.1.evil.example"
        url, headers = "/password/forgot", {"Host": host}
    page = client.get(url, headers=headers)
    response = client.post(
        url, headers=headers, data={"email": "liisa@example.fi", "csrf_token": form_token(page.get_data(as_text=True))}
    )
    assert response.status_code == 302
    (message,) = inbox.take()
    links = re.findall(r"https?://\S+", message.get_content())
    assert links and all(link.startswith(BASE + "/password/reset/") for link in links), links
    assert "evil" not in message.get_content()


def test_invitation_links_come_from_the_base_url_whatever_the_host(site_app, inbox):
    org = make_org()
    make_user(org, manager=True, email="m@example.fi")
    client = site_app.test_client()
    headers = {"Host": "evil.example"}
    login_page = client.get("/login", headers=headers)
    client.post(
        "/login",
        headers=headers,
        data={
            "email": "m@example.fi",
            "password": PASSWORD,
            "csrf_token": form_token(login_page.get_data(as_text=True)),
        },
    )
    page = client.get("/org/staff/invite", headers=headers)
    client.post(
        "/org/staff/invite",
        headers=headers,
        data={
            "email": "uusi@example.fi",
            "name": "",
            "team": "",
            "csrf_token": form_token(page.get_data(as_text=True)),
        },
    )
    (message,) = inbox.take()
    assert re.search(re.escape(BASE) + r"/invitation/\S+", message.get_content())
    assert "evil" not in message.get_content()


def test_external_url_works_outside_a_request_and_keeps_a_path_prefix(make_app):
    from kampus.links import external_url

    app = make_app("empty", KAMPUS_BASE_URL="https://opisto.example.fi/kampus")
    with app.app_context():
        assert external_url("auth.login") == "https://opisto.example.fi/kampus/login"
        assert external_url("auth.reset_password", token="abc") == "https://opisto.example.fi/kampus/password/reset/abc"


# --- 2. a manager never sees a password link -----------------------------------------------


def test_a_manager_gets_no_password_link_for_someone_who_has_signed_up(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    staff = client.get("/org/staff").get_data(as_text=True)
    assert f"/org/staff/{world.learner_a.id}/link" not in staff  # no button for the signed up
    assert f"/org/staff/{world.invited_a.id}/link" in staff
    response = client.post(
        f"/org/staff/{world.learner_a.id}/link", data={"csrf_token": csrf_token(client, "/org/staff")}
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "/password/reset/" not in html and "/invitation/" not in html
    assert "on jo ottanut tilinsä käyttöön" in html and "Unohtuiko salasana?" in html


def test_a_manager_sends_a_signed_up_colleague_no_mail_either(make_app, inbox):
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
    with app.app_context():
        org = make_org()
        make_user(org, manager=True, email="m@example.fi")
        colleague = make_user(org, manager=True, email="co@example.fi")
        client = app.test_client()
        login(client, "m@example.fi")
        client.post(f"/org/staff/{colleague.id}/link", data={"csrf_token": csrf_token(client, "/org/staff")})
    assert inbox.take() == []


# --- 4. per-user secrets: nobody mints a link without it -----------------------------------


def _signed(app, purpose: str, payload) -> str:
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=purpose).dumps(payload)


def test_knowing_the_secret_key_is_not_enough_to_mint_an_invitation(app, client):
    invitee = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    # The fingerprint every pending invitee used to share, and a few other guesses.
    for guess in (hashlib.sha256(b"no-password").hexdigest()[:16], "", None, "0" * 32):
        token = _signed(app, tokens.INVITATION, {"u": invitee.id, "f": guess})
        response = client.get(f"/invitation/{token}")
        assert response.status_code == 400 and 'name="password"' not in response.get_data(as_text=True)


def test_one_persons_link_does_not_open_another_persons_account(app, client):
    org = make_org()
    a = make_user(org, email="a@example.fi", password=None)
    b = make_user(org, email="b@example.fi", password=None)
    assert a.secret and b.secret and a.secret != b.secret
    b_payload = tokens.payload_for(b, tokens.INVITATION)
    assert client.get(f"/invitation/{_signed(app, tokens.INVITATION, {**b_payload, 'u': a.id})}").status_code == 400
    genuine = client.get(f"/invitation/{tokens.make_token(tokens.INVITATION, b)}").get_data(as_text=True)
    assert "b@example.fi" in genuine and "a@example.fi" not in genuine


def test_a_session_of_one_person_does_not_name_another_with_the_same_password(app):
    from kampus.auth.views import load_user

    a, b = make_user(email="a@example.fi"), make_user(email="b@example.fi")
    assert a.password_hash == b.password_hash  # the factories share one hash per password
    assert a.fingerprint("session") != b.fingerprint("session")
    assert load_user(f"{b.id}:{a.fingerprint('session')}") is None
    assert load_user(a.get_id()).id == a.id


# --- 5. signing out revokes every copy of the session -----------------------------------------


def _copy_cookie(source, target, name):
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value)


def test_a_copied_session_cookie_stops_working_after_logout(app):
    make_user(email="liisa@example.fi")
    browser, thief = app.test_client(), app.test_client()
    login(browser, "liisa@example.fi")
    _copy_cookie(browser, thief, "session")
    assert thief.get("/account").status_code == 200
    logout(browser)
    assert thief.get("/account").status_code == 302


def test_a_copied_remember_cookie_stops_working_after_logout(app):
    make_user(email="liisa@example.fi")
    browser, thief = app.test_client(), app.test_client()
    login(browser, "liisa@example.fi", remember=True)
    _copy_cookie(browser, thief, "remember_token")
    assert thief.get("/account").status_code == 200  # signed in by the cookie alone
    thief.delete_cookie("session")
    logout(browser)
    assert thief.get("/account").status_code == 302


def test_sign_out_everywhere_ends_every_session_of_the_person(app):
    make_user(email="liisa@example.fi")
    here, phone, laptop = app.test_client(), app.test_client(), app.test_client()
    login(here, "liisa@example.fi")
    login(phone, "liisa@example.fi", remember=True)
    login(laptop, "liisa@example.fi")
    page = here.get("/account").get_data(as_text=True)
    assert 'action="/account/sign-out-everywhere"' in page and "Kirjaudu ulos kaikilla laitteilla" in page
    assert here.get("/account/sign-out-everywhere").status_code == 405  # a POST with CSRF only
    assert here.post("/account/sign-out-everywhere", data={}).status_code == 400
    response = here.post("/account/sign-out-everywhere", data={"csrf_token": form_token(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    phone.delete_cookie("session")
    for client in (here, phone, laptop):
        assert client.get("/account").status_code == 302
    assert login(app.test_client(), "liisa@example.fi").status_code == 302  # the password still works


def test_a_password_reset_ends_the_sessions_opened_before_it(app, client):
    user = make_user(email="liisa@example.fi")
    elsewhere = app.test_client()
    login(elsewhere, user.email, remember=True)
    path = f"/password/reset/{tokens.make_token(tokens.PASSWORD_RESET, user)}"
    page = client.get(path)
    client.post(
        path,
        data={
            "password": "uusi-salasana-456",
            "password_again": "uusi-salasana-456",
            "csrf_token": form_token(page.get_data(as_text=True)),
        },
    )
    elsewhere.delete_cookie("session")
    assert elsewhere.get("/account").status_code == 302


def test_reactivation_does_not_bring_back_the_sessions_or_links_of_before(app, world):
    learner, manager = app.test_client(), app.test_client()
    login(learner, world.learner_a.email, remember=True)
    reset = tokens.make_token(tokens.PASSWORD_RESET, world.learner_a)
    login(manager, world.manager_a.email)
    for action in ("deactivate", "reactivate"):
        manager.post(
            f"/org/staff/{world.learner_a.id}/{action}",
            data={"csrf_token": csrf_token(manager, "/org/staff"), "confirm": "yes"},
        )
    db.session.refresh(world.learner_a)
    assert world.learner_a.active
    assert learner.get("/account").status_code == 302
    assert learner.get(f"/password/reset/{reset}").status_code == 400


# --- 6. failures at one account slow it down; they never lock its owner out --------------------


def test_failures_from_many_addresses_slow_the_account_down_but_never_lock_out_its_owner(app, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(throttle, "sleep", waits.append)
    make_user(email="liisa@example.fi")
    for n in range(12):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert login(guesser, "liisa@example.fi", "väärä-salasana").status_code == 200
    assert waits == sorted(waits) and waits[0] > 0 and max(waits) <= app.config["LOGIN_DELAY_MAX"]
    assert len(waits) == 12 - app.config["LOGIN_ACCOUNT_FREE_FAILURES"]
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    response = owner.post(
        "/login", data={"email": "liisa@example.fi", "password": PASSWORD, "csrf_token": csrf_token(owner)}
    )
    assert response.status_code == 302  # slowed down, not refused
    assert waits[-1] == app.config["LOGIN_DELAY_MAX"]
    # After the owner's success the account starts afresh.
    waits.clear()
    assert login(app.test_client(), "liisa@example.fi", "väärä-salasana").status_code == 200
    assert waits == []


# --- 12. nothing of a signed-in page is kept in a cache ------------------------------------------


@pytest.mark.parametrize("path", ["/", "/account", "/me", "/modules/digcomp-perusteet"])
def test_every_page_of_a_signed_in_person_is_no_store(app, client, path):
    make_user(email="liisa@example.fi")
    login(client, "liisa@example.fi")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_sign_in_and_link_pages_are_no_store_and_static_files_stay_cached(app, client):
    invitee = make_user(make_org(), email="kutsuttu@example.fi", password=None)
    for path in (
        "/login",
        "/password/forgot",
        f"/invitation/{tokens.make_token(tokens.INVITATION, invitee)}",
        "/invitation/broken",
    ):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path
        if path.startswith("/invitation/"):  # a secret link's page never sends its address on
            assert response.headers["Referrer-Policy"] == "no-referrer"
    make_user(email="liisa@example.fi")
    login(client, "liisa@example.fi")
    css = re.search(r'href="(/static/css/kampus\.css\?v=\w+)"', client.get("/").get_data(as_text=True)).group(1)
    assert "max-age=31536000" in client.get(css).headers["Cache-Control"]


# --- 13. no link, token or password in any log ---------------------------------------------------


def test_no_link_token_or_password_is_ever_logged(app, world, caplog):
    chosen = "kirkas-aamu-järvellä-7"
    with caplog.at_level(logging.DEBUG):
        manager = app.test_client()
        login(manager, world.manager_a.email)
        token = csrf_token(manager, "/org/staff/invite")
        shown = ""
        for url, data in (
            ("/org/staff/invite", {"email": "uusi@example.fi", "name": "", "team": ""}),
            (f"/org/staff/{world.invited_a.id}/link", {}),
            (f"/org/staff/{world.learner_a.id}/link", {}),
        ):
            response = manager.post(url, data={**data, "csrf_token": token})
            shown += manager.get(response.headers["Location"]).get_data(as_text=True)
        anonymous = app.test_client()
        anonymous.post(
            "/password/forgot",
            data={"email": world.learner_a.email, "csrf_token": csrf_token(anonymous, "/password/forgot")},
        )
        invitee = db.session.scalar(select(User).where(User.email == "uusi@example.fi"))
        path = f"/invitation/{tokens.make_token(tokens.INVITATION, invitee)}"
        page = anonymous.get(path)
        anonymous.post(
            path,
            data={
                "name": "Uusi Ihminen",
                "password": chosen,
                "password_again": chosen,
                "csrf_token": form_token(page.get_data(as_text=True)),
            },
        )
    assert "/invitation/" in shown  # the invitation was shown to the manager (no mail server) ...
    log = caplog.text
    assert "mail not sent" in log  # ... and the log says a mail did not go, without its content
    # The request log names routes by their rule (/invitation/<token>, redacted), never the concrete path.
    messages = "\n".join(r.getMessage() for r in caplog.records if r.name != "kampus.request")
    assert "/invitation/" not in messages and "/password/reset/" not in messages
    for token in re.findall(r"/invitation/([\w.\-]+)", shown) + [path.rsplit("/", 1)[1]]:
        assert token not in log
    assert chosen not in log


def test_a_failing_mail_server_logs_no_link_either(make_app, caplog):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        make_user(email="liisa@example.fi")
        client = app.test_client()
        with caplog.at_level(logging.DEBUG):
            client.post(
                "/password/forgot",
                data={"email": "liisa@example.fi", "csrf_token": csrf_token(client, "/password/forgot")},
            )
    # The outbox says the delivery failed and will be retried; the message (with its link) stays in the database.
    assert "(mail) retry: ConnectionRefusedError" in caplog.text
    assert "/password/reset/" not in caplog.text
