"""Verification by someone else's code: @digitalcredentials/verifier-core (npm), run by
Node.js through tests/credentials/verify.mjs, fully offline (the did.json and the status
list are handed to it from this app; nothing else can be fetched). Its trusted-issuer
registry check needs the internet: it is run with no registries and not counted —
that check alone is skipped. Its JSON-schema check fetches the 1EdTech schema from the
internet too, so it cannot run here (the JSON-LD check in test_jsonld.py stands in)."""

import copy

import pytest

from kampus.credentials import services
from kampus.extensions import db
from tests.credentials.conftest import complete, credential_of, offline_documents
from tests.factories import make_org, make_user

pytestmark = pytest.mark.slow


def issued(cred_app):
    learner = make_user(make_org())
    complete(learner)
    return learner, credential_of(learner)


def test_a_fresh_credential_verifies(cred_app, client, verifier):
    _learner, row = issued(cred_app)
    result = verifier(row.document, offline_documents(client, row.document))
    assert result["errors"] == []
    assert result["checks"]["valid_signature"] is True
    assert result["checks"]["expiration"] is True
    assert result["checks"]["revocation_status"] is True
    assert result["verified"] is True and result["revoked"] is False


def test_one_changed_character_in_the_name_fails(cred_app, client, verifier):
    _learner, row = issued(cred_app)
    tampered = copy.deepcopy(row.document)
    name = tampered["credentialSubject"]["achievement"]["name"]
    tampered["credentialSubject"]["achievement"]["name"] = "X" + name[1:]
    result = verifier(tampered, offline_documents(client, row.document))
    assert result["verified"] is False
    assert [e["name"] for e in result["errors"]] == ["invalid_signature"]
    assert not services.verify_document(tampered).verified  # and our own check agrees


def test_a_revoked_credential_reports_revoked(cred_app, client, verifier):
    learner, row = issued(cred_app)
    admin = make_user(admin=True)
    services.revoke(admin, row, "Myönnetty virheellisesti")
    db.session.commit()
    result = verifier(row.document, offline_documents(client, row.document))
    assert result["checks"]["valid_signature"] is True
    assert result["checks"]["revocation_status"] is False
    assert result["revoked"] is True and result["verified"] is False


def test_credentials_signed_before_a_key_rotation_still_verify(cred_app, client, verifier):
    from kampus.credentials import signing

    _learner, old = issued(cred_app)
    signing.generate_key(services.key_directory())
    _other, new = issued(cred_app)
    assert old.document["proof"]["verificationMethod"] != new.document["proof"]["verificationMethod"]
    for row in (old, new):
        assert verifier(row.document, offline_documents(client, row.document))["verified"] is True
    assert len(client.get("/.well-known/did.json").get_json()["verificationMethod"]) == 2
