"""The pages: the issuer's did.json, the signed status list, badge images and achievements,
"My credentials", the public verification page and JSON download, privacy, revocation
(who may, with a reason), the badge switches, and the CLI."""

import json

from kampus.credentials import services
from kampus.extensions import db
from tests.conftest import form_token
from tests.credentials.conftest import MODULE, complete, credential_of, module
from tests.factories import PASSWORD, login, logout, make_org, make_user


def test_did_json_publishes_the_issuers_keys_as_multikeys(cred_app, client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response.mimetype == "application/did+json"
    did = response.get_json()
    assert did["id"] == "did:web:127.0.0.1%3A5000"
    method = did["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    assert did["assertionMethod"] == [method["id"]]


def test_the_status_list_is_a_signed_16_kb_bitstring_with_revoked_bits_set(cred_app, client):
    learner = make_user(make_org())
    complete(learner)
    row = credential_of(learner)
    status = client.get("/credentials/status/1").get_json()
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert services.verify_document(status).signature
    bits = services.decode_bitstring(status["credentialSubject"]["encodedList"])
    assert len(bits) == 16384 and not services.bit_is_set(bits, row.status_index)
    services.revoke(make_user(admin=True), row, "Virhe")
    db.session.commit()
    status = client.get("/credentials/status/1").get_json()
    assert services.bit_is_set(services.decode_bitstring(status["credentialSubject"]["encodedList"]), row.status_index)
    assert client.get("/credentials/status/2").status_code == 404


def test_achievement_json_and_badge_image(cred_app, client):
    achievement = client.get(f"/achievements/module/{MODULE}?lang=sv").get_json()
    assert achievement["name"] == "Självvärdering av den digitala kapaciteten" and achievement["inLanguage"] == "sv"
    assert {r["inLanguage"] for r in achievement["related"]} == {"fi", "en"}
    svg = client.get(f"/achievements/module/{MODULE}/badge.svg")
    assert svg.mimetype == "image/svg+xml" and b"Digikyvykkyyden" in svg.data
    assert client.get("/achievements/module/no-such-module").status_code == 404


def test_my_credentials_the_public_page_and_the_download(cred_app, client):
    learner = make_user(make_org())
    complete(learner)
    row = credential_of(learner)
    login(client, learner.email)
    page = client.get("/me/credentials").get_data(as_text=True)
    assert "Digikyvykkyyden itsearviointi" in page and f"/credentials/{row.uuid}.json" in page
    assert "Open Badge Passport" in page and "Opiskeli moduulin ja läpäisi itsetestin" in page
    logout(client)
    shown = client.get(f"/credentials/{row.uuid}")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'data-verified="true"' in html and "did:web:127.0.0.1%3A5000" in html
    download = client.get(f"/credentials/{row.uuid}.json")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert json.loads(download.data) == row.document


def test_a_private_credential_answers_404_to_others(cred_app, client):
    learner = make_user(make_org())
    complete(learner)
    row = credential_of(learner)
    login(client, learner.email)
    token = form_token(client.get("/me/credentials").get_data(as_text=True))
    client.post(f"/me/credentials/{row.uuid}/privacy", data={"private": "1", "csrf_token": token})
    assert client.get(f"/credentials/{row.uuid}").status_code == 200  # the owner still sees it
    logout(client)
    assert client.get(f"/credentials/{row.uuid}").status_code == 404
    assert client.get(f"/credentials/{row.uuid}.json").status_code == 404
    someone = make_user(make_org())
    login(client, someone.email)
    assert client.get(f"/credentials/{row.uuid}").status_code == 404
    token = form_token(client.get("/me/credentials").get_data(as_text=True))
    assert (
        client.post(f"/me/credentials/{row.uuid}/privacy", data={"private": "0", "csrf_token": token}).status_code
        == 404
    )


def test_the_organisations_manager_revokes_with_a_reason_others_may_not(cred_app, client):
    org = make_org()
    learner, manager = make_user(org), make_user(org, manager=True)
    other_manager = make_user(make_org(), manager=True)
    complete(learner)
    row = credential_of(learner)
    for person in (learner, other_manager):
        login(client, person.email)
        token = form_token(client.get("/me/credentials").get_data(as_text=True))
        assert (
            client.post(
                f"/credentials/{row.uuid}/revoke", data={"reason": "x", "csrf_token": token, "confirm": "yes"}
            ).status_code
            == 403
        )
        logout(client)
    login(client, manager.email)
    page = client.get(f"/credentials/{row.uuid}").get_data(as_text=True)
    assert "Peru osaamismerkki" in page
    token = form_token(page)
    client.post(f"/credentials/{row.uuid}/revoke", data={"reason": " ", "csrf_token": token, "confirm": "yes"})
    assert credential_of(learner).revoked_at is None
    client.post(
        f"/credentials/{row.uuid}/revoke", data={"reason": "Suoritus hylätty", "csrf_token": token, "confirm": "yes"}
    )
    row = credential_of(learner)
    assert row.revoked_reason == "Suoritus hylätty" and row.revoked_by_id == manager.id
    logout(client)
    html = client.get(f"/credentials/{row.uuid}").get_data(as_text=True)
    assert 'data-verified="false"' in html and 'data-status="revoked"' in html
    assert "Suoritus hylätty" not in html  # the reason is for the learner and the revokers


def test_the_admin_switches_badges_and_a_learner_cannot(cred_app, client):
    admin, learner = make_user(admin=True), make_user(make_org())
    login(client, learner.email)
    assert client.get("/admin/credentials").status_code == 403
    logout(client)
    login(client, admin.email, PASSWORD)
    page = client.get("/admin/credentials").get_data(as_text=True)
    assert f'value="m{module().id}" checked' in page
    client.post("/admin/credentials", data={"csrf_token": form_token(page)})  # everything unchecked
    assert not services.badge_enabled(module_id=module().id)
    complete(learner)
    assert credential_of(learner) is None


def test_cli_keygen_and_verify(cred_app, tmp_path):
    runner = cred_app.test_cli_runner()
    result = runner.invoke(args=["credentials", "keygen"])
    assert result.exit_code == 0 and "2 key(s) published" in result.output
    learner = make_user(make_org())
    complete(learner)
    row = credential_of(learner)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(row.document))
    result = runner.invoke(args=["credentials", "verify", str(good)])
    assert result.exit_code == 0 and result.output.strip().endswith("VERIFIED")
    bad = dict(row.document, name="X" + row.document["name"][1:])
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = runner.invoke(args=["credentials", "verify", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "signature: FAILED" in result.output and "NOT VERIFIED" in result.output
    services.revoke(make_user(admin=True), row, "Virhe")
    db.session.commit()
    result = runner.invoke(args=["credentials", "verify", "--json", str(good)])
    verdict = json.loads(result.output)
    assert result.exit_code == 1 and verdict["signature"] is True and verdict["revoked"] is True
