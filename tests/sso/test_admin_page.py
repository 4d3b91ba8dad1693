"""Administrators configure an organisation's OpenID Connect sign-in on its page."""

from __future__ import annotations

from kampus.extensions import db
from kampus.sso.models import IdentityProvider
from tests.factories import csrf_token, login, make_org, make_user
from tests.sso.factories import make_provider


def _form(idp, **changes):
    values = {
        "name": "Opiston tunnus",
        "slug": "opisto-id",
        "email_domains": "opisto.example, edu.opisto.example",
        "issuer": idp.issuer,
        "client_id": idp.client_id,
        "auth_method": "client_secret_basic",
        "client_secret": idp.client_secret,
        "scopes": "openid email profile",
        "email_claim": "email",
        "name_claim": "name",
        "roles_claim": "groups",
        "manager_values": "kampus-managers\nrehtorit\n",
        "require_sso": "y",
        "enabled": "y",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def _admin(client):
    admin = make_user(admin=True, language="en")
    login(client, admin.email)
    return admin


def test_an_administrator_adds_an_oidc_sign_in_to_an_organisation(app, client, oidc_idp):
    org = make_org(name="Opisto")
    _admin(client)
    page = client.get(f"/admin/organisations/{org.id}").get_data(as_text=True)
    assert "Sign-in services" in page
    form_page = client.get(f"/admin/organisations/{org.id}/sso/new").get_data(as_text=True)
    assert "/sso/oidc/SHORT-NAME/callback" in form_page

    response = client.post(
        f"/admin/organisations/{org.id}/sso/new", data={**_form(oidc_idp), "csrf_token": csrf_token(client, "/account")}
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    provider = db.session.scalar(db.select(IdentityProvider).where(IdentityProvider.slug == "opisto-id"))
    assert provider.organisation_id == org.id and provider.kind == "oidc" and provider.require_sso
    assert provider.domains == ["opisto.example", "edu.opisto.example"]
    assert provider.config["client_secret"] == oidc_idp.client_secret
    assert provider.role_rules == [
        {"claim": "groups", "value": "kampus-managers", "role": "manager"},
        {"claim": "groups", "value": "rehtorit", "role": "manager"},
    ]
    page = client.get(f"/admin/organisations/{org.id}").get_data(as_text=True)
    assert "Opiston tunnus" in page and "required for staff" in page

    # Changing it: the secret is never shown again, and an empty one keeps the saved one.
    edit = client.get(f"/admin/organisations/{org.id}/sso/{provider.id}").get_data(as_text=True)
    assert oidc_idp.client_secret not in edit
    response = client.post(
        f"/admin/organisations/{org.id}/sso/{provider.id}",
        data={**_form(oidc_idp, client_secret="", require_sso=None), "csrf_token": csrf_token(client, "/account")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    provider = db.session.get(IdentityProvider, provider.id)
    assert provider.config["client_secret"] == oidc_idp.client_secret and not provider.require_sso


def test_mistakes_are_said_beside_their_fields_and_what_was_typed_is_kept(app, client, oidc_idp):
    org = make_org()
    make_provider(make_org(name="Toinen"), config=oidc_idp.provider_config(), domains="taken.example")
    _admin(client)
    url = f"/admin/organisations/{org.id}/sso/new"
    cases = [
        ({"issuer": "ftp://nowhere"}, "Enter the issuer&#39;s address"),
        ({"issuer": "http://127.0.0.1:9"}, "could not read the provider&#39;s settings"),
        ({"email_domains": "taken.example"}, "taken.example is already served by Toinen ID."),
        ({"email_domains": "not a domain!"}, "is not a domain name like example.fi."),
        ({"slug": "Bad Slug"}, "Use lower-case letters, digits and hyphens."),
        ({"client_secret": ""}, "Enter the client secret."),
        ({"auth_method": "private_key_jwt", "private_key": "not a key"}, "This is not an RSA private key in PEM"),
        ({"roles_claim": ""}, "Name the claim that holds the groups or roles."),
        ({"scopes": "email profile"}, "The scopes must include openid."),
    ]
    for change, message in cases:
        response = client.post(url, data={**_form(oidc_idp, **change), "csrf_token": csrf_token(client, "/account")})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, change
        assert message in page, (change, page[page.find("error-summary") :][:600])
        assert 'value="Opiston tunnus"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(IdentityProvider)) == 1


def test_only_administrators_reach_the_sign_in_settings(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config())
    manager = make_user(org, manager=True)
    urls = [f"/admin/organisations/{org.id}/sso/new", f"/admin/organisations/{org.id}/sso/{provider.id}"]
    for url in urls:
        assert client.get(url).status_code == 302  # visitors sign in first
    login(client, manager.email)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(f"{urls[1]}/remove", data={"csrf_token": csrf_token(client, "/account")}).status_code == 403
    assert db.session.get(IdentityProvider, provider.id) is not None


def test_another_organisations_provider_is_not_found_through_this_one(app, client, oidc_idp):
    org, other = make_org(), make_org()
    provider = make_provider(other, config=oidc_idp.provider_config())
    _admin(client)
    assert client.get(f"/admin/organisations/{org.id}/sso/{provider.id}").status_code == 404


def test_removing_a_provider_keeps_its_people(app, client, oidc_idp):
    org = make_org()
    provider = make_provider(org, config=oidc_idp.provider_config())
    person = make_user(org)
    _admin(client)
    response = client.post(
        f"/admin/organisations/{org.id}/sso/{provider.id}/remove", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(IdentityProvider).where(IdentityProvider.id == provider.id)) is None
    from kampus.auth.models import User

    assert db.session.get(User, person.id) is not None
