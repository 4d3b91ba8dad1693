"""Every route × every role: who may read or change what.

``ROUTES`` is the table; later features append their routes to it (or build
their own list of :class:`Route` and reuse :func:`check_route`). URLs and form
fields are templates filled with the ids of :class:`tests.factories.World`
(``{team_a}``, ``{learner_a}``, ``{org_a}``, …): almost everything names
organisation A, so the ``manager_b`` column proves that B's manager can
neither read nor change A's data, through the URL or through a form field.

Expected outcome per role: a status code, or ``LOGIN`` (redirect to the
sign-in page). A route changes the database only for the roles listed in
``writes``; for every other role the whole database is compared before and
after the request.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.conftest import snapshot_database
from tests.factories import PASSWORD, csrf_token, login

ROLES = ("anonymous", "learner_a", "manager_a", "manager_b", "admin")
LOGIN = "login"


@dataclass(frozen=True)
class Route:
    method: str
    url: str
    expect: dict[str, int | str]
    data: Callable[[dict], dict] | None = None  # ids -> form data (with files as (BytesIO, name))
    writes: frozenset[str] = frozenset()
    # Text that must not appear in a 200 page for these roles (another organisation's data).
    hidden_from: frozenset[str] = frozenset({"manager_b"})

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


def everyone(code) -> dict:
    return {role: code for role in ROLES}


def signed_in(code) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": code, "manager_b": code, "admin": code}


def managers(own_org: int, other_org: int = 404) -> dict:
    """Manager pages: A's manager gets ``own_org``; B's manager ``other_org`` (404 for A's ids)."""
    return {"anonymous": LOGIN, "learner_a": 403, "manager_a": own_org, "manager_b": other_org, "admin": 403}


def admins(code) -> dict:
    return {"anonymous": LOGIN, "learner_a": 403, "manager_a": 403, "manager_b": 403, "admin": code}


def _csv(text: str) -> Callable[[dict], dict]:
    return lambda ids: {"file": (io.BytesIO(text.encode("utf-8")), "staff.csv")}


IMPORT_CSV = "name,email,team\nUusi Opettaja,uusi.opettaja@example.fi,Tiimi A\n"

ROUTES: list[Route] = [
    # --- accounts
    Route("GET", "/login", {**everyone(302), "anonymous": 200}),
    Route(
        "POST",
        "/login",
        everyone(200),
        data=lambda ids: {"email": "learner.a@example.fi", "password": "väärä"},
        hidden_from=frozenset(),
    ),  # the typed address is echoed back
    # Signing out rotates the person's secret (every session of theirs ends): a write for the signed-in.
    Route("POST", "/logout", everyone(302), writes=frozenset(ROLES) - {"anonymous"}),
    Route("POST", "/account/sign-out-everywhere", signed_in(302), writes=frozenset(ROLES) - {"anonymous"}),
    Route("GET", "/account", signed_in(200)),
    Route(
        "POST",
        "/account",
        signed_in(302),
        data=lambda ids: {"name": "Uusi Nimi", "language": "sv", "target_group": "it"},
        writes=frozenset(ROLES),
    ),
    Route(
        "POST",
        "/account/password",
        signed_in(302),
        data=lambda ids: {
            "current_password": PASSWORD,
            "new_password": "uusi-salasana-456",
            "new_password_again": "uusi-salasana-456",
        },
        writes=frozenset(ROLES),
    ),
    Route("GET", "/password/forgot", everyone(200)),
    Route("POST", "/password/forgot", everyone(302), data=lambda ids: {"email": "learner.a@example.fi"}),
    Route("GET", "/invitation/not-a-token", everyone(400)),
    Route("POST", "/invitation/not-a-token", everyone(400), data=lambda ids: {"name": "X", "password": "x" * 12}),
    Route("GET", "/password/reset/not-a-token", everyone(400)),
    Route("POST", "/password/reset/not-a-token", everyone(400), data=lambda ids: {"password": "x" * 12}),
    # --- manager pages (ids are organisation A's)
    Route("GET", "/org", managers(200, 200)),
    Route("GET", "/org/staff", managers(200, 200)),
    Route("GET", "/org/staff?status=all&q=a", managers(200, 200)),
    Route("GET", "/org/staff/invite", managers(200, 200)),
    Route(
        "POST",
        "/org/staff/invite",
        managers(302),
        data=lambda ids: {"email": "uusi@example.fi", "name": "Uusi", "team": str(ids["team_a"])},
        writes=frozenset({"manager_a"}),
    ),
    Route("GET", "/org/staff/import", managers(200, 200)),
    # B's manager sees their own upload echoed back (with errors), nothing of A's.
    Route("POST", "/org/staff/import", managers(200, 200), data=_csv(IMPORT_CSV), hidden_from=frozenset()),
    Route(
        "POST",
        "/org/staff/import/confirm",
        managers(302, 200),
        data=lambda ids: {"payload": base64.b64encode(IMPORT_CSV.encode()).decode()},
        writes=frozenset({"manager_a"}),
        hidden_from=frozenset(),
    ),
    # The invitation links of an import without mail: for the importing manager only (none here: a redirect).
    Route("GET", "/org/staff/import/invitations", managers(200, 200)),
    Route("POST", "/org/staff/import/invitations", managers(302, 302)),
    Route("GET", "/org/staff/{learner_a}/deactivate", managers(200)),
    Route(
        "POST",
        "/org/staff/{learner_a}/deactivate",
        managers(302),
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"manager_a"}),
    ),
    Route("POST", "/org/staff/{learner_a}/reactivate", managers(302), writes=frozenset({"manager_a"})),
    Route("POST", "/org/staff/{invited_a}/link", managers(302)),
    Route("POST", "/org/staff/{learner_a}/link", managers(302)),  # refused: a password link is not a manager's
    Route("GET", "/org/settings", managers(200, 200)),
    Route(
        "POST",
        "/org/settings",
        managers(302, 302),
        data=lambda ids: {"content_language": "sv"},
        writes=frozenset({"manager_a", "manager_b"}),
    ),
    Route("GET", "/org/teams", managers(200, 200)),
    Route(
        "POST",
        "/org/teams",
        managers(302, 302),
        data=lambda ids: {"name": "Uusi tiimi"},
        writes=frozenset({"manager_a", "manager_b"}),
    ),
    Route("GET", "/org/teams/{team_a}", managers(200)),
    Route(
        "POST",
        "/org/teams/{team_a}/rename",
        managers(302),
        data=lambda ids: {"name": "Uusi nimi"},
        writes=frozenset({"manager_a"}),
    ),
    Route(
        "POST",
        "/org/teams/{team_a}/members",
        managers(302),
        data=lambda ids: {"user_id": str(ids["other_a"])},
        writes=frozenset({"manager_a"}),
    ),
    # B's own team, A's person in the form field: refused for both managers.
    Route("POST", "/org/teams/{team_b}/members", managers(404), data=lambda ids: {"user_id": str(ids["other_a"])}),
    Route("GET", "/org/teams/{team_a}/members/{learner_a}/remove", managers(200)),
    Route(
        "POST",
        "/org/teams/{team_a}/members/{learner_a}/remove",
        managers(302),
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"manager_a"}),
    ),
    # --- administration
    Route("GET", "/admin", admins(200)),
    Route("GET", "/admin/organisations", admins(200)),
    Route(
        "POST",
        "/admin/organisations",
        admins(302),
        data=lambda ids: {"name": "Uusi opisto", "slug": "uusi-opisto"},
        writes=frozenset({"admin"}),
    ),
    Route("GET", "/admin/organisations/{org_a}", admins(200)),
    Route(
        "POST",
        "/admin/organisations/{org_a}",
        admins(302),
        data=lambda ids: {"name": "Uusi nimi"},
        writes=frozenset({"admin"}),
    ),
    Route(
        "POST",
        "/admin/organisations/{org_a}/roles",
        admins(302),
        data=lambda ids: {f"theme_{ids['theme']}": "lead"},
        writes=frozenset({"admin"}),
    ),
    Route(
        "POST",
        "/admin/organisations/{org_a}/managers",
        admins(302),
        data=lambda ids: {"email": "other.a@example.fi"},
        writes=frozenset({"admin"}),
    ),
    Route("GET", "/admin/organisations/{org_a}/managers/{manager_a}/remove", admins(200), hidden_from=frozenset()),
    Route(
        "POST",
        "/admin/organisations/{org_a}/managers/{manager_a}/remove",
        admins(302),
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"admin"}),
    ),
    Route("GET", "/admin/users", admins(200)),
    Route("GET", "/admin/users?q=oppija&organisation={org_a}", admins(200)),
]

POST_ROUTES = [r for r in ROUTES if r.method == "POST"]


def world_ids(world) -> dict:
    from sqlalchemy import select

    from kampus.catalogue.models import Theme
    from kampus.extensions import db

    ids = world.ids()
    ids["theme"] = db.session.scalar(select(Theme.id).order_by(Theme.position).limit(1))
    return ids


def signed_in_client(app, world, role: str):
    client = app.test_client()
    if role != "anonymous":
        response = login(client, world.user(role).email)
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def send(client, route: Route, ids: dict, *, with_csrf: bool = True):
    url = route.url.format(**ids)
    if route.method == "GET":
        return client.get(url)
    data = route.data(ids) if route.data else {}
    if with_csrf:
        # The accessibility statement's feedback form carries a token for everyone (a visitor's
        # landing page has none since the language switch needs none from visitors).
        data["csrf_token"] = csrf_token(client, "/accessibility")
    return client.post(url, data=data, content_type="multipart/form-data" if "file" in data else None)


def check_route(app, world, route: Route, role: str, ids: dict | None = None) -> None:
    """Send ``route`` as ``role`` and check the outcome, and that nothing changed unless allowed.

    ``ids`` fills the URL template (default: the world's ids); later features pass
    the world's ids plus their own objects'.
    """
    ids = ids or world_ids(world)
    client = signed_in_client(app, world, role)
    before = snapshot_database()
    response = send(client, route, ids)
    expected = route.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302, f"{route} as {role}: {response.status_code}"
        assert response.headers["Location"].startswith("/login?next="), response.headers["Location"]
    else:
        assert response.status_code == expected, f"{route} as {role}: expected {expected}, got {response.status_code}"
    if response.status_code == 200 and role in route.hidden_from:
        html = response.get_data(as_text=True)
        for secret in ("learner.a@example.fi", "other.a@example.fi", "Tiimi A", world.org_a.name):
            assert secret not in html, f"{route} as {role} shows organisation A's {secret!r}"
    if role not in route.writes:
        assert snapshot_database() == before, f"{route} as {role} changed the database"


def check_csrf_refused(app, world, route: Route, role: str, ids: dict | None = None) -> None:
    """Send ``route`` as ``role`` without a CSRF token: refused with 400, and nothing changed."""
    client = signed_in_client(app, world, role)
    before = snapshot_database()
    response = send(client, route, ids or world_ids(world), with_csrf=False)
    assert response.status_code == 400, f"{route} as {role} without a token: {response.status_code}"
    assert snapshot_database() == before


def routes_missing(app, routes, blueprints, placeholders: str = r"\{[a-z_]+\}") -> list[str]:
    """The routes of ``blueprints`` (by method) that none of ``routes`` covers; ``placeholders``
    matches what stands for a URL argument in the matrix's URLs."""
    import re

    covered = {(r.method, re.sub(placeholders, "<x>", r.url.split("?")[0])) for r in routes}
    return sorted(
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in blueprints
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (method, re.sub(r"<[^>]+>", "<x>", rule.rule)) not in covered
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix(app, world, route, role):
    check_route(app, world, route, role)


@pytest.mark.parametrize("route", POST_ROUTES, ids=str)
def test_every_post_route_needs_a_csrf_token(app, world, route):
    allowed = [role for role in ("manager_a", "admin", "learner_a") if route.expect[role] in (200, 302)]
    check_csrf_refused(app, world, route, allowed[0] if allowed else "anonymous")


def test_the_matrix_covers_every_route_of_these_features(app):
    """A new route in auth, orgs or admin must be added to the table above."""
    from tests.jobs.test_access import ROUTES as JOB_ROUTES  # the jobs' matrix covers the import's job routes

    missing = routes_missing(app, (*ROUTES, *JOB_ROUTES), ("auth", "orgs", "admin"), r"\{[a-z_]+\}|not-a-token")
    assert not missing, "routes missing from ROUTES: " + ", ".join(sorted(missing))
