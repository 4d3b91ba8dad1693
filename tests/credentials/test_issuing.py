"""Issuing: completing a badge-enabled module issues one signed OpenBadgeCredential after the
commit (through the outbox), with the criteria, evidence, alignment, hashed identity and status."""

import hashlib

from sqlalchemy import select

from kampus.credentials import services, signing
from kampus.credentials.models import Credential
from kampus.extensions import db
from kampus.jobs.models import OutboxMessage
from kampus.progress import services as progress
from kampus.recognition import services as recognition  # noqa: F401  (the manager path uses progress.recognise)
from tests.credentials.conftest import MODULE, complete, credential_of, module
from tests.factories import make_org, make_user


def test_completing_a_module_issues_one_signed_open_badge_credential(cred_app):
    learner = make_user(make_org(), email="Liisa.Oppija@Example.fi")
    result = complete(learner)
    assert result.outcome == "completed"
    row = credential_of(learner)
    assert row is not None and row.provenance == "completed"
    doc = row.document
    assert doc["@context"] == [signing.VC_V2, signing.OB_V3]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["issuer"]["id"] == "did:web:127.0.0.1%3A5000"
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["id"] == f"http://127.0.0.1:5000/achievements/module/{MODULE}"
    assert achievement["name"] == "Digikyvykkyyden itsearviointi"
    assert achievement["achievementType"] == "Competency"
    assert "70 %" in achievement["criteria"]["narrative"]
    assert achievement["alignment"][0]["targetCode"] == "1.3"
    assert achievement["image"]["id"].endswith("/badge.svg")
    assert (
        doc["evidence"][0]["narrative"]
        == "Opiskeli moduulin ja läpäisi itsetestin tuloksella 100 % (hyväksymisraja 70 %)."
    )
    identity = doc["credentialSubject"]["identifier"][0]
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    expected = hashlib.sha256(("liisa.oppija@example.fi" + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert "example.fi" not in str(doc).lower().replace(achievement["id"], "")
    status = doc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == "http://127.0.0.1:5000/credentials/status/1"
    assert doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert services.verify_document(doc).verified


def test_issuing_is_idempotent_and_goes_through_the_outbox(cred_app):
    learner = make_user(make_org())
    complete(learner)
    complete(learner)  # passing again: "already", nothing new
    services.issue({"user_id": learner.id, "kind": "module", "module_id": module().id, "provenance": "completed"})
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Credential.id)).where(Credential.user_id == learner.id)) == 1
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "credential.issue"))
    assert message.key == f"credential:{learner.id}:module:{module().id}" and message.state == "sent"


def test_testing_out_and_manager_recognition_say_so_in_the_evidence(cred_app):
    tester, recognised = make_user(make_org()), make_user(make_org())
    assert complete(tester, study=False).outcome == "recognised"
    assert "opiskelematta" in credential_of(tester).document["evidence"][0]["narrative"]
    assert credential_of(tester).provenance == "self_check"
    progress.recognise(recognised.id, module(), "manager")
    db.session.commit()
    row = credential_of(recognised)
    assert row.provenance == "manager" and "esihenkilön" in row.document["evidence"][0]["narrative"]


def test_no_credential_when_the_badge_is_off_or_the_check_fails(cred_app):
    services.set_badge(enabled=False, module=module())
    db.session.commit()
    learner = make_user(make_org())
    complete(learner)
    assert credential_of(learner) is None
    services.set_badge(enabled=True, module=module())
    db.session.commit()
    other = make_user(make_org())
    assert complete(other, wrong=3).outcome == "failed"
    assert credential_of(other) is None


def test_a_rollback_issues_nothing(cred_app):
    learner = make_user(make_org())
    m = module()
    progress.start_module(learner.id, m)
    db.session.commit()
    progress.submit_self_check(learner.id, m, {q.id: list(q.correct) for q in m.questions})
    db.session.rollback()
    assert credential_of(learner) is None


def test_finishing_every_module_of_a_path_template_issues_a_path_credential(cred_app):
    from kampus.assignments.models import PathTemplate, TemplateGoal

    template = PathTemplate(title={"fi": "Itsearvioinnin polku"}, description={"fi": "Yksi moduuli"})
    template.goals.append(TemplateGoal(module_id=module().id))
    db.session.add(template)
    db.session.flush()
    services.set_badge(enabled=True, template=template)
    db.session.commit()
    learner = make_user(make_org())
    complete(learner)
    db.session.expire_all()
    path = db.session.scalar(select(Credential).where(Credential.user_id == learner.id, Credential.kind == "path"))
    assert path is not None
    achievement = path.document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Itsearvioinnin polku" and achievement["achievementType"] == "Achievement"
    assert "Digikyvykkyyden itsearviointi" in achievement["criteria"]["narrative"]
    assert services.verify_document(path.document).verified


def test_without_a_key_the_message_waits_for_a_retry(cred_app, tmp_path):
    cred_app.config["KAMPUS_CREDENTIALS_KEY_DIR"] = str(tmp_path / "no-keys")
    learner = make_user(make_org())
    complete(learner)
    assert credential_of(learner) is None
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "credential.issue"))
    db.session.refresh(message)
    assert message.state == "pending" and "keygen" in message.last_error
