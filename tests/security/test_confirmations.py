"""Destructive actions need their confirmation page: a POST without its field does
nothing and sends the person to the page, which says what will happen and whose
form (CSRF and ``confirm=yes``) does it. The buttons elsewhere are links to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from kampus.api import services as api_services
from kampus.api.models import ApiToken
from kampus.assignments.models import Assignment
from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import TeamMembership
from kampus.paths import services as paths
from kampus.paths.models import Path
from tests.conftest import form_token
from tests.factories import login, make_assignment


@dataclass
class Case:
    name: str
    role: str
    setup: Callable  # world -> (url, listing page that links to it)
    done: Callable  # world, url -> bool


def _assignment(world) -> tuple[str, str]:
    _template, a = make_assignment(world.org_a, world.manager_a, world.team_a)
    return f"/org/assignments/{a.id}/withdraw", "/org/assignments"


def _path(world) -> tuple[str, str]:
    path = paths.create_path(
        world.learner_a.id, title="Liisan polku", module_slugs=["digcomp-perusteet"], theme_slugs=[]
    )
    db.session.commit()
    return f"/paths/{path.id}/delete", f"/paths/{path.id}"


def _personal_token(world) -> tuple[str, str]:
    new = api_services.create_token(name="Oma", scope="read", user=world.learner_a, created_by=world.learner_a)
    db.session.commit()
    return f"/account/tokens/{new.token.id}/revoke", "/account/tokens"


def _org_token(world) -> tuple[str, str]:
    new = api_services.create_token(name="HR", scope="write", organisation=world.org_a, created_by=world.manager_a)
    db.session.commit()
    return f"/org/tokens/{new.token.id}/revoke", "/org/tokens"


def _last_id(url: str) -> int:
    return int(url.split("/")[-2])


def _member(team_id: int, user_id: int) -> bool:
    from sqlalchemy import select

    db.session.expire_all()
    query = select(TeamMembership.id).where(TeamMembership.team_id == team_id, TeamMembership.user_id == user_id)
    return db.session.scalar(query) is not None


def _fresh(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


CASES = [
    Case(
        "deactivate a person",
        "manager_a",
        lambda w: (f"/org/staff/{w.learner_a.id}/deactivate", "/org/staff"),
        lambda w, url: not _fresh(User, w.learner_a.id).active,
    ),
    Case(
        "remove a team member",
        "manager_a",
        lambda w: (f"/org/teams/{w.team_a.id}/members/{w.learner_a.id}/remove", f"/org/teams/{w.team_a.id}"),
        lambda w, url: not _member(w.team_a.id, w.learner_a.id),
    ),
    Case(
        "remove a manager",
        "admin",
        lambda w: (
            f"/admin/organisations/{w.org_a.id}/managers/{w.manager_a.id}/remove",
            f"/admin/organisations/{w.org_a.id}",
        ),
        lambda w, url: not _fresh(User, w.manager_a.id).is_manager,
    ),
    Case(
        "withdraw an assignment",
        "manager_a",
        _assignment,
        lambda w, url: _fresh(Assignment, _last_id(url)).withdrawn_at is not None,
    ),
    Case("delete a path", "learner_a", _path, lambda w, url: _fresh(Path, _last_id(url)) is None),
    Case(
        "revoke a personal token",
        "learner_a",
        _personal_token,
        lambda w, url: _fresh(ApiToken, _last_id(url)).revoked_at is not None,
    ),
    Case(
        "revoke an organisation token",
        "manager_a",
        _org_token,
        lambda w, url: _fresh(ApiToken, _last_id(url)).revoked_at is not None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_destructive_action_happens_only_from_its_confirmation_page(app, world, case):
    url, listing = case.setup(world)
    client = app.test_client()
    assert login(client, world.user(case.role).email).status_code == 302

    # The page that lists the thing links to the confirmation page: no one-click form posts to the action.
    listed = client.get(listing).get_data(as_text=True)
    assert f'href="{url}"' in listed and f'action="{url}"' not in listed

    # A POST with a valid CSRF token but without the confirmation field does nothing.
    token = form_token(listed)
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert not case.done(world, url)

    # The confirmation page says what happens, offers a way back and a form that does it.
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'action="{url}"' in html and 'name="confirm" value="yes"' in html and 'name="csrf_token"' in html
    assert 'class="destructive filled"' in html and 'class="button secondary"' in html
    assert not case.done(world, url)  # showing the page changes nothing

    response = client.post(url, data={"csrf_token": form_token(html), "confirm": "yes"})
    assert response.status_code == 302
    assert case.done(world, url)


def test_the_confirmation_page_of_another_organisations_person_is_not_found(app, world):
    client = app.test_client()
    login(client, world.manager_b.email)
    assert client.get(f"/org/staff/{world.learner_a.id}/deactivate").status_code == 404
    assert client.get(f"/org/teams/{world.team_a.id}/members/{world.learner_a.id}/remove").status_code == 404
