"""In a real browser (Chromium) through a real OpenID Connect provider (oidc-provider, tests/sso/
oidc_idp.mjs): e-mail first to the organisation's IdP and back to where the person was going,
just-in-time accounts with a manager role from a multivalued ``;``-separated claim, linking an
existing person through the picker (and the role taken away again), and a replayed callback
refused. axe checks every Kampus page on the way."""

from __future__ import annotations

import re
import uuid

import pytest

from kampus.auth.models import User
from kampus.extensions import db
from kampus.sso.models import ExternalIdentity
from tests.factories import make_org, make_user
from tests.sso.factories import make_provider

RULES = [{"claim": "groups", "value": "kampus-managers", "role": "manager"}]


@pytest.fixture
def organisation(live_server, oidc_idp):
    """A fresh organisation with its own OIDC sign-in on the live server (switched off afterwards)."""
    app = live_server.app_for_tests
    tag = uuid.uuid4().hex[:8]
    domain = f"sso-{tag}.example"
    with app.app_context():
        org = make_org(name=f"Selainopisto {tag}")
        provider = make_provider(org, config=oidc_idp.provider_config(), domains=domain, role_rules=RULES)
        values = {"org_id": org.id, "provider_id": provider.id, "slug": provider.slug, "name": provider.name}
    yield {**values, "domain": domain, "tag": tag, "app": app}
    with app.app_context():
        from kampus.sso.models import IdentityProvider

        db.session.get(IdentityProvider, values["provider_id"]).enabled = False
        db.session.commit()


def sign_in_at_idp(page, sub):
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", sub)
    page.fill("input[name=password]", "mika-tahansa")
    page.get_by_role("button", name="Sign-in").click()


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            return None
        identities = db.session.scalars(db.select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)).all()
        return {
            "id": user.id,
            "org": user.organisation_id,
            "manager": user.is_manager,
            "subjects": [i.subject for i in identities],
        }


def test_e_mail_first_creates_a_manager_and_a_replayed_callback_is_refused(page, base_url, axe, oidc_idp, organisation):
    sub = f"jit-{organisation['tag']}"
    email = f"uusi.esihenkilo@{organisation['domain']}"
    oidc_idp.add_account(sub, email=email, name="Uusi Esihenkilö", groups="teacher;kampus-managers;guidance")
    callbacks = []
    page.on("request", lambda request: callbacks.append(request.url) if "/callback?" in request.url else None)

    page.goto(base_url + "/account")
    assert "/login?next=" in page.url
    axe(page)
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_role("button", name="Kirjaudu organisaatiosi tunnuksilla").click()
    page.wait_for_selector("input[name=login]")
    assert page.input_value("input[name=login]") == email  # the address went on as login_hint
    sign_in_at_idp(page, sub)
    page.wait_for_url(re.compile(r".*/account$"))

    assert "Tervetuloa, Uusi Esihenkilö." in page.content()
    axe(page)
    person = _user(organisation["app"], email)
    assert person["org"] == organisation["org_id"] and person["manager"] and person["subjects"] == [sub]
    page.goto(base_url + "/org")
    assert page.get_by_role("heading", level=1).inner_text() == f"Selainopisto {organisation['tag']}"

    # The same answer from the IdP a second time: refused, with a page that says what to do.
    assert len(callbacks) == 1
    page.goto(callbacks[0])
    assert page.get_by_role("heading", level=1).inner_text() == "Tämä kirjautuminen on jo käytetty"
    assert "Aloita kirjautuminen alusta" in page.content()
    axe(page)


def test_the_picker_links_an_existing_person_and_the_idp_takes_the_role_away(
    page, base_url, axe, oidc_idp, organisation
):
    app = organisation["app"]
    email = f"sari.olemassa@{organisation['domain']}"
    with app.app_context():
        from kampus.orgs.models import Organisation

        existing = make_user(db.session.get(Organisation, organisation["org_id"]), email=email, manager=True)
        existing_id = existing.id
    sub = f"link-{organisation['tag']}"
    oidc_idp.add_account(sub, email=email, name="Sari Olemassa", groups="teacher")

    page.goto(base_url + "/login?next=/paths")
    page.get_by_role("link", name=organisation["name"]).click()
    sign_in_at_idp(page, sub)
    page.wait_for_url(re.compile(r".*/paths$"))
    axe(page)

    person = _user(app, email)
    assert person["id"] == existing_id and person["subjects"] == [sub]
    assert not person["manager"]  # the rule speaks of managers and her groups no longer match
    assert page.goto(base_url + "/org").status == 403


def test_an_administrator_sets_up_the_sign_in_on_the_organisation_page(page, base_url, axe, oidc_idp, live_server):
    tag = uuid.uuid4().hex[:8]
    with live_server.app_for_tests.app_context():
        org = make_org(name=f"Asetusopisto {tag}")
        org_id = org.id
    page.goto(base_url + "/login")
    page.get_by_label("Sähköpostiosoite").fill("admin@kampus.example")
    page.get_by_label("Salasana", exact=True).fill("kampus-demo")
    page.get_by_role("button", name="Kirjaudu sisään", exact=True).click()
    page.goto(f"{base_url}/admin/organisations/{org_id}")
    axe(page)
    page.get_by_role("link", name="Lisää OpenID Connect -kirjautuminen").click()
    axe(page)
    page.get_by_label("Kirjautumissivulla näkyvä nimi").fill(f"Asetusopiston tunnus {tag}")
    page.get_by_label("Lyhyt nimi").fill(f"asetus-{tag}")
    page.get_by_label("Sähköpostin verkkotunnukset").fill(f"asetus-{tag}.example")
    page.get_by_label("Myöntäjä").fill("https://")  # a mistake first
    page.get_by_label("Asiakastunnus (client id)").fill(oidc_idp.client_id)
    page.get_by_label("Asiakassalaisuus (client secret)").fill(oidc_idp.client_secret)
    page.get_by_role("button", name="Tallenna").click()
    assert "Kirjoita myöntäjän (issuer) osoite" in page.content()
    assert page.get_by_label("Lyhyt nimi").input_value() == f"asetus-{tag}"
    axe(page)
    page.get_by_label("Myöntäjä").fill(oidc_idp.issuer)
    page.get_by_label("Asiakassalaisuus (client secret)").fill(oidc_idp.client_secret)
    page.get_by_role("button", name="Tallenna").click()
    assert f"Kirjautumispalvelu Asetusopiston tunnus {tag} tallennettiin." in page.content()
    axe(page)

    # The sign-in page with its picker fits a 320 px wide screen.
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base_url + "/login")
    assert page.get_by_role("link", name=f"Asetusopiston tunnus {tag}").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe(page)
    with live_server.app_for_tests.app_context():
        from kampus.sso.models import IdentityProvider

        db.session.scalar(db.select(IdentityProvider).where(IdentityProvider.slug == f"asetus-{tag}")).enabled = False
        db.session.commit()
