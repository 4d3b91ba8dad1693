"""Fixtures for credentials: a signing key in a temporary folder, badges on, a learner
who completes a module, and the independent verifier (Node.js, verifier-core)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from kampus.catalogue.models import Module
from kampus.credentials import services, signing
from kampus.credentials.models import Credential
from kampus.extensions import db
from kampus.progress import services as progress

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "tests" / "credentials" / "verify.mjs"
NODE_MODULES = ROOT / "tests" / "node_modules" / "@digitalcredentials" / "verifier-core"
MODULE = "digikyvykkyyden-itsearviointi"  # published, no prerequisites, a self-check at 70 %


@pytest.fixture
def cred_app(app, tmp_path):
    """The catalogue app with a signing key and badges on for every published module."""
    app.config["KAMPUS_CREDENTIALS_KEY_DIR"] = str(tmp_path / "keys")
    app.config["KAMPUS_BASE_URL"] = "http://127.0.0.1:5000"  # the issuer's did:web the tests name
    signing.generate_key(tmp_path / "keys")
    services.enable_all_published()
    db.session.commit()
    return app


def module(slug: str = MODULE) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def right_answers(m: Module, wrong: int = 0) -> dict[int, list[int]]:
    answers = {}
    for i, q in enumerate(m.questions):
        answers[q.id] = list(q.correct) if i >= wrong else [c for c in range(len(q.choices)) if c not in q.correct][:1]
    return answers


def complete(user, slug: str = MODULE, *, study: bool = True, wrong: int = 0):
    """The learner studies (or not) and passes the self-check; committed, so the credential is issued."""
    m = module(slug)
    if study:
        progress.start_module(user.id, m)
    result = progress.submit_self_check(user.id, m, right_answers(m, wrong))
    db.session.commit()
    return result


def credential_of(user, slug: str = MODULE) -> Credential | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Credential).where(Credential.user_id == user.id, Credential.achievement_key == f"module:{slug}")
    )


def offline_documents(client, credential: dict) -> dict:
    """What the verifier may fetch, served from this app: the issuer's did.json (at the
    https URL did:web resolves to) and the status list credential. ``client`` is a Flask
    test client or anything with ``get_json(path)``."""
    get_json = getattr(client, "get_json", None) or (lambda path: client.get(path).get_json())
    did = credential["issuer"]["id"]
    host = did[len("did:web:") :].replace("%3A", ":")
    documents = {f"https://{host}/.well-known/did.json": get_json("/.well-known/did.json")}
    status_url = credential["credentialStatus"]["statusListCredential"]
    documents[status_url] = get_json("/" + status_url.split("/", 3)[3])
    return documents


@pytest.fixture
def verifier(tmp_path):
    """``verifier(credential, documents)`` → verifier-core's result (parsed JSON from verify.mjs)."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the independent verifier"
    assert NODE_MODULES.exists(), "run `npm ci --prefix tests` (make install-test does) to install verifier-core"

    def run(credential: dict, documents: dict) -> dict:
        cred_file = tmp_path / "credential.json"
        docs_file = tmp_path / "documents.json"
        cred_file.write_text(json.dumps(credential))
        docs_file.write_text(json.dumps(documents))
        done = subprocess.run(
            [node, str(VERIFY), str(cred_file), "--documents", str(docs_file)],
            cwd=ROOT / "tests",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run
