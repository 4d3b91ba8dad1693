"""The sign-in page with organisations' own sign-in: e-mail first, the picker, and an
organisation that requires SSO."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.factories import PASSWORD, csrf_token, login, make_org, make_user
from tests.sso.factories import make_provider

CONFIG = {"issuer": "http://127.0.0.1:9/none", "client_id": "c", "client_secret": "s"}


def test_an_address_of_an_organisation_with_sso_goes_there_without_a_password(app, client):
    org = make_org()
    provider = make_provider(org, config=CONFIG, domains="first.example, other-first.example")
    token = csrf_token(client)

    response = client.post(
        "/login?next=/paths", data={"email": "Someone@Other-First.example", "password": "", "csrf_token": token}
    )

    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/sso/{provider.slug}/start"
    assert parse_qs(target.query) == {"next": ["/paths"], "login_hint": ["someone@other-first.example"]}
    onward = client.get(response.headers["Location"])
    assert onward.headers["Location"] == (
        f"/sso/oidc/{provider.slug}/login?next=/paths&login_hint=someone@other-first.example"
    )


def test_the_organisation_button_with_an_address_without_sso_says_so(app, client):
    make_provider(make_org(), config=CONFIG, domains="has-sso.example")
    token = csrf_token(client)

    response = client.post("/login", data={"email": "a@no-sso.example", "action": "sso", "csrf_token": token})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "a@no-sso.example has no organisation sign-in. Sign in with your password." in page
    assert 'value="a@no-sso.example"' in page


def test_the_organisation_button_without_an_address_asks_only_for_it(app, client):
    make_provider(make_org(), config=CONFIG, domains="button.example")
    response = client.post("/login", data={"email": "", "action": "sso", "csrf_token": csrf_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter your e-mail address." in page and "Enter your password." not in page


def test_an_empty_password_without_sso_still_asks_for_the_password(app, client):
    response = client.post("/login", data={"email": "a@no-sso.example", "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert "Enter your password." in response.get_data(as_text=True)


def test_the_picker_lists_switched_on_providers_and_keeps_next(app, client):
    org = make_org(name="Pickerin opisto")
    provider = make_provider(org, config=CONFIG, domains="picker.example")
    off = make_provider(make_org(), config=CONFIG, domains="off.example")
    off.enabled = False
    from kampus.extensions import db

    db.session.commit()
    page = client.get("/login?next=/paths").get_data(as_text=True)
    assert f'href="/sso/{provider.slug}/start?next=/paths"' in page
    assert off.slug not in page
    assert client.get(f"/sso/{off.slug}/start").status_code == 404


def test_an_off_site_next_is_dropped(app, client):
    provider = make_provider(make_org(), config=CONFIG, domains="offsite.example")
    response = client.get(f"/sso/{provider.slug}/start?next=https://evil.example/")
    assert response.headers["Location"] == f"/sso/oidc/{provider.slug}/login"


def test_an_organisation_that_requires_sso_refuses_its_staffs_passwords(app, client):
    org = make_org(name="Tiukka opisto")
    make_provider(org, config=CONFIG, domains="strict-sso.example", require_sso=True)
    teacher = make_user(org, email="opettaja@strict-sso.example")

    response = login(client, teacher.email, PASSWORD)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Tiukka opisto signs its staff in through Tiukka opisto ID, not with a password." in page
    assert "Sign in with your organisation" in page
    assert client.get("/account").status_code == 302


def test_a_wrong_password_does_not_reveal_that_sso_is_required(app, client):
    org = make_org(name="Tiukka opisto")
    make_provider(org, config=CONFIG, domains="strict2.example", require_sso=True)
    teacher = make_user(org, email="opettaja@strict2.example")
    page = login(client, teacher.email, "wrong-password-1").get_data(as_text=True)
    assert "The e-mail address or password is not correct." in page
    assert "signs its staff in through" not in page


def test_administrators_keep_their_password_when_sso_is_required(app, client):
    org = make_org()
    make_provider(org, config=CONFIG, domains="strict3.example", require_sso=True)
    admin = make_user(org, admin=True, email="admin@strict3.example")
    response = login(client, admin.email, PASSWORD)
    assert response.status_code == 302


def test_without_the_requirement_staff_may_still_use_their_password(app, client):
    org = make_org()
    make_provider(org, config=CONFIG, domains="relaxed.example")
    teacher = make_user(org, email="opettaja@relaxed.example")
    assert login(client, teacher.email, PASSWORD).status_code == 302


def test_staff_of_an_organisation_that_requires_sso_get_no_password_links(mail_app, inbox):
    client = mail_app.test_client()
    strict = make_org()
    make_provider(strict, config=CONFIG, domains="nolinks.example", require_sso=True)
    make_user(strict, email="opettaja@nolinks.example")
    make_user(strict, admin=True, email="admin@nolinks.example")
    for address in ("opettaja@nolinks.example", "admin@nolinks.example"):
        response = client.post(
            "/password/forgot", data={"email": address, "csrf_token": csrf_token(client, "/password/forgot")}
        )
        assert response.status_code == 302  # the same answer either way
    assert [message["To"] for message in inbox.take()] == ["admin@nolinks.example"]
