"""The route × role matrix of recognition: learners ask for their own, only the
managers of the learner's own organisation read and decide (B's manager gets
404 and changes nothing), and every POST needs a CSRF token."""

from __future__ import annotations

import pytest

from kampus.extensions import db
from kampus.recognition import services
from tests.conftest import snapshot_database
from tests.paths.helpers import module
from tests.security.test_route_matrix import (
    LOGIN,
    ROLES,
    Route,
    check_route,
    managers,
    send,
    signed_in_client,
    world_ids,
)

SLUG = "oppimateriaalin-laatu"


def signed_in(code, **others) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": code, "manager_b": code, "admin": code, **others}


ROUTES = [
    # --- learners (a page of one's own; nothing of organisation A's shows to others)
    Route("GET", f"/modules/{SLUG}/recognition", signed_in(200)),
    Route(
        "POST",
        f"/modules/{SLUG}/recognition",
        signed_in(302, admin=400),  # an admin has no organisation
        data=lambda ids: {"evidence": "Olen tehnyt tätä vuosia.", "link": "https://example.fi/x"},
        writes=frozenset({"learner_a", "manager_a", "manager_b"}),
    ),
    Route("GET", "/me/recognition", signed_in(200)),
    # --- managers (the request is learner A's)
    Route("GET", "/org/recognition", managers(200, 200)),
    Route("GET", "/org/recognition/{request_a}", managers(200)),
    Route(
        "POST",
        "/org/recognition/{request_a}",
        managers(302),
        data=lambda ids: {"decision": "approve"},
        writes=frozenset({"manager_a"}),
    ),
    Route(
        "POST", "/org/recognition/{request_a}", managers(400), data=lambda ids: {"decision": "reject", "comment": ""}
    ),
    Route(
        "POST",
        "/org/recognition/settings",
        managers(302, 302),
        data=lambda ids: {"require_approval": "y"},
        writes=frozenset({"manager_a", "manager_b"}),
    ),
]


@pytest.fixture
def ids(app, world):
    row, _ = services.request_recognition(world.learner_a, module(SLUG), "Liisan näyttö")
    db.session.commit()
    return {**world_ids(world), "request_a": row.id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r} {r.data({}) if r.data else ''}")
def test_route_matrix_of_recognition(app, world, ids, route, role):
    check_route(app, world, route, role, ids)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=str)
def test_every_recognition_post_needs_a_csrf_token(app, world, ids, route):
    client = signed_in_client(app, world, "manager_a")
    before = snapshot_database()
    response = send(client, route, ids, with_csrf=False)
    assert response.status_code == 400
    assert snapshot_database() == before


def test_the_matrix_covers_every_recognition_route(app):
    import re

    covered = {(r.method, re.sub(r"\{[a-z_]+\}|" + SLUG, "<x>", r.url)) for r in ROUTES}
    missing = [
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("recognition.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (method, re.sub(r"<[^>]+>", "<x>", rule.rule)) not in covered
    ]
    assert not missing, "routes missing from ROUTES: " + ", ".join(sorted(missing))
