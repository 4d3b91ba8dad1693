"""SAML 2.0 sign-in through the test client against the real local pysaml2 IdP: accounts made or
linked, roles mapped from a ``;``-separated MPASSid role, and every attack refused with a clear page:
a tampered assertion, a replayed response, an expired one, one for another audience, an unsolicited
(IdP-initiated) one and one answering another browser's request.
"""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.sso.models import ExternalIdentity
from tests.factories import make_org, make_user
from tests.sso.saml_fixtures import add_saml_provider, saml_idp, saml_key_dir  # noqa: F401

pytestmark = pytest.mark.usefixtures("saml_idp")


@pytest.fixture
def sp(make_app, saml_idp, saml_key_dir):  # noqa: F811
    """A Kampus on a fresh database whose SP the IdP trusts, with an MPASSid provider for org A."""
    app = make_app("catalogue", KAMPUS_SAML_KEY_DIR=saml_key_dir)
    with app.app_context():
        client = english_client(app)
        saml_idp.trust(client.get("/sso/saml/metadata").data)
        org = make_org("Ammattiopisto A")
        provider = add_saml_provider(saml_idp, org)
        yield app, client, org, provider


def english_client(app):
    """A browser asking for English pages (the source strings), so the tests can read the refusals."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def start(client, next_url: str = "/paths") -> str:
    reply = client.get(f"/sso/saml/mpass-a/login?next={next_url}")
    assert reply.status_code == 302
    return reply.headers["Location"]


def users_named(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_sp_metadata_names_entity_id_acs_and_signing_certificate(sp):
    _app, client, _org, _provider = sp
    reply = client.get("/sso/saml/metadata")
    assert reply.status_code == 200
    assert reply.mimetype == "application/samlmetadata+xml"
    xml = reply.get_data(as_text=True)
    assert 'entityID="http://localhost/sso/saml/metadata"' in xml
    assert 'Location="http://localhost/sso/saml/acs"' in xml
    assert "X509Certificate" in xml
    assert 'WantAssertionsSigned="true"' in xml


def test_first_sign_in_creates_the_account_maps_roles_and_keeps_next(sp, saml_idp):  # noqa: F811
    _app, client, org, _provider = sp
    form = saml_idp.sign_in(start(client, "/paths"), "maija")
    assert form.path == "/sso/saml/acs"
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 302, reply.get_data(as_text=True)
    assert reply.headers["Location"] == "/paths"
    user = db.session.scalar(select(User).where(User.email == "maija.opettaja@saml-a.example"))
    assert user.organisation_id == org.id
    assert user.name == "Maija Opettaja"
    assert user.is_manager  # "teacher;admin" holds admin
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert identity.subject == "mpass-maija-0001"
    assert client.get("/account").status_code == 200  # signed in


def test_existing_account_is_linked_not_duplicated_and_role_follows_the_idp(sp, saml_idp):  # noqa: F811
    _app, client, org, _provider = sp
    existing = make_user(org, email="ville.oppija@saml-a.example", manager=True)
    form = saml_idp.sign_in(start(client), "ville")
    assert client.post(form.path, data=form.data).status_code == 302
    db.session.expire_all()
    assert users_named("ville.oppija@saml-a.example") == 1
    linked = db.session.get(User, existing.id)
    assert not linked.is_manager  # the rule speaks of manager and "student" is not admin
    assert db.session.scalar(select(ExternalIdentity.user_id).where(ExternalIdentity.subject == "mpass-ville-0002"))


def _tamper(saml_response: str) -> str:
    xml = base64.b64decode(saml_response).decode()
    changed = xml.replace("maija.opettaja@saml-a.example", "rehtori@saml-a.example")
    assert changed != xml
    return base64.b64encode(changed.encode()).decode()


def test_tampered_assertion_is_refused(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija")
    reply = client.post(form.path, data={**form.data, "SAMLResponse": _tamper(form.saml_response)})
    assert reply.status_code == 400
    assert "could not be trusted" in text_of(reply)
    assert users_named("rehtori@saml-a.example") == 0
    assert users_named("maija.opettaja@saml-a.example") == 0


def test_replayed_response_is_refused(sp, saml_idp):  # noqa: F811
    app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija")
    assert client.post(form.path, data=form.data).status_code == 302
    again = client.post(form.path, data=form.data)  # same browser
    assert again.status_code == 400
    other = english_client(app)
    start(other)  # another browser with a request of its own
    elsewhere = other.post(form.path, data=form.data)
    assert elsewhere.status_code == 400
    assert 'data-reason="replayed"' in text_of(again)  # signed in by now, so in Maija's Finnish
    assert "Tämä kirjautumisvastaus on jo käytetty" in text_of(again)
    assert "This sign-in response has already been used" in text_of(elsewhere)


def test_expired_response_is_refused(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija", mode="expired")
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 400
    assert "has expired" in text_of(reply)
    assert users_named("maija.opettaja@saml-a.example") == 0


def test_response_for_another_audience_is_refused(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija", mode="audience")
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 400
    assert "meant for another service" in text_of(reply)
    assert users_named("maija.opettaja@saml-a.example") == 0


def test_unsolicited_response_is_refused(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    start(client)  # even with a request of its own pending
    form = saml_idp.unsolicited("http://localhost/sso/saml/metadata", "maija")
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 400
    assert "did not ask for this sign-in" in text_of(reply)
    assert users_named("maija.opettaja@saml-a.example") == 0


def test_response_to_another_browsers_request_is_refused(sp, saml_idp):  # noqa: F811
    app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija")
    stranger = english_client(app)
    start(stranger)
    reply = stranger.post(form.path, data=form.data)
    assert reply.status_code == 400
    assert "did not ask for this sign-in" in text_of(reply)
    assert client.post(form.path, data=form.data).status_code == 302  # the rightful browser still can


def test_garbage_is_refused_without_a_server_error(sp):
    _app, client, _org, _provider = sp
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x">&b;</samlp:Response>'
    )
    for data in (
        {},
        {"SAMLResponse": "not base64 !"},
        {"SAMLResponse": base64.b64encode(b"<x/>").decode()},
        {"SAMLResponse": base64.b64encode(laughs).decode()},  # entities are refused (defusedxml)
    ):
        reply = client.post("/sso/saml/acs", data=data)
        assert reply.status_code == 400


def test_refusal_page_is_translated(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija", mode="expired")
    finnish = client.post(form.path, data=form.data, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Kirjautumisvastaus on vanhentunut" in finnish
    form = saml_idp.sign_in(start(client), "maija", mode="audience")
    swedish = client.post(form.path, data=form.data, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Inloggningssvaret var avsett för en annan tjänst" in swedish


def test_unknown_or_oidc_provider_has_no_saml_login(sp):
    _app, client, _org, _provider = sp
    assert client.get("/sso/saml/nobody/login").status_code == 404


def text_of(reply) -> str:
    """The refusal's heading in English (the page is translated; source strings are English)."""
    text = reply.get_data(as_text=True)
    return re.sub(r"\s+", " ", text)


SIGNATURE = r"<(\w+:)?Signature\b.*?</\1Signature>"


def test_assertion_with_its_signature_stripped_is_refused(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija")
    xml = base64.b64decode(form.saml_response).decode()
    stripped = re.sub(SIGNATURE, "", xml, flags=re.S)
    assert stripped != xml
    forged = stripped.replace("maija.opettaja@saml-a.example", "rehtori@saml-a.example")
    reply = client.post(form.path, data={**form.data, "SAMLResponse": base64.b64encode(forged.encode()).decode()})
    assert reply.status_code == 400
    assert 'data-reason="signature"' in text_of(reply)
    assert users_named("rehtori@saml-a.example") == 0


def test_wrapped_forged_assertion_beside_the_signed_one_is_refused(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    form = saml_idp.sign_in(start(client), "maija")
    xml = base64.b64decode(form.saml_response).decode()
    signed = re.search(r"<(\w+:)?Assertion\b.*?</\1Assertion>", xml, flags=re.S).group(0)
    evil = re.sub(SIGNATURE, "", signed, flags=re.S)
    evil = evil.replace("maija.opettaja@saml-a.example", "rehtori@saml-a.example").replace('ID="', 'ID="evil')
    wrapped = xml.replace(signed, evil + signed)
    reply = client.post(form.path, data={**form.data, "SAMLResponse": base64.b64encode(wrapped.encode()).decode()})
    assert reply.status_code == 400
    assert users_named("rehtori@saml-a.example") == 0
    assert users_named("maija.opettaja@saml-a.example") == 0


def test_response_signed_by_an_impostor_with_the_idps_name_is_refused(sp, saml_idp, tmp_path):  # noqa: F811
    """Another IdP calling itself by our IdP's entity id, with a key of its own (not in the metadata)."""
    from urllib.parse import urlsplit

    from werkzeug.test import Client

    from kampus.sso.saml import make_key_and_certificate
    from tests.sso.saml_idp import make_server_app

    _app, client, _org, _provider = sp
    key_pem, cert_pem = make_key_and_certificate("impostor.test")
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    impostor = Client(
        make_server_app(urlsplit(saml_idp.url).port, str(tmp_path / "key.pem"), str(tmp_path / "cert.pem"))
    )
    impostor.post("/_register", data=client.get("/sso/saml/metadata").data)
    authn_request = urlsplit(start(client))
    page = impostor.get(f"{authn_request.path}?{authn_request.query}&user=maija").get_data(as_text=True)
    from tests.sso.saml_fixtures import parse_form

    form = parse_form(page)
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 400
    assert 'data-reason="signature"' in text_of(reply)
    assert users_named("maija.opettaja@saml-a.example") == 0


def test_provider_with_metadata_url_signs_in_and_plain_http_needs_allow_http(sp, saml_idp):  # noqa: F811
    from kampus.sso import saml

    app, client, org, provider = sp
    provider.config = {**provider.config, "metadata_xml": None, "metadata_url": f"{saml_idp.url}/metadata"}
    db.session.commit()
    reply = client.get("/sso/saml/mpass-a/login")
    assert reply.status_code == 502  # http metadata could be changed on the way
    assert 'data-reason="config"' in text_of(reply)
    provider.config = {**provider.config, "allow_http": True}
    db.session.commit()
    with app.test_request_context():
        assert saml.check_config(provider.config) == saml_idp.entity_id
    form = saml_idp.sign_in(start(client), "maija")
    assert client.post(form.path, data=form.data).status_code == 302


def test_check_config_refuses_unusable_settings(sp, saml_idp):  # noqa: F811
    from kampus.sso import saml

    app, _client, _org, provider = sp
    with app.test_request_context():
        for config, words in (
            ({}, "neither metadata_xml nor metadata_url"),
            ({"metadata_xml": "<not-metadata"}, "cannot be read"),
            ({**provider.config, "entity_id": "https://nobody.example/idp"}, "no IdP https://nobody.example/idp"),
        ):
            with pytest.raises(saml.SamlRefused) as refused:
                saml.check_config(config)
            assert refused.value.reason == "config"
            assert words in str(refused.value)


def test_deactivated_person_is_refused_whatever_the_idp_says(sp, saml_idp):  # noqa: F811
    _app, client, org, _provider = sp
    make_user(org, email="ville.oppija@saml-a.example", active=False)
    form = saml_idp.sign_in(start(client), "ville")
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 403
    assert "This account has been deactivated" in text_of(reply)
    assert client.get("/account").status_code == 302  # not signed in


def test_address_of_another_organisation_is_never_linked(sp, saml_idp):  # noqa: F811
    _app, client, _org, _provider = sp
    other = make_org("Ammattiopisto B")
    stranger = make_user(other, email="maija.opettaja@saml-a.example")
    form = saml_idp.sign_in(start(client), "maija")
    reply = client.post(form.path, data=form.data)
    assert reply.status_code == 403
    assert 'data-reason="account"' in text_of(reply)
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0
    db.session.expire_all()
    assert db.session.get(User, stranger.id).organisation_id == other.id


def test_saml_provider_loaded_from_yaml_signs_people_in(make_app, saml_idp, saml_key_dir, tmp_path):  # noqa: F811
    import yaml

    app = make_app("catalogue", KAMPUS_SAML_KEY_DIR=saml_key_dir)
    with app.app_context():
        client = english_client(app)
        saml_idp.trust(client.get("/sso/saml/metadata").data)
        org = make_org("YAML-opisto")
        entry = {
            "slug": "yaml-mpass",
            "organisation": org.slug,
            "kind": "saml",
            "name": "MPASSid",
            "email_domains": ["saml-a.example"],
            "config": {
                "metadata_url": f"{saml_idp.url}/metadata",
                "allow_http": True,
                "subject_attribute": "urn:oid:0.9.2342.19200300.100.1.3",
                "attributes": {"email": "urn:oid:0.9.2342.19200300.100.1.3"},
                "trust_email": True,
            },
            "role_rules": [{"claim": "urn:mpass.id:role", "value": "teacher", "role": "manager"}],
        }
        (tmp_path / "providers.yaml").write_text(yaml.safe_dump({"providers": [entry]}))
        result = app.test_cli_runner().invoke(args=["sso", "load", str(tmp_path / "providers.yaml")])
        assert result.exit_code == 0, result.output
        reply = client.get("/sso/saml/yaml-mpass/login?next=/account")
        form = saml_idp.sign_in(reply.headers["Location"], "uusi")
        signed_in = client.post(form.path, data=form.data)
        assert signed_in.headers["Location"] == "/account"
        user = db.session.scalar(select(User).where(User.email == "uusi.henkilo@saml-a.example"))
        assert user.organisation_id == org.id and user.is_manager
        identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
        assert identity.subject == "uusi.henkilo@saml-a.example"  # subject_attribute, not the NameID


def test_sp_key_is_made_once_per_installation_and_kept_private(make_app, tmp_path):
    import os
    import stat

    folder = tmp_path / "sp-keys"
    first = make_app("empty", KAMPUS_SAML_KEY_DIR=str(folder))
    second = make_app("empty", KAMPUS_SAML_KEY_DIR=str(folder))  # another worker of the same installation
    certificates = []
    for app in (first, second):
        with app.app_context():
            xml = app.test_client().get("/sso/saml/metadata").get_data(as_text=True)
            certificates.append(re.search(r"X509Certificate>([^<]+)<", xml).group(1))
    assert certificates[0] == certificates[1]
    assert stat.S_IMODE(os.stat(folder / "sp-key.pem").st_mode) == 0o600
    elsewhere = make_app("empty", KAMPUS_SAML_KEY_DIR=str(tmp_path / "other-installation"))
    with elsewhere.app_context():
        xml = elsewhere.test_client().get("/sso/saml/metadata").get_data(as_text=True)
    assert re.search(r"X509Certificate>([^<]+)<", xml).group(1) != certificates[0]
