"""The learner's pages over HTTP: dashboard, self-assessment, building a path,
the path page and studying, with what each must refuse."""

import re

from sqlalchemy import func, select

from kampus.extensions import db
from kampus.paths.models import Path
from kampus.progress import services
from kampus.progress.models import Attempt, LearningEvent, Progress
from tests.conftest import form_token, snapshot_database
from tests.paths.helpers import make_learner, module, sign_in, submit_check, token_of


def create_path(client, **fields):
    data = {"csrf_token": token_of(client, "/paths/new"), "title": "Polku"}
    data.update(fields)
    return client.post("/paths/new", data=data)


def answer_right(client, slug):
    return submit_check(client, slug, right=True)


def test_learner_pages_need_a_sign_in(client):
    for url in ("/me", "/me/assessment", "/paths/new", "/paths/1", "/modules/digcomp-perusteet/study"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_building_a_path_toward_a_theme_orders_prerequisites_first(client):
    make_learner()
    sign_in(client)
    response = create_path(
        client, title="Sisällöt", themes=["digitaaliset-sisallot"], minutes_per_week="120", due="2099-01-01"
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    order = re.findall(r'<tr data-slug="([^"]+)"', html)
    # the theme's six modules plus what they require across themes (3.5 procurement needs 3.1 and 3.4)
    assert {
        "oppimateriaalin-laatu",
        "saavutettava-sisalto",
        "hankinnat-ja-saavutettavuus",
        "kokonaisarkkitehtuuri",
        "tietoturva-ja-tietosuoja",
    } <= set(order)
    assert order.index("hankinnat-ja-saavutettavuus") < order.index("saavutettava-sisalto")
    assert order.index("oppimateriaalin-tuottaminen") < order.index("saavutettava-sisalto")
    assert "Locked until you complete" in html or "Lukittu, kunnes" in html or 'class="blocked"' in html
    assert 'href="/modules/kokonaisarkkitehtuuri/study"' in html
    assert "1.1.2099" in html  # the target date, in Finnish format


def test_a_rejected_path_form_keeps_what_was_typed(client):
    make_learner()
    sign_in(client)
    response = create_path(client, title="Oma polku", modules=["digcomp-perusteet"], minutes_per_week="0")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Oma polku"' in html
    assert re.search(r'id="module-digcomp-perusteet" name="modules" value="digcomp-perusteet" checked', html)
    assert 'aria-invalid="true"' in html
    response = create_path(client, title="Ei tavoitteita")
    assert response.status_code == 400 and 'value="Ei tavoitteita"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Path.id))) == 0


def test_another_learners_path_is_not_found(client):
    make_learner("toinen@example.fi")
    other = make_learner()
    sign_in(client)
    create_path(client, modules=["digcomp-perusteet"])
    path_id = db.session.scalar(select(Path.id).where(Path.user_id == other.id))
    client.post("/logout", data={"csrf_token": token_of(client, "/me")})
    sign_in(client, "toinen@example.fi")
    assert client.get(f"/paths/{path_id}").status_code == 404
    response = client.post(f"/paths/{path_id}/delete", data={"csrf_token": token_of(client, "/me"), "confirm": "yes"})
    assert db.session.scalar(select(func.count(Path.id))) == 1, response.status_code


def test_completing_a_module_moves_the_dashboard_bar_and_unlocks_the_next(client):
    make_learner()
    sign_in(client)
    create_path(client, title="Tuottaminen", modules=["oppimateriaalin-tuottaminen"])
    before = client.get("/me").get_data(as_text=True)
    assert re.search(r'<progress id="bar-p\d+" max="3" value="0">', before)
    answer_right(client, "oppimateriaalin-laatu")
    answer_right(client, "tekijanoikeudet-ja-avoimuus")
    after = client.get("/me").get_data(as_text=True)
    assert re.search(r'<progress id="bar-p\d+" max="3" value="2">', after)
    assert 'href="/modules/oppimateriaalin-tuottaminen/study"' in after  # continue with the unlocked module


def test_a_locked_module_cannot_be_tested_out_through_the_page(client):
    user = make_learner()
    sign_in(client)
    page = client.get("/modules/saavutettava-sisalto/test-out").get_data(as_text=True)
    assert 'name="draw"' not in page  # no self-check is offered while locked
    m = module("saavutettava-sisalto")
    signed = services.draw_token(user.id, m, services.draw_check(m))  # a validly signed form, sent anyway
    response = submit_check(client, "saavutettava-sisalto", draw=signed)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Attempt.id))) == 0
    assert db.session.scalar(select(func.count(Progress.id)).where(Progress.status != "in_progress")) == 0


def test_study_pages_show_sections_one_at_a_time_and_remember_the_place(client):
    make_learner()
    sign_in(client)
    m = module("digcomp-perusteet")
    before = snapshot_database()
    intro = client.get("/modules/digcomp-perusteet/study").get_data(as_text=True)
    assert snapshot_database() == before  # opening the page starts nothing and logs nothing
    assert (
        'action="/modules/digcomp-perusteet/start"' in intro and 'href="/modules/digcomp-perusteet/test-out"' in intro
    )
    started = client.post("/modules/digcomp-perusteet/start", data={"csrf_token": form_token(intro)})
    assert started.status_code == 302 and started.headers["Location"].endswith("/modules/digcomp-perusteet/study")
    first = client.get("/modules/digcomp-perusteet/study").get_data(as_text=True)
    assert m.sections[0].title["fi"] in first and m.sections[1].title["fi"] in first  # the index lists all
    assert 'id="section-title">' + m.sections[0].title["fi"] in first
    moved = client.post("/modules/digcomp-perusteet/sections/1", data={"csrf_token": form_token(first)})
    assert moved.headers["Location"].endswith("/modules/digcomp-perusteet/study?section=1")
    again = client.get("/modules/digcomp-perusteet/study").get_data(as_text=True)
    assert 'id="section-title">' + m.sections[1].title["fi"] in again
    assert client.get("/modules/digcomp-perusteet/study?section=99").status_code == 404
    verbs = db.session.scalars(select(LearningEvent.verb).order_by(LearningEvent.id)).all()
    assert verbs == ["started", "section_viewed"]


def test_self_assessment_proposes_and_recognises_only_what_is_confirmed(client):
    make_learner()
    sign_in(client)
    token = token_of(client, "/me/assessment")
    response = client.post("/me/assessment", data={"csrf_token": token, "level-digitaaliset-sisallot": "A2"})
    assert response.status_code == 302
    html = client.get("/me/assessment").get_data(as_text=True)
    proposed = set(re.findall(r'name="modules" value="([^"]+)" checked', html))
    assert proposed == {"oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"}  # the theme's A1–A2 modules
    client.post("/me/assessment/confirm", data={"csrf_token": token, "modules": ["oppimateriaalin-laatu"]})
    rows = db.session.execute(select(Progress.status, Progress.recognised_by)).all()
    assert rows == [("recognised", "self_assessment")]
    refused = client.post("/me/assessment/confirm", data={"csrf_token": token, "modules": ["video-simulaatiot-xr"]})
    assert refused.status_code == 302
    assert db.session.scalar(select(func.count(Progress.id))) == 1


def test_dashboard_prompts_for_self_assessment_until_done(client):
    make_learner()
    sign_in(client)
    assert 'href="/me/assessment"' in client.get("/me").get_data(as_text=True)
    client.post("/me/assessment", data={"csrf_token": token_of(client, "/me/assessment"), "level-pedagogiikka": "A1"})
    assert "Start with a self-assessment" not in client.get("/me", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_theme_page_colours_the_learners_statuses_with_words(client):
    make_learner()
    sign_in(client)
    answer_right(client, "oppimateriaalin-laatu")
    html = client.get("/themes/digitaaliset-sisallot").get_data(as_text=True)
    assert re.search(r'class="graph-node node-recognised" data-slug="oppimateriaalin-laatu"', html)
    assert re.search(r'class="graph-node node-locked" data-slug="saavutettava-sisalto"', html)


def test_dashboard_query_count_does_not_grow_with_paths(app, client, count_queries):
    make_learner()
    sign_in(client)
    create_path(client, modules=["digcomp-perusteet"], themes=["pedagogiikka"])
    from kampus import cache

    cache.clear()  # measure the page as computed, not as cached
    with count_queries(app) as one:
        client.get("/me")
    for theme in ("digistrategia", "ohjaus-ja-tuki", "verkostoituminen"):
        create_path(client, themes=[theme], modules=["tietoturva-ja-tietosuoja"])
    cache.clear()
    with count_queries(app) as four:
        html = client.get("/me").get_data(as_text=True)
    assert html.count('<progress id="bar-') == 4

    # Whether the reader is loaded again depends on what the session still holds: leave that out.
    def computing(counter):
        return [q for q in counter.statements if not q.lstrip().startswith("SELECT users.id, users.email")]

    assert len(computing(four)) == len(computing(one)) <= 13, "\n\n".join(
        four.statements
    )  # one is the nav's unread count
    with count_queries(app) as cached:
        assert client.get("/me").get_data(as_text=True).count('<progress id="bar-') == 4
    assert (
        cached.count <= 3
    )  # at most the reader, the catalogue version and the nav's unread count: the page's blocks come from the cache
