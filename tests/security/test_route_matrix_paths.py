"""The route × role matrix for the features built on accounts: learners' paths,
assignments and templates, reports and exports. Organisation A's objects are
used everywhere, so B's manager must get 404 (or 403) and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from kampus.extensions import db
from kampus.paths import services as paths
from tests.factories import make_assignment
from tests.security.test_route_matrix import LOGIN, ROLES, Route, admins, check_route, managers, world_ids


def learner_only(code) -> dict:
    """Pages of learner A's own things: others see 404, visitors the sign-in page."""
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": 404, "manager_b": 404, "admin": 404}


def signed_in(code) -> dict:
    return {"anonymous": LOGIN, "learner_a": code, "manager_a": code, "manager_b": code, "admin": code}


DUE = (dt.date.today() + dt.timedelta(days=40)).isoformat()

ROUTES = [
    # --- learners
    Route("GET", "/me", signed_in(200), hidden_from=frozenset()),
    Route("GET", "/me/assessment", signed_in(200), hidden_from=frozenset()),
    Route(
        "POST",
        "/me/assessment",
        signed_in(302),
        data=lambda ids: {"level-digistrategia": "A1"},
        writes=frozenset(ROLES),
        hidden_from=frozenset(),
    ),
    Route(
        "POST",
        "/me/assessment/confirm",
        signed_in(302),
        data=lambda ids: {"modules": []},
        writes=frozenset(ROLES),
        hidden_from=frozenset(),
    ),
    Route("GET", "/paths/new", signed_in(200), hidden_from=frozenset()),
    Route(
        "POST",
        "/paths/new",
        signed_in(302),
        data=lambda ids: {"title": "Oma", "themes": ["digistrategia"]},
        writes=frozenset(ROLES),
        hidden_from=frozenset(),
    ),
    Route("GET", "/paths/{path_a}", learner_only(200)),
    Route("GET", "/paths/{path_a}/delete", {**learner_only(200), "manager_a": 404, "manager_b": 404, "admin": 404}),
    Route(
        "POST",
        "/paths/{path_a}/delete",
        {**learner_only(302), "manager_a": 404, "manager_b": 404, "admin": 404},
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"learner_a"}),
    ),
    Route("GET", "/me/assignments/{assignment_a}", learner_only(200)),
    Route(
        "POST",
        "/me/weekly-time",
        signed_in(302),
        data=lambda ids: {"minutes_per_week": "60", "back": "account"},
        writes=frozenset(ROLES),
        hidden_from=frozenset(),
    ),
    Route(
        "POST",
        "/me/weekly-time",
        {**learner_only(302), "manager_a": 404, "manager_b": 404, "admin": 404},
        data=lambda ids: {"minutes_per_week": "60", "back": f"p{ids['path_a']}"},
        writes=frozenset({"learner_a"}),
    ),
    # --- notifications
    Route("GET", "/me/notifications", signed_in(200), hidden_from=frozenset()),
    Route("POST", "/me/notifications/{notification_a}/read", learner_only(302), writes=frozenset({"learner_a"})),
    Route("POST", "/me/notifications/read-all", signed_in(302), writes=frozenset(ROLES), hidden_from=frozenset()),
    # opening a module or its test-out changes nothing; starting and moving on are POSTs
    Route("GET", "/modules/digcomp-perusteet/study", signed_in(200), hidden_from=frozenset()),
    Route("GET", "/modules/digcomp-perusteet/test-out", signed_in(200), hidden_from=frozenset()),
    Route("POST", "/modules/digcomp-perusteet/start", signed_in(302), writes=frozenset(ROLES), hidden_from=frozenset()),
    Route(
        "POST",
        "/modules/digcomp-perusteet/sections/1",
        signed_in(302),
        writes=frozenset(ROLES),
        hidden_from=frozenset(),
    ),
    Route("GET", "/modules/digcomp-perusteet/attempts/{attempt_a}", learner_only(200)),
    # --- managers: assignments and templates
    Route("GET", "/org/assignments", managers(200, 200)),
    Route(
        "POST",
        "/org/assignments",
        managers(302, 404),
        data=lambda ids: {"template": ids["template_a"], "team": ids["team_a"], "due": DUE},
        writes=frozenset({"manager_a"}),
    ),
    Route(
        "POST",
        "/org/assignments/{assignment_a}/extend",
        managers(302),
        data=lambda ids: {"due": DUE},
        writes=frozenset({"manager_a"}),
    ),
    Route("GET", "/org/assignments/{assignment_a}/withdraw", managers(200)),
    Route(
        "POST",
        "/org/assignments/{assignment_a}/withdraw",
        managers(302),
        data=lambda ids: {"confirm": "yes"},
        writes=frozenset({"manager_a"}),
    ),
    Route("GET", "/org/templates", managers(200, 200)),
    Route("GET", "/org/templates/new", managers(200, 200)),
    Route("GET", "/org/templates/{template_a}/edit", managers(200)),
    Route(
        "POST",
        "/org/templates/{template_a}/edit",
        managers(302),
        data=lambda ids: {"title_fi": "Muutettu", "target_group": "", "themes": ["pedagogiikka"]},
        writes=frozenset({"manager_a"}),
    ),
    Route(
        "POST",
        "/org/templates/new",
        managers(302, 302),
        data=lambda ids: {"title_fi": "Uusi", "target_group": "", "themes": ["pedagogiikka"]},
        writes=frozenset({"manager_a", "manager_b"}),
    ),
    # --- managers: reports
    Route("GET", "/org", managers(200, 200)),
    Route("GET", "/org/teams/{team_a}", managers(200)),
    Route("GET", "/org/people/{learner_a}", managers(200)),
    Route("GET", "/org/export.csv", managers(200, 200)),
    Route("GET", "/org/teams/{team_a}/export.csv", managers(200)),
    # A workbook is zipped: tests/reports/test_exports.py reads it back and checks what it shows.
    Route("GET", "/org/export.xlsx", managers(200, 200), hidden_from=frozenset()),
    Route("GET", "/org/teams/{team_a}/export.xlsx", managers(200), hidden_from=frozenset()),
    Route("GET", "/org/assignments/overdue", managers(200, 200)),
    # --- admins
    Route("GET", "/admin/templates", admins(200), hidden_from=frozenset()),
    Route("GET", "/admin/templates/new", admins(200), hidden_from=frozenset()),
    Route(
        "POST",
        "/admin/templates/new",
        admins(302),
        data=lambda ids: {"title_fi": "Verkoston pohja", "target_group": "", "themes": ["pedagogiikka"]},
        writes=frozenset({"admin"}),
        hidden_from=frozenset(),
    ),
    Route("GET", "/admin/templates/{network_template}/edit", admins(200), hidden_from=frozenset()),
    Route(
        "POST",
        "/admin/templates/{network_template}/edit",
        admins(302),
        data=lambda ids: {"title_fi": "Muutettu", "target_group": "", "themes": ["pedagogiikka"]},
        writes=frozenset({"admin"}),
        hidden_from=frozenset(),
    ),
    Route("GET", "/admin/templates/{template_a}/edit", admins(404)),
    Route("GET", "/admin/network", admins(200), hidden_from=frozenset({"learner_a", "manager_a", "manager_b"})),
]


@pytest.fixture
def ids(app, world):
    """The world's ids plus organisation A's template and assignment and learner A's personal path."""
    template, assignment = make_assignment(world.org_a, world.manager_a, world.team_a, title="A:n oma pohja")
    path = paths.create_path(
        world.learner_a.id, title="Liisan polku", module_slugs=["digcomp-perusteet"], theme_slugs=[]
    )
    from kampus.catalogue.services import get_module
    from kampus.progress import services as progress

    studied = get_module("digcomp-perusteet", with_material=True)
    attempt = progress.submit_self_check(world.learner_a.id, studied, {q.id: [0] for q in studied.questions})
    db.session.commit()
    from sqlalchemy import select

    from kampus.assignments.models import PathTemplate
    from kampus.notifications.models import Notification

    notification = db.session.scalar(select(Notification.id).where(Notification.user_id == world.learner_a.id))

    network = db.session.scalar(select(PathTemplate.id).where(PathTemplate.organisation_id.is_(None)).limit(1))
    return {
        **world_ids(world),
        "template_a": template.id,
        "assignment_a": assignment.id,
        "path_a": path.id,
        "network_template": network,
        "attempt_a": attempt.attempt_id,
        "notification_a": notification,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix_of_paths_assignments_and_reports(app, world, ids, route, role):
    check_route(app, world, route, role, ids)


def test_the_matrix_covers_every_route_of_these_features(app):
    import re

    from tests.jobs.test_access import ROUTES as JOB_ROUTES  # the jobs' matrix covers starting an export job

    covered = {(r.method, re.sub(r"\{[a-z_]+\}", "<x>", r.url)) for r in (*ROUTES, *JOB_ROUTES)}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("paths", "assignments", "reports", "notifications"):
            continue
        path = re.sub(r"<[^>]+>", "<x>", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes missing from ROUTES: " + ", ".join(sorted(missing))
