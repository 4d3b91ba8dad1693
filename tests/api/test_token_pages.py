"""Tokens are made and revoked on the pages people use: the account page for personal
tokens, the organisation's page for organisation tokens (managers only). The secret is
shown once and only its hash is stored."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from kampus.api.models import ApiToken
from kampus.extensions import db
from tests.api.conftest import bearer
from tests.factories import csrf_token, login


def _secret_in(html: str) -> str:
    match = re.search(r'<code class="token-secret">(kmp_[A-Za-z0-9_-]+)</code>', html)
    assert match, "the new token is not shown"
    return match.group(1)


def test_the_account_page_leads_to_the_token_page(world, client):
    login(client, world.learner_a.email)
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/account/tokens"' in html


def test_a_personal_token_is_shown_once_stored_hashed_and_works(world, client):
    login(client, world.learner_a.email)
    response = client.post(
        "/account/tokens",
        data={"name": "Raportti", "scope": "read", "csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = _secret_in(response.get_data(as_text=True))

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.learner_a.id))
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and token.scope == "read" and token.name == "Raportti"
    stored = " ".join(str(v) for v in db.session.execute(select(ApiToken.__table__)).one())
    assert secret not in stored

    later = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in later and token.prefix in later  # never shown again, told apart by its prefix

    api = client.application.test_client()  # no session cookie: the token alone
    me = api.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.get_json()["email"] == world.learner_a.email
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_a_revoked_token_stops_working(world, client):
    login(client, world.learner_a.email)
    secret = _secret_in(
        client.post(
            "/account/tokens",
            data={"name": "Vanha", "scope": "write", "csrf_token": csrf_token(client, "/account/tokens")},
        ).get_data(as_text=True)
    )
    api = client.application.test_client()
    assert api.get("/api/v1/me/progress", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.learner_a.id))

    response = client.post(
        f"/account/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens"), "confirm": "yes"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/tokens"
    db.session.refresh(token)
    assert token.revoked_at is not None
    refused = api.get("/api/v1/me/progress", headers=bearer(secret))
    assert refused.status_code == 401 and refused.content_type == "application/problem+json"


def test_nobody_revokes_someone_elses_token(world, client):
    login(client, world.manager_a.email)
    client.post(
        "/account/tokens", data={"name": "Oma", "scope": "read", "csrf_token": csrf_token(client, "/account/tokens")}
    )
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.manager_a.id))
    other = client.application.test_client()
    login(other, world.learner_a.email)
    response = other.post(
        f"/account/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token(other, "/account/tokens"), "confirm": "yes"},
    )
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_token_needs_a_name(world, client):
    login(client, world.learner_a.email)
    response = client.post(
        "/account/tokens", data={"name": "  ", "scope": "read", "csrf_token": csrf_token(client, "/account/tokens")}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="name-error"' in html and "token-secret" not in html
    assert db.session.scalar(select(ApiToken.id)) is None


def test_managers_make_organisation_tokens_on_the_organisation_pages(world, client):
    login(client, world.manager_a.email)
    assert 'href="/org/tokens"' in client.get("/org").get_data(as_text=True)
    response = client.post(
        "/org/tokens",
        data={"name": "HR-järjestelmä", "scope": "write", "csrf_token": csrf_token(client, "/org/tokens")},
    )
    assert response.status_code == 201
    secret = _secret_in(response.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken).where(ApiToken.organisation_id == world.org_a.id))
    assert token.user_id is None and token.created_by_id == world.manager_a.id

    api = client.application.test_client()
    staff = api.get("/api/v1/org/staff?status=all&limit=200", headers=bearer(secret)).get_json()["items"]
    assert {p["email"] for p in staff} >= {world.learner_a.email, world.manager_a.email}
    assert world.learner_b.email not in {p["email"] for p in staff}

    client.post(
        f"/org/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/org/tokens"), "confirm": "yes"}
    )
    assert api.get("/api/v1/org/staff", headers=bearer(secret)).status_code == 401


def test_learners_and_other_managers_cannot_reach_an_organisations_tokens(world, client, tokens):
    token = db.session.scalar(select(ApiToken).where(ApiToken.organisation_id == world.org_a.id))
    login(client, world.learner_a.email)
    assert client.get("/org/tokens").status_code == 403
    other = client.application.test_client()
    login(other, world.manager_b.email)
    assert token.prefix not in other.get("/org/tokens").get_data(as_text=True)
    response = other.post(
        f"/org/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(other, "/org/tokens"), "confirm": "yes"}
    )
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None
