"""The API's access matrix: the same rules as the pages. A learner's token reaches only
their own data; a manager's (or the organisation's) token only their organisation; a
revoked token, a malformed header or a session cookie reach nothing private."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.progress.models import Progress
from tests.api.conftest import bearer
from tests.factories import login

# (path template, status for: none, revoked, learner_a, manager_a, org_a, manager_b)
READS = [
    ("/api/v1/themes", (200, 401, 200, 200, 200, 200)),
    ("/api/v1/prerequisites", (200, 401, 200, 200, 200, 200)),
    ("/api/v1/me", (401, 401, 200, 200, 200, 200)),
    ("/api/v1/me/progress", (401, 401, 200, 200, 403, 200)),
    ("/api/v1/me/paths", (401, 401, 200, 200, 403, 200)),
    ("/api/v1/org/staff", (401, 401, 403, 200, 200, 200)),
    ("/api/v1/org/staff/{learner_a}", (401, 401, 403, 200, 200, 404)),
    ("/api/v1/org/teams", (401, 401, 403, 200, 200, 200)),
    ("/api/v1/org/teams/{team_a}", (401, 401, 403, 200, 200, 404)),
    ("/api/v1/org/assignments", (401, 401, 403, 200, 200, 200)),
    ("/api/v1/org/templates", (401, 401, 403, 200, 200, 200)),
    ("/api/v1/org/progress", (401, 401, 403, 200, 200, 200)),
    ("/api/v1/org/progress?team_id={team_a}", (401, 401, 403, 200, 200, 404)),
    ("/api/v1/org/progress?user_id={learner_a}", (401, 401, 403, 200, 200, 404)),
]
CALLERS = ("none", "revoked", "learner_a", "manager_a", "org_a", "manager_b")


def _headers(tokens, caller: str) -> dict:
    return {} if caller == "none" else bearer(getattr(tokens, caller))


@pytest.mark.parametrize(("path", "expected"), READS, ids=[p for p, _ in READS])
def test_reads_follow_the_pages_rules(world, tokens, client, path, expected):
    url = path.format(**world.ids())
    got = tuple(client.get(url, headers=_headers(tokens, caller)).status_code for caller in CALLERS)
    assert dict(zip(CALLERS, got, strict=True)) == dict(zip(CALLERS, expected, strict=True))


def test_a_learners_token_sees_only_their_own_progress(world, tokens, client):
    first, second = db.session.scalars(select(Module).where(Module.status == "published").limit(2))
    db.session.add_all(
        [
            Progress(user_id=world.learner_a.id, module_id=first.id, status="completed"),
            Progress(user_id=world.other_a.id, module_id=second.id, status="in_progress"),
        ]
    )
    db.session.commit()
    rows = client.get("/api/v1/me/progress", headers=bearer(tokens.learner_a)).get_json()
    assert [(r["user_id"], r["module"], r["status"]) for r in rows] == [(world.learner_a.id, first.slug, "completed")]
    org = client.get("/api/v1/org/progress", headers=bearer(tokens.manager_a)).get_json()["items"]
    assert {r["user_id"] for r in org} == {world.learner_a.id, world.other_a.id}
    assert client.get("/api/v1/org/progress", headers=bearer(tokens.manager_b)).get_json()["items"] == []


def test_writes_need_a_write_token_of_the_right_organisation(world, tokens, client):
    url = f"/api/v1/org/teams/{world.team_a.id}/members/{world.other_a.id}"
    assert client.put(url).status_code == 401
    assert client.put(url, headers=bearer(tokens.revoked)).status_code == 401
    assert client.put(url, headers=bearer(tokens.learner_a)).status_code == 403
    read_only = client.put(url, headers=bearer(tokens.manager_a_read))
    assert read_only.status_code == 403 and "write" in read_only.get_json()["detail"]
    assert client.put(url, headers=bearer(tokens.manager_b)).status_code == 404
    assert world.other_a not in world.team_a.members
    added = client.put(url, headers=bearer(tokens.org_a))
    assert added.status_code == 200 and added.get_json()["added"] is True
    db.session.expire_all()
    assert world.other_a in world.team_a.members
    assert client.put(url, headers=bearer(tokens.manager_a)).get_json()["added"] is False
    assert client.delete(url, headers=bearer(tokens.manager_a)).status_code == 204
    db.session.expire_all()
    assert world.other_a not in world.team_a.members


def test_a_signed_in_browsers_cookie_is_not_a_token(world, client):
    login(client, world.manager_a.email)
    assert client.get("/api/v1/org/staff").status_code == 401
    response = client.post("/api/v1/org/teams", json={"name": "Evästetiimi"})
    assert response.status_code == 401 and response.content_type == "application/problem+json"


def test_a_deactivated_persons_token_stops_working(world, tokens, client):
    world.learner_a.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(tokens.learner_a)).status_code == 401


def test_a_token_that_is_not_a_bearer_token_is_refused(world, tokens, client):
    for header in (f"Basic {tokens.manager_a}", "Bearer", "Bearer kmp_not-a-real-token", tokens.manager_a):
        response = client.get("/api/v1/themes", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_manager_who_is_no_longer_one_loses_the_organisation(world, tokens, client):
    world.manager_a.is_manager = False
    db.session.commit()
    assert client.get("/api/v1/org/staff", headers=bearer(tokens.manager_a)).status_code == 403
    assert client.get("/api/v1/me/progress", headers=bearer(tokens.manager_a)).status_code == 200
