"""The route × role matrix of single sign-on's admin pages: only network admins set up an
organisation's identity providers (managers and learners get 403 and change nothing), and
every POST needs a CSRF token. The public sign-in endpoints (``/sso/...``) are exempt in
tests/security/test_every_route_is_covered.py: their refusals are tested in tests/sso."""

from __future__ import annotations

import pytest

from tests.conftest import snapshot_database
from tests.security.test_route_matrix import Route, admins, check_route, send, signed_in_client, world_ids
from tests.sso.factories import make_provider

OIDC = {"issuer": "https://idp.example.invalid", "client_id": "kampus", "client_secret": "s3cret-value"}

ROUTES = [
    Route("GET", "/admin/organisations/{org_a}/sso/new", admins(200)),
    # An incomplete form: the admin sees it again with the errors, nothing is saved.
    Route("POST", "/admin/organisations/{org_a}/sso/new", admins(200), data=lambda ids: {"name": ""}),
    Route("GET", "/admin/organisations/{org_a}/sso/{provider}", admins(200)),
    Route("POST", "/admin/organisations/{org_a}/sso/{provider}", admins(200), data=lambda ids: {"name": ""}),
    Route(
        "POST",
        "/admin/organisations/{org_a}/sso/{provider}/remove",
        admins(302),
        writes=frozenset({"admin"}),
    ),
]


@pytest.fixture
def ids(app, world):
    found = world_ids(world)
    found["provider"] = make_provider(world.org_a, config=OIDC, domains="example.fi").id
    return found


@pytest.mark.parametrize("role", ("anonymous", "learner_a", "manager_a", "manager_b", "admin"))
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix(app, world, ids, route, role):
    check_route(app, world, route, role, ids)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=str)
def test_every_post_route_needs_a_csrf_token(app, world, ids, route):
    client = signed_in_client(app, world, "admin")
    before = snapshot_database()
    response = send(client, route, ids, with_csrf=False)
    assert response.status_code == 400, f"{route} without a token: {response.status_code}"
    assert snapshot_database() == before
