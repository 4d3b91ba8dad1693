"""First-time writes sent many times at once, through the pages, on the real database:
exactly one row and one event, and never a 5xx.

Each thread has its own test client (so its own request and database session),
signed in with a copy of one session cookie; a barrier releases them together.
These tests use the database fixtures, so they run on PostgreSQL too.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.orgs.models import Team, TeamMembership
from kampus.progress import services
from kampus.progress.models import Feedback, LearningEvent, Progress, Reflection, SelfAssessment
from tests.factories import csrf_token, login

pytestmark = pytest.mark.slow

SLUG = "oppimateriaalin-laatu"  # no prerequisites, a self-check


def signed_in_clients(app, email: str, n: int, token_page: str = "/"):
    """``n`` clients sharing one signed-in session, and a CSRF token valid for it."""
    first = app.test_client()
    assert login(first, email).status_code == 302
    token = csrf_token(first, token_page)
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(n - 1):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        clients.append(client)
    return clients, token


def race(app, clients, url: str, data) -> list[int]:
    """POST ``data`` (one dict, or one per client) to ``url`` from every client at once;
    the status codes (a crash counts as 599)."""
    forms = data if isinstance(data, list) else [data] * len(clients)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(client, form):
        try:
            barrier.wait(30)
            status = client.post(url, data=form).status_code
        except Exception as exc:  # TESTING propagates errors: a crash is a 500
            status = 599
            print(f"{type(exc).__name__}: {exc}")
        finally:
            with app.app_context():
                db.session.remove()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=(c, f)) for c, f in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.session.expire_all()
    return statuses


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(user_id: int, verb: str) -> int:
    return count(LearningEvent, LearningEvent.user_id == user_id, LearningEvent.verb == verb)


def module() -> Module:
    return db.session.scalar(select(Module).where(Module.slug == SLUG))


def correct_forms(learner, token: str, n: int) -> list[dict]:
    """``n`` correct answer forms, each for its own draw (as ``n`` open tabs would send)."""
    m = module()
    answers = {f"q{q.id}": [str(c) for c in q.correct] for q in m.questions}
    return [
        {**answers, "csrf_token": token, "draw": services.draw_token(learner.id, m, services.draw_check(m))}
        for _ in range(n)
    ]


def test_two_hundred_parallel_correct_self_checks_complete_once(app, world):
    learner = world.learner_a
    clients, token = signed_in_clients(app, learner.email, 200, f"/modules/{SLUG}/study")
    assert clients[0].post(f"/modules/{SLUG}/start", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(select(Progress.status).where(Progress.user_id == learner.id)) == "in_progress"
    statuses = race(app, clients, f"/modules/{SLUG}/check", correct_forms(learner, token, 200))
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(Progress, Progress.user_id == learner.id) == 1
    assert db.session.scalar(select(Progress.status).where(Progress.user_id == learner.id)) == "completed"
    assert events(learner.id, "completed") == 1


def test_parallel_test_outs_recognise_once(app, world):
    learner = world.learner_a
    clients, token = signed_in_clients(app, learner.email, 30)
    statuses = race(app, clients, f"/modules/{SLUG}/check", correct_forms(learner, token, 30))
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(Progress, Progress.user_id == learner.id) == 1
    assert events(learner.id, "recognised") == 1 and events(learner.id, "completed") == 0


def test_parallel_first_reflections_give_one_row_and_one_event(app, world):
    learner = world.learner_a
    clients, token = signed_in_clients(app, learner.email, 30)
    statuses = race(app, clients, f"/modules/{SLUG}/reflection", {"text": "Opin paljon.", "csrf_token": token})
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(Reflection, Reflection.user_id == learner.id) == 1
    assert events(learner.id, "reflected") == 1


def test_parallel_first_ratings_give_one_row_and_one_event(app, world):
    learner = world.learner_a
    clients, token = signed_in_clients(app, learner.email, 30)
    statuses = race(app, clients, f"/modules/{SLUG}/rating", {"rating": "4", "comment": "Hyvä", "csrf_token": token})
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(Feedback, Feedback.user_id == learner.id) == 1
    assert events(learner.id, "rated") == 1


def test_parallel_first_self_assessments_give_one_row_and_one_event(app, world):
    learner = world.learner_a
    clients, token = signed_in_clients(app, learner.email, 30)
    statuses = race(app, clients, "/me/assessment", {"level-digistrategia": "B1", "csrf_token": token})
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(SelfAssessment, SelfAssessment.user_id == learner.id) == 1
    assert events(learner.id, "assessed") == 1


def test_parallel_additions_to_a_team_give_one_membership(app, world):
    clients, token = signed_in_clients(app, world.manager_a.email, 30)
    team, person = world.team_a, world.other_a
    statuses = race(app, clients, f"/org/teams/{team.id}/members", {"user_id": str(person.id), "csrf_token": token})
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(TeamMembership, TeamMembership.team_id == team.id, TeamMembership.user_id == person.id) == 1


def test_parallel_teams_with_the_same_name_give_one_team(app, world):
    clients, token = signed_in_clients(app, world.manager_a.email, 30)
    statuses = race(app, clients, "/org/teams", {"name": "Rinnakkaiset", "csrf_token": token})
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(Team, Team.organisation_id == world.org_a.id, Team.name == "Rinnakkaiset") == 1
    assert statuses.count(302) == 1  # the others see the form error


def test_parallel_invitations_of_one_address_give_one_account(app, world):
    clients, token = signed_in_clients(app, world.manager_a.email, 30)
    statuses = race(
        app,
        clients,
        "/org/staff/invite",
        {"email": "uusi.kutsuttu@example.fi", "name": "Uusi", "team": "", "csrf_token": token},
    )
    assert max(statuses) < 500, sorted(set(statuses))
    assert count(User, User.email == "uusi.kutsuttu@example.fi") == 1
    assert statuses.count(302) == 1
