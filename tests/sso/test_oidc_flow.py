"""Signing in through a real OpenID Connect provider (oidc-provider on a loopback port), with
the test client as Kampus's side and ``requests`` as the browser at the IdP."""

from __future__ import annotations

from urllib.parse import urlsplit

from kampus.auth.models import User
from kampus.extensions import db
from kampus.sso.models import ExternalIdentity
from tests.factories import make_org, make_user
from tests.sso.conftest import english
from tests.sso.factories import make_provider


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sign_in(client, idp, provider, sub, *, next_url=None):
    """Start at Kampus, sign in at the IdP, come back; the callback's response."""
    start = client.get(f"/sso/oidc/{provider.slug}/login" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = idp.authorize(start.headers["Location"], sub)
    return client.get(_path(callback)), callback


def test_first_sign_in_creates_the_account_in_the_providers_organisation(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="jit.example")
    oidc_idp.add_account("jit-1", email="Uusi.Opettaja@jit.example", name="Uusi Opettaja", groups="teacher")

    response, _callback = sign_in(client, oidc_idp, provider, "jit-1", next_url="/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    user = db.session.scalar(db.select(User).where(User.email == "uusi.opettaja@jit.example"))
    assert user.organisation_id == org.id and user.name == "Uusi Opettaja" and not user.is_manager
    assert client.get("/account").status_code == 200


def _identities(provider):
    return db.session.scalars(db.select(ExternalIdentity).where(ExternalIdentity.provider_id == provider.id)).all()


def test_a_verified_address_links_the_existing_person_and_the_subject_survives_an_email_change(app, client, oidc_idp):
    org = make_org()
    person = make_user(org, email="maija@link.example", name="Maija")
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="link.example")
    oidc_idp.add_account("link-1", email="maija@link.example", name="Maija M")

    response, _ = sign_in(client, oidc_idp, provider, "link-1")
    assert response.status_code == 302
    assert [(i.subject, i.user_id) for i in _identities(provider)] == [("link-1", person.id)]

    # The IdP now says she is maija.virtanen@…: still the same person, not a second account.
    client.post("/logout", data={"csrf_token": _token(client)})
    oidc_idp.add_account("link-1", email="maija.virtanen@link.example", name="Maija M")
    response, _ = sign_in(client, oidc_idp, provider, "link-1")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.organisation_id == org.id)) == 1
    assert db.session.get(User, person.id).email == "maija.virtanen@link.example"


def _token(client):
    from tests.conftest import form_token

    return form_token(client.get("/account").get_data(as_text=True))


def test_an_address_of_another_organisation_is_never_linked(app, client, oidc_idp):
    other = make_org()
    make_user(other, email="kaisa@shared.example")
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="shared.example")
    oidc_idp.add_account("cross-1", email="kaisa@shared.example")

    response, _ = sign_in(client, oidc_idp, provider, "cross-1")

    assert response.status_code == 403
    assert "has an account in another organisation" in response.get_data(as_text=True)
    assert _identities(provider) == []
    assert client.get("/account").status_code == 302  # not signed in


def test_roles_follow_a_multivalued_claim_at_every_sign_in(app, client, oidc_idp):
    org = make_org()
    rules = [{"claim": "groups", "value": "kampus-managers", "role": "manager"}]
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="roles.example", role_rules=rules)
    oidc_idp.add_account("roles-1", email="esihenkilo@roles.example", groups="teacher;Kampus-Managers;guidance")

    response, _ = sign_in(client, oidc_idp, provider, "roles-1")
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "esihenkilo@roles.example"))
    assert user.is_manager
    assert client.get("/org").status_code == 200

    client.post("/logout", data={"csrf_token": _token(client)})
    oidc_idp.add_account("roles-1", email="esihenkilo@roles.example", groups="teacher")
    sign_in(client, oidc_idp, provider, "roles-1")
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_manager
    assert client.get("/org").status_code == 403


def test_a_deactivated_person_is_refused_whatever_the_idp_says(app, client, oidc_idp):
    org = make_org()
    make_user(org, email="poissa@gone.example", active=False)
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="gone.example")
    oidc_idp.add_account("gone-1", email="poissa@gone.example")

    response, _ = sign_in(client, oidc_idp, provider, "gone-1")

    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_an_administrator_is_never_signed_in_by_an_idp(app, client, oidc_idp):
    org = make_org()
    make_user(org, admin=True, email="paakayttaja@admins.example")
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="admins.example")
    oidc_idp.add_account("admin-1", email="paakayttaja@admins.example")

    response, _ = sign_in(client, oidc_idp, provider, "admin-1")

    assert response.status_code == 403
    assert "Administrators sign in with their password." in response.get_data(as_text=True)
    assert _identities(provider) == []


def test_an_unverified_address_or_one_outside_the_domains_is_refused(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="strict.example")
    oidc_idp.add_account("unverified-1", email="a@strict.example", email_verified=False)
    oidc_idp.add_account("outside-1", email="someone@gmail.example")

    response, _ = sign_in(client, oidc_idp, provider, "unverified-1")
    assert response.status_code == 403 and "has not confirmed" in response.get_data(as_text=True)
    response, _ = sign_in(english(app.test_client()), oidc_idp, provider, "outside-1")
    assert response.status_code == 403 and "is not an address of" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.organisation_id == org.id)) == 0


def test_a_replayed_callback_is_refused(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="replay.example")
    oidc_idp.add_account("replay-1", email="r@replay.example")

    first, callback = sign_in(client, oidc_idp, provider, "replay-1")
    assert first.status_code == 302
    again = client.get(_path(callback))
    assert again.status_code == 400
    assert "Tämä kirjautuminen on jo käytetty" in again.get_data(as_text=True)  # in the signed-in person's Finnish
    # Nor in another browser that never started a sign-in.
    stranger = english(app.test_client()).get(_path(callback))
    assert stranger.status_code == 400
    assert "This sign-in has already been used" in stranger.get_data(as_text=True)


def test_a_callback_after_ten_minutes_is_refused_as_expired(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="slow.example")
    oidc_idp.add_account("slow-1", email="s@slow.example")
    start = client.get(f"/sso/oidc/{provider.slug}/login")
    callback = oidc_idp.authorize(start.headers["Location"], "slow-1")
    with client.session_transaction() as session:
        pending = session["sso_oidc_pending"]
        pending[-1]["created"] -= 11 * 60
        session["sso_oidc_pending"] = pending

    response = client.get(_path(callback))

    assert response.status_code == 400
    assert "within ten minutes" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_a_tampered_state_or_a_cancelled_sign_in_is_refused(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config(), domains="tamper.example")
    client.get(f"/sso/oidc/{provider.slug}/login")
    forged = client.get(f"/sso/oidc/{provider.slug}/callback?code=abc&state=not-mine")
    assert forged.status_code == 400
    cancelled = client.get(f"/sso/oidc/{provider.slug}/callback?error=access_denied&state=x")
    assert cancelled.status_code == 400
    assert "cancelled" in cancelled.get_data(as_text=True)


def test_private_key_jwt_signs_kampus_in_at_the_token_endpoint(app, client, oidc_idp):
    org = make_org()
    config = oidc_idp.provider_config(
        client_id=oidc_idp.key_client_id,
        auth_method="private_key_jwt",
        private_key=oidc_idp.client_private_key_pem,
        client_secret=None,
    )
    provider = make_provider(org, config=config, domains="keys.example")
    oidc_idp.add_account("keys-1", email="k@keys.example")

    response, _ = sign_in(client, oidc_idp, provider, "keys-1")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/account").status_code == 200

    # The wrong key: the IdP refuses the client, so nobody is signed in.
    from joserfc.jwk import RSAKey

    provider.config = {**config, "private_key": RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()}
    db.session.commit()
    stranger = english(app.test_client())
    response, _ = sign_in(stranger, oidc_idp, provider, "keys-1")
    assert response.status_code == 400
    assert stranger.get("/account").status_code == 302
