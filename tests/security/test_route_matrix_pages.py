"""The route × role matrix of the public pages (main, catalogue) and the learner's
study actions (progress) that the other matrices leave out.

The landing page, the accessibility statement, the catalogue and the health check
are for everyone; studying needs an account, and what a learner does to a module
(checking answers, completing, reflecting, rating) changes only their own rows.
Every POST needs a CSRF token."""

from __future__ import annotations

import pytest

from tests.conftest import snapshot_database
from tests.security.test_route_matrix import LOGIN, ROLES, Route, check_route, send, signed_in_client, world_ids

MODULE = "digikyvykkyyden-itsearviointi"  # published, no prerequisites, a self-check


def everyone(code) -> dict:
    return {role: code for role in ROLES}


def signed_in(code, **others) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": code, "manager_b": code, "admin": code, **others}


SIGNED_IN = frozenset(ROLES) - {"anonymous"}

ROUTES = [
    # --- main
    Route("GET", "/", everyone(200), hidden_from=frozenset()),
    Route("GET", "/healthz", everyone(200), hidden_from=frozenset()),
    Route("GET", "/accessibility", everyone(200), hidden_from=frozenset()),
    # Anyone may send accessibility feedback (it is stored for the maintainers).
    Route(
        "POST",
        "/accessibility",
        everyone(302),
        data=lambda ids: {"message": "Kontrasti on heikko.", "page": "/", "email": ""},
        writes=frozenset(ROLES),
        hidden_from=frozenset(),
    ),
    # The language goes into the session; a signed-in person's setting changes too.
    Route(
        "POST",
        "/language",
        everyone(302),
        data=lambda ids: {"lang": "sv", "next": "/"},
        writes=SIGNED_IN,
        hidden_from=frozenset(),
    ),
    # --- catalogue (public)
    Route("GET", f"/modules/{MODULE}", everyone(200), hidden_from=frozenset()),
    Route("GET", "/themes/pedagogiikka", everyone(200), hidden_from=frozenset()),
    # --- progress: a learner's own study actions
    Route(
        "POST",
        f"/modules/{MODULE}/check",
        signed_in(400),  # without the drawn questions' token the answers are refused
        data=lambda ids: {"draw": "not-a-token"},
        hidden_from=frozenset(),
    ),
    # A module with a self-check is completed by passing it: "complete" is refused, nothing changes.
    Route("POST", f"/modules/{MODULE}/complete", signed_in(400), hidden_from=frozenset()),
    Route(
        "POST",
        f"/modules/{MODULE}/reflection",
        signed_in(302),
        data=lambda ids: {"text": "Opin, että itsearviointi kannattaa tehdä rehellisesti."},
        writes=SIGNED_IN,
        hidden_from=frozenset(),
    ),
    Route(
        "POST",
        f"/modules/{MODULE}/rating",
        signed_in(302),
        data=lambda ids: {"rating": "4", "comment": ""},
        writes=SIGNED_IN,
        hidden_from=frozenset(),
    ),
]
POST_ROUTES = [r for r in ROUTES if r.method == "POST"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix_of_public_pages_and_study_actions(app, world, route, role):
    check_route(app, world, route, role)


@pytest.mark.parametrize("route", POST_ROUTES, ids=str)
def test_every_post_here_needs_a_csrf_token(app, world, route):
    role = "learner_a" if route.expect["learner_a"] in (200, 302, 400) else "anonymous"
    client = signed_in_client(app, world, role)
    before = snapshot_database()
    response = send(client, route, world_ids(world), with_csrf=False)
    assert response.status_code == 400, f"{route} as {role} without a token: {response.status_code}"
    assert snapshot_database() == before
