"""Done when: in a real browser (axe on every page), a learner finishes a module, finds
the credential under "My credentials", checks its public verification page and downloads
the JSON; the independent verifier (verifier-core, offline) accepts the download, refuses
a copy with one changed character, and reports the credential revoked once it is revoked."""

import copy
import json
import threading
import urllib.request

import pytest
from sqlalchemy import select

from kampus.app import create_app
from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.catalogue.models import Module
from kampus.credentials import services, signing
from kampus.credentials.models import Credential
from kampus.extensions import db
from tests.browser.test_accounts import sign_in
from tests.conftest import config_for
from tests.credentials.conftest import MODULE, offline_documents

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "bea.badge@example.fi", "merkki-salasana-1"


@pytest.fixture(scope="module")
def badge_server(databases, tmp_path_factory):
    """Kampus over real HTTP whose KAMPUS_BASE_URL is its own address (so did:web and the
    status list URL point at it), with a signing key and the demo data (badges on)."""
    from werkzeug.serving import make_server

    url = databases.fresh("demo")
    keys = tmp_path_factory.mktemp("keys")
    app = create_app(config_for(url, RATELIMIT_ENABLED=False, KAMPUS_CREDENTIALS_KEY_DIR=str(keys)))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["KAMPUS_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    signing.generate_key(keys)
    with app.app_context():
        db.session.add(User(email=EMAIL, name="Bea Badge", password_hash=hash_password(PASSWORD), language="fi"))
        db.session.commit()
        assert services.badge_enabled(module_id=db.session.scalar(select(Module.id).where(Module.slug == MODULE)))
        db.session.remove()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app_for_tests = app
    yield server
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


class Http:
    def __init__(self, base):
        self.base = base

    def get_json(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.loads(response.read())


def test_a_learner_finishes_a_module_and_downloads_a_credential_the_verifier_accepts(
    page, badge_server, axe, verifier, tmp_path
):
    base = f"http://127.0.0.1:{badge_server.server_port}"
    app = badge_server.app_for_tests
    with app.app_context():
        m = db.session.scalar(select(Module).where(Module.slug == MODULE))
        answers = {q.id: list(q.correct) for q in m.questions}
        db.session.remove()

    sign_in(page, base, axe, EMAIL, PASSWORD)
    page.goto(f"{base}/modules/{MODULE}")
    page.get_by_role("button", name="Aloita opiskelu").click()
    page.wait_for_url(f"**/modules/{MODULE}/study")
    axe(page)
    for fieldset in page.locator("fieldset.question").all():  # choices are shuffled: answer by choice id
        question_id = int(fieldset.locator("input").first.get_attribute("name")[1:])
        for choice in answers[question_id]:
            fieldset.locator(f'input[value="{choice}"]').check()
    page.locator('form[action$="/check"] button[type=submit]').click()
    page.wait_for_selector(".result-pass")

    page.get_by_role("link", name="Osaamismerkkini").click()
    page.wait_for_url("**/me/credentials")
    axe(page)
    card = page.locator("li[data-credential]")
    assert card.count() == 1
    assert "Digikyvykkyyden itsearviointi" in card.inner_text()
    assert "Opiskeli moduulin ja läpäisi itsetestin tuloksella 100 %" in card.inner_text()

    card.get_by_role("link", name="Tarkistussivu").click()
    page.wait_for_url("**/credentials/*")
    axe(page)
    assert page.locator('[data-verified="true"]').count() == 1
    assert "Varmennettu" in page.locator(".verdict").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Lataa (JSON)").click()
    path = tmp_path / "downloaded.json"
    download_info.value.save_as(path)
    credential = json.loads(path.read_text())
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]

    http = Http(base)
    fresh = verifier(credential, offline_documents(http, credential))
    assert fresh["verified"] is True, fresh
    assert fresh["checks"] == {"valid_signature": True, "expiration": True, "revocation_status": True}

    tampered = copy.deepcopy(credential)
    tampered["name"] = tampered["name"].replace("D", "d", 1)
    refused = verifier(tampered, offline_documents(http, credential))
    assert refused["verified"] is False and refused["errors"][0]["name"] == "invalid_signature"

    with app.app_context():
        row = db.session.scalar(select(Credential).where(Credential.uuid == credential["id"].split(":")[-1]))
        admin = User(email="admin.badge@example.fi", name="Admin", is_admin=True)
        db.session.add(admin)
        db.session.flush()
        services.revoke(admin, row, "Testi: peruttu")
        db.session.commit()
        db.session.remove()
    revoked = verifier(credential, offline_documents(http, credential))
    assert revoked["verified"] is False and revoked["revoked"] is True
    assert revoked["checks"]["valid_signature"] is True

    page.reload()
    assert page.locator('[data-verified="false"]').count() == 1
    assert page.locator('[data-status="revoked"]').count() == 1
    for name, result in (("fresh", fresh), ("tampered", refused), ("revoked", revoked)):
        (tmp_path / f"verifier-{name}.json").write_text(json.dumps(result, indent=2))
    print("VERIFIER OUTPUTS IN", tmp_path)
