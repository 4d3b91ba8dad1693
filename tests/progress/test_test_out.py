"""Testing out through the pages people use: opening a module changes nothing,
Start and Test out are offered before studying, a pass at the test-out mark is
recognised (self-check) and shown on the path and dashboard, failures lead to a
cool-down that never blocks studying, and a reload never records twice."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kampus.db import utcnow
from kampus.errors import NotAllowed
from kampus.extensions import db
from kampus.progress import services
from kampus.progress.models import Attempt, LearningEvent, Progress
from tests.conftest import form_token, snapshot_database
from tests.paths.helpers import make_learner, module, shown_check, shown_choices, sign_in, submit_check, token_of

SLUG = "oppimateriaalin-laatu"  # no prerequisites; oppimateriaalin-tuottaminen needs it


def attempts(user_id=None):
    query = select(func.count(Attempt.id))
    if user_id:
        query = query.where(Attempt.user_id == user_id)
    return db.session.scalar(query)


def progress_of(user_id, slug=SLUG):
    return db.session.scalar(select(Progress).where(Progress.user_id == user_id, Progress.module_id == module(slug).id))


def test_a_new_learner_tests_out_and_sees_it_recognised_on_the_path_and_dashboard(client):
    user = make_learner()
    sign_in(client)
    client.post(
        "/paths/new",
        data={
            "csrf_token": token_of(client, "/paths/new"),
            "title": "Tuottaminen",
            "modules": ["oppimateriaalin-tuottaminen"],
        },
    )
    summary = client.get(f"/modules/{SLUG}").get_data(as_text=True)
    assert f'action="/modules/{SLUG}/start"' in summary and f'href="/modules/{SLUG}/test-out"' in summary
    before = snapshot_database()
    page = client.get(f"/modules/{SLUG}/test-out")
    assert page.status_code == 200 and snapshot_database() == before  # showing the check records nothing
    assert "80 %" in page.get_data(as_text=True)  # the test-out mark, not the ordinary 70

    response = submit_check(client, SLUG, right=True)
    assert response.status_code == 302
    assert re.fullmatch(rf"/modules/{SLUG}/attempts/\d+", response.headers["Location"])
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="result result-pass"' in result and "status-recognised" in result

    row = progress_of(user.id)
    assert (row.status, row.recognised_by, row.best_score) == ("recognised", "self_check", 100)
    attempt = db.session.scalar(select(Attempt))
    assert (
        attempt.kind == "test_out"
        and attempt.passed
        and sorted(attempt.draw["q"]) == sorted(int(k) for k in attempt.answers)
    )
    verbs = db.session.scalars(select(LearningEvent.verb).where(LearningEvent.user_id == user.id)).all()
    assert "started" not in verbs and verbs[-1] == "recognised"

    path_id = re.search(r'href="/paths/(\d+)"', client.get("/me").get_data(as_text=True)).group(1)
    path_page = client.get(f"/paths/{path_id}").get_data(as_text=True)
    done = re.search(rf'<li data-slug="{SLUG}">.*?</li>', path_page, re.S).group(0)
    assert "Tunnustettu" in done and "itsetestillä" in done
    dashboard = client.get("/me").get_data(as_text=True)
    assert re.search(r"Tunnustettu <span class=\"provenance\">itsetestillä</span>", dashboard)
    assert re.search(r'<progress id="bar-p\d+" max="3" value="1">', dashboard)


def test_a_pass_after_starting_completes_instead(client):
    user = make_learner()
    sign_in(client)
    started = client.post(f"/modules/{SLUG}/start", data={"csrf_token": token_of(client, f"/modules/{SLUG}/study")})
    assert started.status_code == 302
    assert client.get(f"/modules/{SLUG}/test-out").headers["Location"].endswith(f"/modules/{SLUG}/study#check")
    response = submit_check(client, SLUG, right=True, url=f"/modules/{SLUG}/study")
    assert response.status_code == 302
    row = progress_of(user.id)
    assert (row.status, row.recognised_by) == ("completed", None)
    assert db.session.scalar(select(Attempt.kind)) == "study"


def test_test_out_asks_its_own_higher_mark_but_study_the_ordinary_one(client):
    user = make_learner()
    sign_in(client)
    m = module(SLUG)
    m.pass_mark, m.test_out_pass_mark = 50, 100
    db.session.commit()
    n = len(m.questions)
    submit_check(client, SLUG, right=n - 1)  # all but one right: enough for study, not for testing out
    assert progress_of(user.id) is None
    client.post(f"/modules/{SLUG}/start", data={"csrf_token": token_of(client, f"/modules/{SLUG}/study")})
    submit_check(client, SLUG, right=n - 1, url=f"/modules/{SLUG}/study")
    assert progress_of(user.id).status == "completed"
    assert db.session.scalars(select(Attempt.passed).order_by(Attempt.id)).all() == [False, True]


def test_failing_twice_gives_a_cool_down_and_ordinary_study_stays_open(client):
    user = make_learner()
    sign_in(client)
    first = submit_check(client, SLUG, right=False)
    failed = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'class="result result-fail"' in failed and 'id="cooldown"' not in failed
    second = submit_check(client, SLUG, right=False)
    after_second = client.get(second.headers["Location"]).get_data(as_text=True)
    assert 'id="cooldown"' in after_second and f'action="/modules/{SLUG}/start"' in after_second
    page = client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)
    assert 'id="cooldown"' in page and 'name="draw"' not in page
    assert "Olet käyttänyt osaamisen osoittamisen yrityksesi" in page

    m = module(SLUG)
    signed = services.draw_token(user.id, m, services.draw_check(m))  # a form kept open from before
    refused = submit_check(client, SLUG, right=True, draw=signed)
    assert refused.status_code == 403 and attempts() == 2 and progress_of(user.id) is None

    client.post(f"/modules/{SLUG}/start", data={"csrf_token": form_token(page)})
    study = client.get(f"/modules/{SLUG}/study").get_data(as_text=True)
    assert 'name="draw"' in study  # the ordinary self-check is there
    assert submit_check(client, SLUG, right=True, url=f"/modules/{SLUG}/study").status_code == 302
    assert progress_of(user.id).status == "completed"


def test_the_cool_down_ends_after_the_configured_time(app):
    user = make_learner()
    m = module(SLUG)
    wrong = {q.id: [next(i for i in range(len(q.choices)) if i not in q.correct)] for q in m.questions}
    right = {q.id: list(q.correct) for q in m.questions}
    rules = services.RetryRules(attempts=2, cooldown=timedelta(hours=24))
    t0 = utcnow()
    services.submit_self_check(user.id, m, wrong, rules=rules, now=t0)
    services.submit_self_check(user.id, m, wrong, rules=rules, now=t0 + timedelta(minutes=5))
    with pytest.raises(NotAllowed):
        services.submit_self_check(user.id, m, right, rules=rules, now=t0 + timedelta(hours=23))
    result = services.submit_self_check(user.id, m, right, rules=rules, now=t0 + timedelta(hours=25))
    assert result.outcome == "recognised"


def test_the_attempt_limit_and_cool_down_come_from_the_configuration(make_app, monkeypatch):
    from kampus.config import Config

    monkeypatch.setenv("KAMPUS_TEST_OUT_ATTEMPTS", "3")
    monkeypatch.setenv("KAMPUS_TEST_OUT_COOLDOWN_HOURS", "6")
    assert Config.from_environment()["TEST_OUT_ATTEMPTS"] == 3
    app = make_app("catalogue", TEST_OUT_ATTEMPTS=1, TEST_OUT_COOLDOWN_HOURS=6)
    with app.app_context():
        assert services.retry_rules() == services.RetryRules(1, timedelta(hours=6))
        make_learner()
        client = app.test_client()
        sign_in(client)
        submit_check(client, SLUG, right=False)
        assert 'id="cooldown"' in client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)


def test_a_reload_or_a_second_send_after_submitting_records_one_attempt(client):
    make_learner()
    sign_in(client)
    html = client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)
    token, shown = shown_check(html)
    m = module(SLUG)
    by_id = {q.id: q for q in m.questions}
    data = {
        "csrf_token": form_token(html),
        "draw": token,
        **{f"q{qid}": [str(c) for c in by_id[qid].correct] for qid in shown},
    }
    first = client.post(f"/modules/{SLUG}/check", data=data)
    location = first.headers["Location"]
    for _ in range(2):  # reloading the result page
        assert client.get(location).status_code == 200
    again = client.post(f"/modules/{SLUG}/check", data=data)  # the browser sends the form again
    assert again.status_code == 302 and again.headers["Location"] == location
    assert attempts() == 1
    assert db.session.scalar(select(func.count(LearningEvent.id)).where(LearningEvent.verb == "attempted")) == 1


def test_choices_are_shuffled_per_attempt_and_the_form_posts_choice_ids(client):
    make_learner()
    sign_in(client)
    m = module(SLUG)
    q = m.questions[0]
    orders = set()
    for _ in range(12):
        html = client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)
        order = shown_choices(html, q.id)
        assert sorted(order) == list(range(len(q.choices)))  # every choice once, valued by its id
        labels = re.findall(rf'<label for="q{q.id}-(\d+)">(.*?)</label>', html)
        assert [(int(i), text) for i, text in labels] == [(i, q.choices[i]["fi"]) for i in order]  # a Finnish reader
        orders.add(tuple(order))
    assert len(orders) > 1
    # an invalid choice id posted as a 'position' is ignored, not graded as another choice
    html = client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)
    token, shown = shown_check(html)
    data = {
        "csrf_token": form_token(html),
        "draw": token,
        **{f"q{qid}": [str(len(m.questions[0].choices) + 5)] for qid in shown},
    }
    assert client.post(f"/modules/{SLUG}/check", data=data).status_code == 400  # unanswered: nothing valid chosen
    assert attempts() == 0


def test_the_same_order_is_kept_when_a_form_comes_back_with_an_error(client):
    make_learner()
    sign_in(client)
    html = client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True)
    token, shown = shown_check(html)
    response = client.post(f"/modules/{SLUG}/check", data={"csrf_token": form_token(html), "draw": token})
    assert response.status_code == 400
    back = response.get_data(as_text=True)
    assert shown_check(back) == (token, shown)
    assert all(shown_choices(back, qid) == shown_choices(html, qid) for qid in shown)


def test_a_pool_larger_than_the_number_asked_draws_each_attempt(client):
    user = make_learner()
    sign_in(client)
    m = module(SLUG)
    m.questions_asked = 2
    db.session.commit()
    drawn = set()
    for _ in range(8):
        _token, shown = shown_check(client.get(f"/modules/{SLUG}/test-out").get_data(as_text=True))
        assert len(shown) == 2
        drawn.add(tuple(shown))
    assert len(drawn) > 1
    response = submit_check(client, SLUG, right=True)
    stored = db.session.scalar(select(Attempt))
    assert len(stored.draw["q"]) == 2 and stored.score == 100
    assert progress_of(user.id).status == "recognised"
    assert response.status_code == 302


def test_an_attempt_of_another_learner_is_not_found(client):
    make_learner("toinen@example.fi")
    make_learner()
    sign_in(client)
    location = submit_check(client, SLUG, right=False).headers["Location"]
    client.post("/logout", data={"csrf_token": token_of(client, "/me")})
    sign_in(client, "toinen@example.fi")
    assert client.get(location).status_code == 404
    m = module(SLUG)
    others = services.draw_token(db.session.scalar(select(Attempt.user_id)), m, services.draw_check(m))
    assert submit_check(client, SLUG, right=True, draw=others).status_code == 400  # someone else's form
    assert attempts() == 1


def test_a_locked_module_can_be_read_but_not_started_or_tested_out(client):
    user = make_learner()
    sign_in(client)
    locked = "oppimateriaalin-tuottaminen"
    before = snapshot_database()
    study = client.get(f"/modules/{locked}/study").get_data(as_text=True)
    summary = client.get(f"/modules/{locked}").get_data(as_text=True)
    assert snapshot_database() == before
    assert module(locked).sections[0].title["fi"] in study and "/start" not in study and "/start" not in summary
    assert client.post(f"/modules/{locked}/start", data={"csrf_token": form_token(study)}).status_code == 403
    client.post(f"/modules/{locked}/sections/1", data={"csrf_token": form_token(study)})
    assert db.session.scalar(select(func.count(LearningEvent.id)).where(LearningEvent.user_id == user.id)) == 0
    assert progress_of(user.id, locked) is None


def test_the_summary_page_offers_start_and_test_out_only_to_a_signed_in_learner_before_starting(client):
    anonymous = client.get(f"/modules/{SLUG}").get_data(as_text=True)
    assert "/start" not in anonymous and "/test-out" not in anonymous
    make_learner()
    sign_in(client)
    client.post(f"/modules/{SLUG}/start", data={"csrf_token": token_of(client, f"/modules/{SLUG}")})
    started = client.get(f"/modules/{SLUG}").get_data(as_text=True)
    assert "/test-out" not in started and f'href="/modules/{SLUG}/study"' in started


def test_the_default_test_out_mark_is_80_and_never_below_the_ordinary_mark(app):
    m = module(SLUG)
    m.pass_mark, m.test_out_pass_mark = 70, None
    assert services.pass_mark_for(m, "test_out") == 80 and services.pass_mark_for(m, "study") == 70
    m.pass_mark = 90
    assert services.pass_mark_for(m, "test_out") == 90
    db.session.rollback()
