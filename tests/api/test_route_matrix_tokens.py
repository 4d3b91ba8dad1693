"""The token pages in the route × role matrix: who may see, make and revoke which tokens.
Learner A's personal token and organisation A's token are the objects; nobody else may
revoke them, and B's manager sees and changes nothing of A's."""

from __future__ import annotations

import pytest

from kampus.api import services
from kampus.extensions import db
from tests.security.test_route_matrix import (
    LOGIN,
    ROLES,
    Route,
    check_csrf_refused,
    check_route,
    managers,
    routes_missing,
    world_ids,
)


def signed_in(code) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": code, "manager_b": code, "admin": code}


def owner_only(code) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": 404, "manager_b": 404, "admin": 404}


NEW = {"name": "Raportointi", "scope": "read"}
ROUTES = [
    Route("GET", "/account/tokens", signed_in(200)),
    Route("POST", "/account/tokens", signed_in(201), data=lambda ids: dict(NEW), writes=frozenset(ROLES)),
    Route("GET", "/account/tokens/{token_learner_a}/revoke", owner_only(200)),
    Route(
        "POST",
        "/account/tokens/{token_learner_a}/revoke",
        owner_only(302),
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"learner_a"}),
    ),
    Route("GET", "/org/tokens", managers(200, 200)),
    Route(
        "POST",
        "/org/tokens",
        managers(201, 201),
        data=lambda ids: dict(NEW),
        writes=frozenset({"manager_a", "manager_b"}),
    ),
    Route("GET", "/org/tokens/{token_org_a}/revoke", managers(200)),
    Route(
        "POST",
        "/org/tokens/{token_org_a}/revoke",
        managers(302),
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"manager_a"}),
    ),
]


@pytest.fixture
def ids(world):
    personal = services.create_token(name="Liisan", scope="read", user=world.learner_a, created_by=world.learner_a)
    organisation = services.create_token(name="HR", scope="write", organisation=world.org_a, created_by=world.manager_a)
    db.session.commit()
    return {**world_ids(world), "token_learner_a": personal.token.id, "token_org_a": organisation.token.id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix_of_the_token_pages(app, world, ids, route, role):
    check_route(app, world, route, role, ids)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=str)
def test_every_token_form_needs_a_csrf_token(app, world, ids, route):
    role = "learner_a" if route.expect["learner_a"] in (201, 302) else "manager_a"
    check_csrf_refused(app, world, route, role, ids)


def test_the_matrix_covers_every_token_page(app):
    missing = routes_missing(app, ROUTES, ("api_tokens",))
    assert not missing, "routes missing from ROUTES: " + ", ".join(sorted(missing))
