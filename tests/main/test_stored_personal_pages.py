"""A signed-in reader's stored whole page is served before the view (kampus.cache.serve_stored_personal_page):
one light read instead of the ORM user, the view and the locale machinery, and never to a session
that would not sign its person in, nor past a version the page depends on."""

from __future__ import annotations

import logging

from sqlalchemy import update

from kampus import cache
from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import Organisation
from tests.conftest import dbapi_statements, form_token
from tests.factories import login, make_org, make_team, make_user


def _stored(client, url: str) -> str:
    """GET ``url`` until its whole page is stored (the first after sign-in shows the flash)."""
    client.get(url)
    return client.get(url).get_data(as_text=True)


def _counting_view(app, monkeypatch, endpoint: str) -> list:
    ran: list = []
    view = app.view_functions[endpoint]

    def counted(**kwargs):
        ran.append(kwargs)
        return view(**kwargs)

    monkeypatch.setitem(app.view_functions, endpoint, counted)
    return ran


def test_a_stored_signed_in_page_skips_the_view_and_costs_one_statement(app, monkeypatch, count_queries, caplog):
    user = make_user(make_org(), email="varasto@example.fi", name="Vilja Varasto")
    client = app.test_client()
    assert login(client, "varasto@example.fi").status_code == 302
    first = _stored(client, "/me")
    ran = _counting_view(app, monkeypatch, "paths.dashboard")
    db.session.close()  # the test's own session: the request must not use it
    caplog.clear()
    with (
        caplog.at_level(logging.INFO, "kampus.request"),
        count_queries(app) as counter,
        dbapi_statements(app) as (statements, _checkouts),
    ):
        response = client.get("/me")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and ran == []  # the view never ran
    # one light read (the person, their organisation's versions, the catalogue version), no ORM
    assert counter.count == 0, counter.statements
    assert [s.split()[0] for s in statements] == ["SELECT"] and "FROM users u" in statements[0], statements
    assert page.replace(form_token(page), "") == first.replace(form_token(first), "")
    assert cache.CSRF_PLACEHOLDER not in page and form_token(page) == form_token(first)  # the session's token
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Request-ID"]
    lines = {(r.user_id, r.status) for r in caplog.records if r.name == "kampus.request"}
    assert lines == {(user.id, 200)}  # the log line names the reader


def test_a_session_that_no_longer_signs_its_person_in_never_gets_the_stored_page(app):
    user = make_user(make_org(), email="vanha@example.fi", name="Ville Vanha")
    devices = [app.test_client() for _ in range(3)]
    for device in devices:
        assert login(device, "vanha@example.fi").status_code == 302
        assert "Ville Vanha" in _stored(device, "/me")
    # Core writes, so the page version stays and the stored page's key with it: only the
    # session checks stand between these sessions and the page.
    db.session.execute(update(User).where(User.id == user.id).values(secret="kierretty-salaisuus-" + "x" * 20))
    db.session.commit()
    response = devices[0].get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    other = make_user(make_org("Toinen opisto"), email="pois@example.fi", name="Paula Pois")
    device = app.test_client()
    assert login(device, "pois@example.fi").status_code == 302
    assert "Paula Pois" in _stored(device, "/me")
    db.session.execute(update(User).where(User.id == other.id).values(active=False))
    db.session.commit()
    response = device.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_cookie_replayed_from_another_browser_never_gets_the_stored_page(app):
    make_user(make_org(), email="suojattu@example.fi", name="Sanna Suojattu")
    client = app.test_client()
    assert login(client, "suojattu@example.fi").status_code == 302
    assert "Sanna Suojattu" in _stored(client, "/me")
    # Strong session protection: another browser's User-Agent ends the session (Flask-Login decides).
    response = client.get("/me", headers={"User-Agent": "Toinen selain/1.0"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_stored_team_page_moves_with_the_organisations_report_version(app, monkeypatch):
    org = make_org("Raporttiopisto")
    make_user(org, manager=True, email="raportti@example.fi", name="Raili Raportti")
    team = make_team(org, "Opettajat")
    db.session.commit()
    client = app.test_client()
    assert login(client, "raportti@example.fi").status_code == 302
    url = f"/org/teams/{team.id}"
    first = _stored(client, url)
    assert "Opettajat" in first
    ran = _counting_view(app, monkeypatch, "orgs.team")
    assert client.get(url).status_code == 200 and ran == []
    # The report version, moved without the page version (a Core write): the page depends on it.
    db.session.execute(
        update(Organisation).where(Organisation.id == org.id).values(report_version=Organisation.report_version + 1)
    )
    db.session.commit()
    assert "Opettajat" in client.get(url).get_data(as_text=True) and ran == [{"team_id": team.id}]
    assert client.get(url).status_code == 200 and len(ran) == 1  # stored again under the new version


def test_the_stored_study_page_shows_a_direct_edit_at_once(app, monkeypatch):
    from sqlalchemy import select

    from kampus.catalogue.models import Module, Section

    make_user(make_org(), email="suora@example.fi", name="Sulo Suora")
    client = app.test_client()
    assert login(client, "suora@example.fi").status_code == 302
    url = "/modules/digcomp-perusteet/study"
    _stored(client, url)
    ran = _counting_view(app, monkeypatch, "progress.study")
    assert client.get(url).status_code == 200 and ran == []
    module = db.session.scalar(select(Module).where(Module.slug == "digcomp-perusteet"))
    section = db.session.scalar(select(Section).where(Section.module_id == module.id).order_by(Section.position))
    section.title = {**section.title, "fi": "Suoraan muokattu otsikko"}
    db.session.commit()  # no write path, no explicit raise: the catalogue version moves anyway
    assert "Suoraan muokattu otsikko" in client.get(url).get_data(as_text=True) and len(ran) == 1


def test_a_stored_page_signs_the_sessions_csrf_token_once_and_the_token_still_works(app, monkeypatch):
    import flask_wtf.csrf

    make_user(make_org(), email="allekirjoitus@example.fi", name="Aili Allekirjoitus")
    client = app.test_client()
    assert login(client, "allekirjoitus@example.fi").status_code == 302
    _stored(client, "/me")
    signed = []
    generate = flask_wtf.csrf.generate_csrf
    monkeypatch.setattr(flask_wtf.csrf, "generate_csrf", lambda *a, **k: signed.append(1) or generate(*a, **k))
    tokens = {form_token(client.get("/me").get_data(as_text=True)) for _ in range(3)}
    assert len(tokens) == 1 and len(signed) <= 1  # signed at most once, then handed out again
    other = app.test_client()
    assert login(other, "allekirjoitus@example.fi").status_code == 302
    assert form_token(_stored(other, "/me")) not in tokens  # each session its own
    # Tokens that expire are signed again after SIGNED_TOKEN_REUSE seconds.
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    monkeypatch.setattr(cache, "SIGNED_TOKEN_REUSE", -1)
    signed.clear()
    client.get("/me")
    client.get("/me")
    assert len(signed) == 2
    # The reused token is accepted: signing out with it works.
    response = client.post("/logout", data={"csrf_token": tokens.pop()})
    assert response.status_code == 302 and client.get("/me").status_code == 302
