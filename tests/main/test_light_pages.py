"""Light pages (issue 19): what each request no longer does, and that the shortcuts show the truth.

The navigation is cached per roles, page, language and unread count; the study page's section
HTML per text and language; visitors' cached pages open no session; the rate-limit check runs
only where a limit is."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from kampus import cache
from kampus.catalogue.models import Theme
from kampus.extensions import db
from kampus.notifications import services as notifications
from tests.conftest import dbapi_statements, form_token
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
    db.session.close()  # the test's own app context holds the session: start it without a connection
    with count_queries(app) as counter, dbapi_statements(app) as (statements, checkouts):
        response = visitor.get("/")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    # The catalogue version, on a connection of its own and in no transaction: the request's
    # ORM session is never used (no BEGIN, no ORM statement).
    assert counter.count == 0, counter.statements
    assert [s.split()[0] for s in statements] == ["SELECT"] and "catalogue_state" in statements[0], statements
    assert len(checkouts) == 1
    assert response.headers["X-Request-ID"] and response.headers["Content-Security-Policy"]
    assert "Cookie" in response.headers.get("Vary", "")  # the language may come from the session


def test_a_stored_visitor_page_skips_the_view_and_moves_with_the_catalogue_version(app, monkeypatch):
    from kampus.catalogue import services

    visitor = app.test_client()
    first = visitor.get("/themes/digistrategia").get_data(as_text=True)
    rendered = []
    view = app.view_functions["catalogue.theme"]
    monkeypatch.setitem(app.view_functions, "catalogue.theme", lambda slug: rendered.append(slug) or view(slug))
    assert visitor.get("/themes/digistrategia").get_data(as_text=True) == first
    assert rendered == []  # served by the hook: the view never ran
    theme = db.session.scalars(select(Theme).where(Theme.slug == "digistrategia")).one()
    theme.title = {**theme.title, "fi": "Uusi teemanimi"}
    services.raise_version_once()
    db.session.commit()
    again = visitor.get("/themes/digistrategia").get_data(as_text=True)
    assert rendered == ["digistrategia"] and "Uusi teemanimi" in again
    assert visitor.get("/themes/digistrategia").get_data(as_text=True) == again and len(rendered) == 1


def test_stored_visitor_pages_are_per_language_and_never_served_to_a_signed_in_reader(app):
    visitor = app.test_client()
    finnish = visitor.get("/", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    swedish = visitor.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'lang="fi"' in finnish and 'lang="sv"' in swedish
    assert visitor.get("/", headers={"Accept-Language": "sv"}).get_data(as_text=True) == swedish
    make_user(make_org(), email="lukija@example.fi", name="Luki Ja")
    reader = app.test_client()
    assert login(reader, "lukija@example.fi").status_code == 302
    response = reader.get("/", headers={"Accept-Language": "fi"})
    assert response.headers["Cache-Control"] == "no-store"
    assert 'action="/logout"' in response.get_data(as_text=True) and 'action="/logout"' not in finnish


def test_a_stored_page_and_the_health_check_leave_their_connection_idle_and_the_session_unused(app):
    """Also on PostgreSQL: the statement ran in autocommit, restored before the connection went back."""
    visitor = app.test_client()
    visitor.get("/")
    db.session.close()
    seen = []

    def checkin(dbapi_connection, record):
        status = getattr(getattr(dbapi_connection, "info", None), "transaction_status", None)
        in_transaction = status != 0 if status is not None else dbapi_connection.in_transaction
        seen.append((in_transaction, getattr(dbapi_connection, "autocommit", False)))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkin", checkin)
    try:
        assert visitor.get("/").status_code == 200
        assert visitor.get("/healthz").status_code == 200
        assert not db.session().in_transaction()
    finally:
        event.remove(engine, "checkin", checkin)
    assert seen == [(False, False), (False, False)]


def test_the_health_check_uses_no_session_and_begins_no_transaction(app, count_queries):
    client = app.test_client()
    client.get("/healthz")
    db.session.close()
    with count_queries(app) as counter, dbapi_statements(app) as (statements, checkouts):
        assert client.get("/healthz").status_code == 200
    assert counter.count == 0 and statements == ["SELECT 1"] and len(checkouts) == 1


def test_an_idle_pooled_connection_is_pinged_on_checkout_and_a_busy_one_is_not(app):
    from kampus import db as kampus_db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("statements are traced on SQLite")
    statements: list[str] = []

    def trace(dbapi_connection, record, proxy):
        dbapi_connection.set_trace_callback(statements.append)

    with engine.connect():
        pass  # a pooled connection, checked in just now
    event.listen(engine, "checkout", trace, insert=True)
    try:
        with engine.connect():
            pass
        assert "SELECT 1" not in statements
        with engine.connect() as connection:
            record = connection.connection._connection_record
        record.info[kampus_db._CHECKED_IN] -= app.config["POOL_PING_IDLE_SECONDS"] + 1
        with engine.connect():
            pass
        assert "SELECT 1" in statements
    finally:
        event.remove(engine, "checkout", trace)


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
    # Its after-request and teardown hooks run only for a request that checked a limit.
    for funcs in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
        raw = [
            h for h in funcs if getattr(h, "__self__", None) is limiter or getattr(h, "args", (None,))[:1] == (limiter,)
        ]
        assert raw == [] and any(h.__name__ == "only_when_limited" for h in funcs)
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


def test_a_limit_on_a_stored_pages_blueprint_is_checked_before_the_stored_page(app, make_app, monkeypatch):
    from kampus.extensions import limiter

    visitor = app.test_client()
    visitor.get("/themes/digistrategia")
    rendered = []
    view = app.view_functions["catalogue.theme"]
    monkeypatch.setitem(app.view_functions, "catalogue.theme", lambda slug: rendered.append(slug) or view(slug))
    assert visitor.get("/themes/digistrategia").status_code == 200 and rendered == []  # served early
    # A blueprint limit later put on the catalogue: its stored pages go through the limit (and the view).
    monkeypatch.setitem(limiter.limit_manager._blueprint_limits, "catalogue", [])
    assert visitor.get("/themes/digistrategia").status_code == 200 and rendered == ["digistrategia"]

    def order(app):
        names = [getattr(h, "__name__", "") for h in app.before_request_funcs[None]]
        return names.index("serve_stored_anonymous_page"), names.index("check_limited_blueprints")

    stored, limit = order(make_app())
    assert stored < limit  # no limit on every request: the stored pages come first
    # An application limit (every request) is checked before any stored page. (Flask-Limiter
    # keeps a configured application limit on its one manager: put back after the test.)
    monkeypatch.setattr(limiter.limit_manager, "_application_limits", [])
    app_limited = [
        getattr(h, "__name__", "") for h in make_app(RATELIMIT_APPLICATION="1000 per second").before_request_funcs[None]
    ]
    assert app_limited.index("serve_stored_personal_page") > app_limited.index("serve_stored_anonymous_page")
    assert app_limited.index("serve_stored_anonymous_page") > app_limited.index("_check_request_limit")


def test_a_connection_whose_autocommit_cannot_be_reset_never_goes_back_to_the_pool():
    from types import SimpleNamespace

    from kampus.db import scalar_outside_transaction

    class Driver:
        info = SimpleNamespace(transaction_status=0)  # psycopg's IDLE
        _autocommit = False

        @property
        def autocommit(self):
            return self._autocommit

        @autocommit.setter
        def autocommit(self, value):
            if not value:
                raise OSError("the connection is closed")
            self._autocommit = value

    class Raw:
        driver_connection = Driver()
        invalidated = closed = False

        def cursor(self):
            return SimpleNamespace(execute=lambda sql: None, fetchone=lambda: (7,), close=lambda: None)

        def invalidate(self):
            self.invalidated = True

        def close(self):
            self.closed = True

    raw = Raw()
    assert scalar_outside_transaction(SimpleNamespace(raw_connection=lambda: raw), "SELECT 7") == 7
    assert raw.invalidated and raw.closed
