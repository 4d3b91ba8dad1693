"""The route × role matrix of credentials: the issuer's documents, achievements and a
public credential are for everyone; a private one only for its owner and administrators;
only the owner changes its privacy; only an administrator or the issuing organisation's
manager revokes (B's manager gets 403 and changes nothing); badge switches are for
administrators and managers; every POST needs a CSRF token."""

from __future__ import annotations

import pytest

from kampus.assignments.models import PathTemplate, TemplateGoal
from kampus.credentials import services
from kampus.extensions import db
from tests.credentials.conftest import MODULE, complete, credential_of, module
from tests.security.test_route_matrix import (
    LOGIN,
    ROLES,
    Route,
    check_csrf_refused,
    check_route,
    routes_missing,
    world_ids,
)


def everyone(code, **others) -> dict:
    return {**{role: code for role in ROLES}, **others}


def signed_in(code, **others) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": code, "manager_b": code, "admin": code, **others}


ROUTES = [
    Route("GET", "/.well-known/did.json", everyone(200)),
    Route("GET", "/credentials/status/{status}", everyone(200)),
    Route("GET", f"/achievements/module/{MODULE}", everyone(200)),
    Route("GET", f"/achievements/module/{MODULE}/badge.svg", everyone(200)),
    Route("GET", "/achievements/path/{template}", everyone(200)),
    Route("GET", "/achievements/path/{template}/badge.svg", everyone(200)),
    Route("GET", "/me/credentials", signed_in(200)),
    Route("GET", "/credentials/{cred}", everyone(200)),
    Route("GET", "/credentials/{cred}.json", everyone(200)),
    Route("GET", "/credentials/{private}", everyone(404, admin=200)),
    Route("GET", "/credentials/{private}.json", everyone(404, admin=200)),
    Route(
        "POST",
        "/me/credentials/{cred}/privacy",
        signed_in(404, learner_a=302),
        data=lambda ids: {"private": "1"},
        writes=frozenset({"learner_a"}),
    ),
    Route("GET", "/credentials/{cred}/revoke", signed_in(403, manager_a=200, admin=200)),
    Route(
        "POST",
        "/credentials/{cred}/revoke",
        signed_in(403, manager_a=302, admin=302),
        data=lambda ids: {"reason": "Virhe", "confirm": "yes"},
        writes=frozenset({"manager_a", "admin"}),
    ),
    Route("GET", "/admin/credentials", signed_in(200, learner_a=403)),
    Route("POST", "/admin/credentials", signed_in(302, learner_a=403), writes=frozenset({"admin"})),
]


@pytest.fixture
def ids(cred_app, world):
    template = PathTemplate(title={"fi": "Polku"}, description={})
    template.goals.append(TemplateGoal(module_id=module().id))
    db.session.add(template)
    db.session.commit()
    complete(world.learner_a)
    complete(world.other_a)
    private = credential_of(world.other_a)
    services.set_private(world.other_a, private, True)
    db.session.commit()
    return {
        **world_ids(world),
        "cred": credential_of(world.learner_a).uuid,
        "private": private.uuid,
        "template": template.id,
        "status": 1,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix_of_credentials(cred_app, world, ids, route, role):
    check_route(cred_app, world, route, role, ids)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=str)
def test_every_credentials_post_needs_a_csrf_token(cred_app, world, ids, route):
    check_csrf_refused(cred_app, world, route, "admin", ids)


def test_the_matrix_covers_every_credentials_route(cred_app):
    missing = routes_missing(cred_app, ROUTES, ("credentials",), r"\{[a-z_]+\}|" + MODULE)
    assert not missing, "routes missing from ROUTES: " + ", ".join(sorted(missing))
