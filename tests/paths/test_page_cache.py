"""A learner's pages are cached per person and page version (kampus.cache): a repeat costs no
planning, and anything that changes what they see moves the version, through the pages."""

from __future__ import annotations

import datetime as dt
import re

from kampus import cache
from kampus.assignments import services as assignments
from kampus.extensions import db
from kampus.orgs.models import TeamMembership
from tests.conftest import form_token
from tests.factories import make_org, make_team, make_user
from tests.paths.helpers import make_learner, sign_in

GOAL = "digcomp-perusteet"


def test_progress_made_through_the_study_page_shows_at_once_on_the_cached_dashboard(app, client, count_queries):
    make_learner()
    sign_in(client)
    from tests.paths.test_pages import create_path

    create_path(client, modules=[GOAL], themes=[])
    before = client.get("/me").get_data(as_text=True)
    with count_queries(app) as counter:
        assert client.get("/me").get_data(as_text=True).count("<progress") == before.count("<progress")
    assert counter.count <= 2
    intro = client.get(f"/modules/{GOAL}/study").get_data(as_text=True)
    assert client.post(f"/modules/{GOAL}/start", data={"csrf_token": form_token(intro)}).status_code == 302
    after = client.get("/me").get_data(as_text=True)
    assert "Aloitettu" not in before and "Aloitettu:" in after  # the recent activity: started


def test_a_team_assignment_and_joining_a_team_show_on_the_cached_dashboard(app, client):
    org = make_org("Välimuistiopisto")
    learner = make_user(org, email="oppija@example.fi", name="Olli Oppija", password="oppija-salasana-1")
    manager = make_user(org, manager=True, email="esihenkilo@example.fi", name="Esi Henkilö")
    team = make_team(org, "Opettajat")
    sign_in(client)
    assert "Polku välimuistista" not in client.get("/me").get_data(as_text=True)
    template = assignments.save_template(
        None,
        organisation_id=org.id,
        title={"fi": "Polku välimuistista"},
        description={},
        target_group=None,
        module_slugs=[GOAL],
        theme_slugs=[],
    )
    assignments.assign(
        org.id,
        manager.id,
        template_id=template.id,
        team_id=team.id,
        user_ids=[],
        due=dt.date.today() + dt.timedelta(days=60),
        note="",
    )
    db.session.commit()
    assert "Polku välimuistista" not in client.get("/me").get_data(as_text=True)  # not in the team yet
    db.session.add(TeamMembership(team_id=team.id, user_id=learner.id))
    db.session.commit()
    assert "Polku välimuistista" in client.get("/me").get_data(as_text=True)


def test_one_learners_cached_page_is_never_shown_to_another(app):
    make_learner("a@example.fi", "Aino Ensimmäinen")
    make_learner("b@example.fi", "Bertta Toinen")
    first, second = app.test_client(), app.test_client()
    sign_in(first, "a@example.fi")
    sign_in(second, "b@example.fi")
    from tests.paths.test_pages import create_path

    create_path(first, modules=[GOAL], themes=[])
    page_a = first.get("/me").get_data(as_text=True)
    page_b = second.get("/me").get_data(as_text=True)
    assert page_a.count("<progress") == 1 and page_b.count("<progress") == 0
    assert form_token(page_a) != form_token(page_b)


def test_without_the_cache_the_page_is_the_same(app, client):
    make_learner()
    sign_in(client)
    from tests.paths.test_pages import create_path

    create_path(client, modules=[GOAL], themes=["pedagogiikka"])
    client.get("/me")
    cached = client.get("/me").get_data(as_text=True)
    app.config["PAGE_CACHE"] = False
    fresh = client.get("/me").get_data(as_text=True)
    tokens = re.compile(r'name="csrf_token" value="[^"]+"')
    assert tokens.sub("", cached) == tokens.sub("", fresh)
    cache.clear()
