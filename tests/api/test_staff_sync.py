"""HR-system sync: creating a person is idempotent by e-mail and by external id, goes
through the organisation's invitation, and is refused for another organisation's people."""

from __future__ import annotations

from sqlalchemy import func, select

from kampus.api.models import StaffExternalId
from kampus.auth.models import User
from kampus.extensions import db
from tests.api.conftest import bearer


def _count(email: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.email == email))


def test_creating_the_same_person_twice_by_email_gives_one_person(world, tokens, client):
    body = {"email": "Uusi.Opettaja@example.fi", "name": "Uusi Opettaja", "team_id": world.team_a.id}
    first = client.post("/api/v1/org/staff", json=body, headers=bearer(tokens.org_a))
    assert first.status_code == 201
    person = first.get_json()
    assert person["email"] == "uusi.opettaja@example.fi" and person["signed_up"] is False
    assert person["teams"] == [world.team_a.id]
    again = client.post(
        "/api/v1/org/staff", json={**body, "email": "uusi.opettaja@example.fi"}, headers=bearer(tokens.org_a)
    )
    assert again.status_code == 200 and again.get_json()["id"] == person["id"]
    assert _count("uusi.opettaja@example.fi") == 1
    invited = db.session.get(User, person["id"])
    assert invited.organisation_id == world.org_a.id and invited.password_hash is None


def test_an_external_id_finds_the_person_even_with_a_new_email(world, tokens, client):
    created = client.post(
        "/api/v1/org/staff",
        json={"email": "hr1@example.fi", "external_id": "HR-0001"},
        headers=bearer(tokens.manager_a),
    )
    assert created.status_code == 201 and created.get_json()["external_id"] == "HR-0001"
    moved = client.post(
        "/api/v1/org/staff",
        json={"email": "hr1.uusi@example.fi", "external_id": "HR-0001"},
        headers=bearer(tokens.manager_a),
    )
    assert moved.status_code == 200 and moved.get_json()["id"] == created.get_json()["id"]
    assert _count("hr1.uusi@example.fi") == 0


def test_an_existing_person_gets_the_external_id_once(world, tokens, client):
    linked = client.post(
        "/api/v1/org/staff",
        json={"email": world.learner_a.email, "external_id": "HR-7"},
        headers=bearer(tokens.manager_a),
    )
    assert linked.status_code == 200 and linked.get_json()["external_id"] == "HR-7"
    clash = client.post(
        "/api/v1/org/staff",
        json={"email": world.learner_a.email, "external_id": "HR-8"},
        headers=bearer(tokens.manager_a),
    )
    assert clash.status_code == 409
    assert clash.get_json()["errors"][0]["field"] == "external_id"
    rows = db.session.scalars(select(StaffExternalId.external_id).where(StaffExternalId.user_id == world.learner_a.id))
    assert list(rows) == ["HR-7"]


def test_another_organisations_person_is_a_conflict_not_a_move(world, tokens, client):
    response = client.post("/api/v1/org/staff", json={"email": world.learner_b.email}, headers=bearer(tokens.manager_a))
    assert response.status_code == 409 and response.content_type == "application/problem+json"
    assert response.get_json()["errors"] == [{"field": "email", "detail": response.get_json()["detail"]}]
    db.session.refresh(world.learner_b)
    assert world.learner_b.organisation_id == world.org_b.id


def test_deactivating_through_the_api_uses_the_organisation_rules(world, tokens, client):
    url = f"/api/v1/org/staff/{world.learner_a.id}/deactivate"
    response = client.post(url, headers=bearer(tokens.manager_a))
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.post(url, headers=bearer(tokens.manager_a)).status_code == 200  # idempotent
    db.session.refresh(world.learner_a)
    assert world.learner_a.active is False
    assert client.get("/api/v1/org/staff", headers=bearer(tokens.manager_a)).get_json()["items"] != []
    inactive = client.get("/api/v1/org/staff?status=inactive", headers=bearer(tokens.manager_a)).get_json()["items"]
    assert [p["id"] for p in inactive] == [world.learner_a.id]
    own = client.post(f"/api/v1/org/staff/{world.manager_a.id}/deactivate", headers=bearer(tokens.manager_a))
    assert own.status_code == 422  # the pages' rule: not your own account
    other_org = client.post(f"/api/v1/org/staff/{world.learner_b.id}/deactivate", headers=bearer(tokens.manager_a))
    assert other_org.status_code == 404


def test_teams_and_assignments_are_created_through_the_services(world, tokens, client):
    team = client.post("/api/v1/org/teams", json={"name": "Uusi tiimi"}, headers=bearer(tokens.manager_a))
    assert team.status_code == 201
    clash = client.post("/api/v1/org/teams", json={"name": "uusi TIIMI"}, headers=bearer(tokens.manager_a))
    assert clash.status_code == 422 and clash.get_json()["errors"][0]["field"] == "name"
    template = client.get("/api/v1/org/templates", headers=bearer(tokens.manager_a)).get_json()[0]
    past = client.post(
        "/api/v1/org/assignments",
        headers=bearer(tokens.manager_a),
        json={"template_id": template["id"], "team_id": team.get_json()["id"], "due": "2020-01-01"},
    )
    assert past.status_code == 422 and past.get_json()["errors"][0]["field"] == "due"
    made = client.post(
        "/api/v1/org/assignments",
        headers=bearer(tokens.manager_a),
        json={"template_id": template["id"], "user_ids": [world.learner_a.id], "due": "2030-01-01"},
    )
    assert made.status_code == 201 and made.get_json()["user_ids"] == [world.learner_a.id]
    listed = client.get("/api/v1/org/assignments", headers=bearer(tokens.manager_a)).get_json()
    assert [a["id"] for a in listed] == [made.get_json()["id"]]
    paths = client.get("/api/v1/me/paths", headers=bearer(tokens.learner_a)).get_json()
    assert [p["key"] for p in paths] == [f"a{made.get_json()['id']}"] and paths[0]["steps"]
    foreign = client.post(
        "/api/v1/org/assignments",
        headers=bearer(tokens.manager_a),
        json={"template_id": template["id"], "user_ids": [world.learner_b.id], "due": "2030-01-01"},
    )
    assert foreign.status_code == 404
