"""Cursor paging (stable when rows are added between pages, ``limit`` bounded) and RFC 9457
problem details for every kind of refusal under /api/."""

from __future__ import annotations

from sqlalchemy import select

from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.progress.models import Progress
from tests.api.conftest import bearer, make_tokens
from tests.factories import make_user, make_world

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def _progress(user, modules):
    for module in modules:
        db.session.add(Progress(user_id=user.id, module_id=module.id, status="in_progress"))
    db.session.commit()


def test_pages_do_not_repeat_or_skip_rows_added_between_them(world, tokens, client):
    modules = list(db.session.scalars(select(Module).where(Module.status == "published").order_by(Module.id).limit(8)))
    _progress(world.learner_a, modules[:5])
    headers = bearer(tokens.manager_a)
    seen = []
    page = client.get("/api/v1/org/progress?limit=2", headers=headers).get_json()
    seen += [r["id"] for r in page["items"]]
    assert len(seen) == 2 and page["next_cursor"]

    _progress(world.other_a, modules[5:8])  # three rows arrive while the client is paging
    while page["next_cursor"]:
        page = client.get(f"/api/v1/org/progress?limit=2&cursor={page['next_cursor']}", headers=headers).get_json()
        seen += [r["id"] for r in page["items"]]
    every = [p.id for p in db.session.scalars(select(Progress).order_by(Progress.id))]
    assert seen == every and len(seen) == 8


def test_paging_by_team_and_person(world, tokens, client):
    modules = list(db.session.scalars(select(Module).where(Module.status == "published").order_by(Module.id).limit(3)))
    _progress(world.learner_a, modules[:2])
    _progress(world.other_a, modules[2:])
    headers = bearer(tokens.manager_a)
    team = client.get(f"/api/v1/org/progress?team_id={world.team_a.id}", headers=headers).get_json()
    assert {r["user_id"] for r in team["items"]} == {world.learner_a.id} and team["next_cursor"] is None
    person = client.get(f"/api/v1/org/progress?user_id={world.other_a.id}", headers=headers).get_json()
    assert [r["module"] for r in person["items"]] == [modules[2].slug]


def test_staff_pages_follow_the_cursor_too(world, tokens, client):
    for n in range(3):  # org A has four people already
        make_user(world.org_a, email=f"lisaa{n}@example.fi")
    headers = bearer(tokens.manager_a)
    first = client.get("/api/v1/org/staff?limit=3&status=all", headers=headers).get_json()
    rest = client.get(
        f"/api/v1/org/staff?limit=200&status=all&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == 7 and rest["next_cursor"] is None


def test_limit_is_bounded_and_a_forged_cursor_refused(world, tokens, client):
    headers = bearer(tokens.manager_a)
    for limit in (0, 201, "many"):
        response = client.get(f"/api/v1/org/progress?limit={limit}", headers=headers)
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == "limit"
    forged = client.get("/api/v1/org/progress?cursor=bm90LWEtY3Vyc29y", headers=headers)
    assert forged.status_code == 422 and forged.get_json()["errors"][0]["field"] == "cursor"


def test_refusals_are_problem_details(world, tokens, client):
    cases = {
        401: client.get("/api/v1/me"),
        403: client.get("/api/v1/org/staff", headers=bearer(tokens.learner_a)),
        404: client.get(f"/api/v1/org/teams/{world.team_b.id}", headers=bearer(tokens.manager_a)),
        409: client.post("/api/v1/org/staff", json={"email": world.learner_b.email}, headers=bearer(tokens.manager_a)),
        422: client.post("/api/v1/org/staff", json={"email": "not an address"}, headers=bearer(tokens.manager_a)),
    }
    cases[404.1] = client.get("/api/v1/no-such-thing")
    for expected, response in cases.items():
        body = response.get_json()
        assert response.status_code == int(expected)
        assert response.content_type == "application/problem+json"
        assert set(body) >= PROBLEM_KEYS and body["status"] == int(expected) and body["type"] == "about:blank"
    assert cases[422].get_json()["errors"][0]["field"] == "email"
    missing = client.post("/api/v1/org/teams", json={}, headers=bearer(tokens.manager_a))
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "name"


def test_the_rate_limit_is_per_token_and_answers_429_problems(make_app):
    app = make_app("catalogue", API_RATE_LIMIT="3 per minute")
    with app.app_context():
        tokens = make_tokens(make_world())
        client = app.test_client()
        statuses = [client.get("/api/v1/me", headers=bearer(tokens.manager_a)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/me", headers=bearer(tokens.manager_a))
        assert limited.content_type == "application/problem+json" and limited.get_json()["status"] == 429
        assert client.get("/api/v1/me", headers=bearer(tokens.learner_a)).status_code == 200  # its own budget


def test_html_pages_keep_their_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.content_type.startswith("text/html")
