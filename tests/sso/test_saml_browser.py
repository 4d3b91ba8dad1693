"""In a real browser (Chromium): signing in with SAML 2.0 through the local pysaml2 IdP.

The first sign-in makes the account in the provider's organisation (just in time) with the manager
role from MPASSid's ``;``-separated role ``teacher;admin`` and lands where the person was going; a
person who already has an account is linked to it; an expired response gets a clear page. axe
checks Kampus's pages on the way.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.sso.models import ExternalIdentity
from tests.factories import make_org, make_user
from tests.sso.saml_fixtures import add_saml_provider, saml_idp, saml_key_dir  # noqa: F401


@pytest.fixture(scope="module")
def saml_site(live_server, saml_idp, saml_key_dir):  # noqa: F811
    """The live Kampus with an MPASSid-like provider for a new organisation; the IdP trusts its SP."""
    app = live_server.app_for_tests
    app.config["KAMPUS_SAML_KEY_DIR"] = saml_key_dir
    with app.app_context():
        org = make_org("SAML-opisto")
        provider = add_saml_provider(saml_idp, org, slug="mpass-browser", domains="saml-a.example")
        existing = make_user(org, email="ville.oppija@saml-a.example", name="Ville Kampuksesta")
        with app.test_request_context():
            from kampus.sso import saml

            saml_idp.trust(saml.sp_metadata())
        ids = {"org": org.id, "provider": provider.id, "ville": existing.id, "idp": saml_idp.url}
    yield app, ids


def saml_idp_url(saml_site) -> str:
    return saml_site[1]["idp"]


def _user(app, email):
    with app.app_context():
        db.session.expire_all()
        user = db.session.scalar(select(User).where(User.email == email))
        identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
        result = (user.id, user.organisation_id, user.is_manager, user.name, identity.subject if identity else None)
        db.session.remove()
        return result


def test_first_saml_sign_in_creates_the_account_with_mapped_role_and_keeps_next(page, base_url, axe, saml_site):
    app, ids = saml_site
    # E-mail first on the sign-in page: the address's domain picks the SAML provider.
    page.goto(base_url + "/login?next=/paths")
    page.get_by_label("Sähköpostiosoite").fill("maija.opettaja@saml-a.example")
    page.locator('button[name="action"][value="sso"]').click()
    page.wait_for_url(saml_idp_url(saml_site) + "/sso/redirect?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Test IdP"
    page.get_by_role("link", name="Sign in as Maija Opettaja").click()
    page.wait_for_url(base_url + "/paths")
    assert "Tervetuloa, Maija Opettaja." in page.content()
    axe(page)
    _id, organisation_id, is_manager, name, subject = _user(app, "maija.opettaja@saml-a.example")
    assert organisation_id == ids["org"]
    assert is_manager  # "teacher;admin"
    assert subject == "mpass-maija-0001"


def test_saml_sign_in_links_the_existing_account(page, base_url, saml_site):
    app, ids = saml_site
    page.goto(base_url + "/sso/saml/mpass-browser/login")
    page.get_by_role("link", name="Sign in as Ville Oppija").click()
    page.wait_for_url(base_url + "/me")  # no next: the person's home page
    assert "Tervetuloa, Ville Kampuksesta." in page.content()
    user_id, _org, is_manager, _name, subject = _user(app, "ville.oppija@saml-a.example")
    assert user_id == ids["ville"]
    assert not is_manager
    assert subject == "mpass-ville-0002"


def test_an_expired_saml_response_gets_a_clear_page(page, base_url, axe, saml_site):
    page.goto(base_url + "/sso/saml/mpass-browser/login?next=/paths")
    page.goto(page.url + "&user=uusi&mode=expired")
    page.wait_for_url(base_url + "/sso/saml/acs")
    assert page.get_by_role("heading", level=1).inner_text() == "Kirjautumisvastaus on vanhentunut"
    axe(page)
    assert page.get_by_role("link", name="Siirry kirjautumissivulle").is_visible()
