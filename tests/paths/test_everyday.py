"""A learner's everyday use of the path page: after passing a module the result page
offers the next module and the way back; the path page lists the finished modules,
collapsed, with how each was finished; one weekly study time, set on the path page or
the account page, plans every path."""

import re

from sqlalchemy import select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.paths.models import Path
from tests.paths.helpers import make_learner, module, sign_in, submit_check, token_of


def create_path(client, **fields):
    data = {"csrf_token": token_of(client, "/paths/new"), "title": "Polku"}
    data.update(fields)
    response = client.post("/paths/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def test_passing_a_module_offers_the_next_module_and_the_way_back_to_the_path(client):
    make_learner()
    sign_in(client)
    path_url = create_path(client, title="Tuottaminen", modules=["oppimateriaalin-tuottaminen"])
    first_next = re.search(r'<tr data-slug="([^"]+)"', client.get(path_url).get_data(as_text=True)).group(1)
    passed = submit_check(client, first_next)  # tested out: recognised by self-check
    result = client.get(passed.headers["Location"]).get_data(as_text=True)
    path_page = client.get(path_url).get_data(as_text=True)
    following = re.search(r'<tr data-slug="([^"]+)"', path_page).group(1)
    assert following != first_next
    nav = re.search(r'<nav class="after-module.*?</nav>', result, re.S).group(0)
    assert f'href="/modules/{following}/study"' in nav and module(following).title["fi"] in nav
    assert f'href="{path_url}"' in nav  # back to my path


def test_a_failed_attempt_offers_no_next_module(client):
    make_learner()
    sign_in(client)
    create_path(client, modules=["oppimateriaalin-tuottaminen"])
    failed = submit_check(client, "oppimateriaalin-laatu", right=False)
    assert 'class="after-module' not in client.get(failed.headers["Location"]).get_data(as_text=True)


def test_a_finished_module_outside_every_path_goes_back_to_my_paths(client):
    make_learner()
    sign_in(client)
    passed = submit_check(client, "digcomp-perusteet")
    nav = re.search(
        r'<nav class="after-module.*?</nav>', client.get(passed.headers["Location"]).get_data(as_text=True), re.S
    )
    assert nav and 'href="/me"' in nav.group(0) and 'rel="next"' not in nav.group(0)


def test_the_path_page_lists_finished_modules_collapsed_with_how_they_were_finished(client):
    make_learner()
    sign_in(client)
    path_url = create_path(client, title="Tuottaminen", modules=["oppimateriaalin-tuottaminen"])
    submit_check(client, "oppimateriaalin-laatu")  # tested out (recognised by self-check)
    start = token_of(client, "/modules/tekijanoikeudet-ja-avoimuus/study")
    client.post("/modules/tekijanoikeudet-ja-avoimuus/start", data={"csrf_token": start})
    submit_check(client, "tekijanoikeudet-ja-avoimuus", url="/modules/tekijanoikeudet-ja-avoimuus/study")
    html = client.get(path_url).get_data(as_text=True)
    assert "2 of 3 modules done" in html or re.search(r"2\D+3", html)
    details = re.search(r'<details class="done-modules".*?</details>', html, re.S).group(0)
    assert "<summary>" in details and " open" not in details.split(">")[0]  # collapsed, no JavaScript needed
    items = dict(re.findall(r'<li data-slug="([^"]+)">(.*?)</li>', details, re.S))
    assert set(items) == {"oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"}
    assert "Tunnustettu" in items["oppimateriaalin-laatu"] and "itsetestillä" in items["oppimateriaalin-laatu"]
    assert "Suoritettu" in items["tekijanoikeudet-ja-avoimuus"]
    assert 'class="provenance"' not in items["tekijanoikeudet-ja-avoimuus"]


def test_weekly_time_set_on_the_path_page_plans_every_path(client):
    user = make_learner()
    sign_in(client)
    path_url = create_path(client, title="Ilman aikaa", modules=["oppimateriaalin-tuottaminen"])
    page = client.get(path_url).get_data(as_text=True)
    assert 'action="/me/weekly-time"' in page and '<th scope="col">Viikko</th>' not in page
    key = "p" + path_url.rsplit("/", 1)[1]
    response = client.post(
        "/me/weekly-time", data={"csrf_token": token_of(client, path_url), "back": key, "minutes_per_week": "45"}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith(path_url)
    db.session.expire_all()
    assert db.session.get(User, user.id).minutes_per_week == 45
    page = client.get(path_url).get_data(as_text=True)
    assert re.search(r'id="minutes_per_week"[^>]*value="45"', page)
    assert '<th scope="col">Viikko</th>' in page  # a week plan
    assert "45 minuuttia" in page
    # the account page shows and sets the same value
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'id="minutes_per_week"[^>]*value="45"', account)
    response = client.post(
        "/me/weekly-time",
        data={"csrf_token": token_of(client, "/account"), "back": "account", "minutes_per_week": "90"},
    )
    assert response.headers["Location"].startswith("/account")
    assert "90 minuuttia" in client.get(path_url).get_data(as_text=True)


def test_a_bad_weekly_time_is_refused_beside_the_field_and_keeps_what_was_typed(client):
    user = make_learner()
    sign_in(client)
    path_url = create_path(client, modules=["oppimateriaalin-tuottaminen"])
    key = "p" + path_url.rsplit("/", 1)[1]
    for typed in ("0", "2401", "-5", "puoli tuntia"):
        response = client.post(
            "/me/weekly-time", data={"csrf_token": token_of(client, path_url), "back": key, "minutes_per_week": typed}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400, typed
        assert f'value="{typed}"' in html and 'aria-invalid="true"' in html
        error = re.search(r'id="minutes_per_week-error">(.*?)</p>', html, re.S).group(1)
        assert "2 400" in error or "2,400" in error
    response = client.post(
        "/me/weekly-time",
        data={"csrf_token": token_of(client, "/account"), "back": "account", "minutes_per_week": "9999"},
    )
    assert response.status_code == 400 and 'value="9999"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).minutes_per_week is None


def test_an_assigned_path_offers_the_weekly_time_form_and_uses_it(client):
    from kampus.assignments.models import PathTemplate
    from tests.factories import make_assignment, make_org, make_team, make_user

    org = make_org()
    manager = make_user(org, manager=True)
    learner = make_user(org, email="opettaja@example.fi")
    team = make_team(org, members=[learner])
    template = db.session.scalar(select(PathTemplate).limit(1))
    _template, a = make_assignment(
        org,
        manager,
        team,
        title="Polku",
        module_slugs=["oppimateriaalin-tuottaminen"],
        template=template,
        due_in_days=60,
    )
    from tests.factories import login

    login(client, "opettaja@example.fi")
    url = f"/me/assignments/{a.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'action="/me/weekly-time"' in page and f'name="back" value="a{a.id}"' in page
    response = client.post(
        "/me/weekly-time", data={"csrf_token": token_of(client, url), "back": f"a{a.id}", "minutes_per_week": "30"}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "30 minuuttia" in page and '<th scope="col">Viikko</th>' in page
    assert db.session.scalar(select(Path.id)) is None  # nothing else was made
