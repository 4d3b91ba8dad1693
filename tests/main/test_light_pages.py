"""Light pages (issue 19): what each request no longer does, and that the shortcuts show the truth.

The navigation is cached per roles, page, language and unread count; the study page's section
HTML per text and language; visitors' cached pages open no session; the rate-limit check runs
only where a limit is."""

from __future__ import annotations

import re

from kampus import cache
from kampus.extensions import db
from kampus.notifications import services as notifications
from tests.conftest import form_token
from tests.factories import login, make_org, make_user

MODULE = "digcomp-perusteet"


def _nav(html: str) -> str:
    return html.split('class="site-nav"')[1].split("</nav>")[0]


def test_the_cached_nav_shows_a_new_and_a_bulk_read_unread_count_at_once(app, client):
    user = make_user(make_org(), email="ilmoitus@example.fi", name="Ilmo Itus")
    assert login(client, "ilmoitus@example.fi").status_code == 302
    assert "nav-count" not in _nav(client.get("/me").get_data(as_text=True))
    assert "nav-count" not in _nav(client.get("/me").get_data(as_text=True))  # from the cache
    notifications.notify(user.id, notifications.ASSIGNMENT_OVERDUE, {"path": {"fi": "Polku"}, "due": "2026-12-01"})
    db.session.commit()
    assert "1 lukematon" in _nav(client.get("/me").get_data(as_text=True))
    # "Mark all read" is one bulk UPDATE (no ORM rows flushed): the count in the key still moves.
    notifications.mark_all_read(user.id)
    db.session.commit()
    assert "nav-count" not in _nav(client.get("/me").get_data(as_text=True))


def test_the_cached_nav_follows_roles_and_gives_each_session_its_own_sign_out_token(app):
    org = make_org()
    make_user(org, email="oppija@example.fi", name="Olli Oppija")
    manager = make_user(org, manager=True, email="esi@example.fi", name="Esi Henkilö")
    first, second = app.test_client(), app.test_client()
    assert login(first, "oppija@example.fi").status_code == 302
    assert login(second, "esi@example.fi").status_code == 302
    learner_nav = _nav(first.get("/me").get_data(as_text=True))
    manager_nav = _nav(second.get("/me").get_data(as_text=True))
    assert 'href="/org"' not in learner_nav and 'href="/org"' in manager_nav
    assert form_token(learner_nav) != form_token(manager_nav)
    # The token in the cached nav is the session's own: signing out with it works.
    assert first.post("/logout", data={"csrf_token": form_token(learner_nav)}).status_code == 302
    manager.is_manager = False
    db.session.commit()
    assert 'href="/org"' not in _nav(second.get("/me").get_data(as_text=True))


def test_a_visitor_page_costs_one_query_and_opens_no_session(app, count_queries):
    visitor = app.test_client()
    visitor.get("/")
    with count_queries(app) as counter:
        response = visitor.get("/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert counter.count == 1  # the catalogue version


def test_a_signed_in_cached_page_costs_at_most_three_queries(app, client, count_queries):
    make_user(make_org(), email="kysely@example.fi", name="Kyösti Kysely")
    assert login(client, "kysely@example.fi").status_code == 302
    client.get("/me")
    with count_queries(app) as counter:
        assert client.get("/me").status_code == 200
    # the person (a test may hold it already), the catalogue version, the unread count: the
    # nav and the page's blocks come from the cache
    assert counter.count <= 3, counter.statements
    tables = {re.search(r"FROM\s+(\w+)", s).group(1) for s in counter.statements}
    assert tables <= {"users", "catalogue_state", "notifications"}, counter.statements


def test_the_study_page_section_html_is_cached_and_an_edit_shows_at_once(app, client):
    from sqlalchemy import select

    from kampus.catalogue.models import Module, Section

    make_user(make_org(), email="opiskelija@example.fi", name="Opi Skelija")
    assert login(client, "opiskelija@example.fi").status_code == 302
    assert client.get(f"/modules/{MODULE}/study").status_code == 200  # the section's HTML is now cached
    module = db.session.scalar(select(Module).where(Module.slug == MODULE))
    section = db.session.scalar(select(Section).where(Section.module_id == module.id).order_by(Section.position))
    section.body = {**section.body, "fi": "**Uusi leipäteksti** välimuistin takaa."}
    db.session.commit()
    html = client.get(f"/modules/{MODULE}/study").get_data(as_text=True)
    assert "<strong>Uusi leipäteksti</strong> välimuistin takaa." in html
    cache.clear()
    assert client.get(f"/modules/{MODULE}/study").get_data(as_text=True).count("Uusi leipäteksti") == 1


def test_the_rate_limit_check_runs_only_for_limited_blueprints(app, client):
    from kampus.extensions import limiter

    hooks = app.before_request_funcs[None]
    assert not any(getattr(h, "__self__", None) is limiter for h in hooks)  # not on every request
    assert any(h.__name__ == "check_limited_blueprints" for h in hooks)
    # The limited ones still are: tests/auth/test_login.py (sign-in) and
    # tests/api/test_paging_and_problems.py (the API's blueprint limit, 429).
    assert client.get("/healthz").status_code == 200


def test_a_whole_cached_signed_in_page_asks_no_unread_count(app, client, count_queries):
    user = make_user(make_org(), email="kokosivu@example.fi", name="Kaija Kokosivu")
    assert login(client, "kokosivu@example.fi").status_code == 302
    client.get("/me")  # shows the flashed "signed in": not stored whole
    client.get("/me")
    with count_queries(app) as counter:
        page = client.get("/me").get_data(as_text=True)
    # the person and the catalogue version: the unread count is in the page version
    assert counter.count <= 2 and not any("notifications" in s for s in counter.statements), counter.statements
    assert cache.CSRF_PLACEHOLDER not in page and form_token(page)
    notifications.notify(user.id, notifications.ASSIGNMENT_OVERDUE, {"path": {"fi": "Polku"}, "due": "2026-12-01"})
    db.session.commit()
    assert "1 lukematon" in _nav(client.get("/me").get_data(as_text=True))


def test_a_flashed_message_shows_on_a_cached_signed_in_page_once(app, client):
    make_user(make_org(), email="viesti@example.fi", name="Veera Viesti")
    assert login(client, "viesti@example.fi").status_code == 302
    client.get("/me")
    client.get("/me")  # the whole page is in the cache now
    with client.session_transaction() as sess:
        sess["_flashes"] = [("info", "Tallennettu tänään")]
    assert "Tallennettu tänään" in client.get("/me").get_data(as_text=True)
    assert "Tallennettu tänään" not in client.get("/me").get_data(as_text=True)


def test_the_cached_study_page_keeps_its_draw_until_an_attempt_and_grades_against_it(app, client, count_queries):
    from sqlalchemy import select

    from kampus.progress.models import Attempt
    from tests.paths.helpers import make_learner, module, shown_check, sign_in, token_of

    user = make_learner()
    sign_in(client)
    url = f"/modules/{MODULE}/study"
    assert client.post(f"/modules/{MODULE}/start", data={"csrf_token": token_of(client, url)}).status_code == 302
    client.get(url)  # the flashed message, if any
    html = client.get(url).get_data(as_text=True)
    with count_queries(app) as counter:
        again = client.get(url).get_data(as_text=True)
    # the person, the catalogue version, the module with its sections and questions: no progress
    assert counter.count <= 6 and not any("attempts" in s or "progress" in s for s in counter.statements)
    token, shown = shown_check(html)
    assert shown_check(again) == (token, shown)  # the same signed draw from the cache
    by_id = {q.id: q for q in module(MODULE).questions}
    data = {"csrf_token": form_token(again), "draw": token}
    for qid in shown:
        data[f"q{qid}"] = [str(c) for c in by_id[qid].correct]
    assert client.post(f"/modules/{MODULE}/check", data=data).status_code == 302
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == user.id))
    assert attempt.score == 100  # graded against the cached draw
    assert shown_check(client.get(url).get_data(as_text=True))[0] != token  # the attempt moved the page
