"""Learners' data stays separate: two learners on the same module with
different histories, and locks that follow each learner's own progress.

Each test is written to fail if a service forgot its ``user_id`` filter
(``_get_or_create``, ``submit_self_check``, ``rate_module``, ``reflection_of``,
``attempt_count``, ``recent_events``) or checked locks against anything but the
learner's own progress."""

import pytest
from sqlalchemy import func, select

from kampus.errors import NotAllowed
from kampus.extensions import db
from kampus.progress import services
from kampus.progress.models import Attempt, Feedback, LearningEvent, Progress, Reflection
from tests.paths.helpers import make_learner, module, sign_in

SLUG = "oppimateriaalin-laatu"
LOCKED = "oppimateriaalin-tuottaminen"  # requires oppimateriaalin-laatu and tekijanoikeudet-ja-avoimuus


def right(m):
    return {q.id: list(q.correct) for q in m.questions}


def wrong(m):
    return {q.id: [next(i for i in range(len(q.choices)) if i not in q.correct)] for q in m.questions}


@pytest.fixture
def learners(app):
    """Anna and Bertil: two learners, nothing done yet."""
    return make_learner("anna@example.fi", "Anna"), make_learner("bertil@example.fi", "Bertil")


def row(user, slug=SLUG):
    return db.session.scalar(select(Progress).where(Progress.user_id == user.id, Progress.module_id == module(slug).id))


def test_starting_gives_each_learner_their_own_row_and_started_event(learners):
    anna, bertil = learners
    m = module(SLUG)
    services.view_section(anna.id, m, 1)
    mine = services.start_module(bertil.id, m)
    db.session.commit()
    assert mine.user_id == bertil.id and mine.section_position == 0
    assert row(anna).section_position == 1
    started = db.session.scalars(select(LearningEvent.user_id).where(LearningEvent.verb == "started")).all()
    assert sorted(started) == sorted([anna.id, bertil.id])


def test_a_self_check_counts_for_the_learner_who_sent_it_only(learners):
    anna, bertil = learners
    m = module(SLUG)
    services.start_module(anna.id, m)  # Anna is studying; Bertil has not started
    db.session.commit()
    result = services.submit_self_check(bertil.id, m, right(m))
    db.session.commit()
    # Bertil tested out: recognised for him, while Anna's study is untouched
    assert (result.outcome, result.kind) == ("recognised", "test_out")
    assert (row(bertil).status, row(bertil).recognised_by) == ("recognised", "self_check")
    assert (row(anna).status, row(anna).best_score) == ("in_progress", None)
    services.submit_self_check(anna.id, m, wrong(m))
    db.session.commit()
    assert row(anna).best_score == 0 and row(bertil).best_score == 100


def test_one_learners_failed_test_outs_do_not_cool_down_another(learners):
    anna, bertil = learners
    m = module(SLUG)
    services.submit_self_check(anna.id, m, wrong(m))
    services.submit_self_check(anna.id, m, wrong(m))
    with pytest.raises(NotAllowed):
        services.submit_self_check(anna.id, m, right(m))
    assert services.test_out_window(bertil.id, m).allowed
    assert services.submit_self_check(bertil.id, m, right(m)).outcome == "recognised"


def test_ratings_are_kept_per_learner(learners):
    anna, bertil = learners
    m = module(SLUG)
    services.rate_module(anna.id, m, 2, "Liian pitkä")
    services.rate_module(bertil.id, m, 5, "Hyvä")
    db.session.commit()
    assert (services.feedback_of(anna.id, m.id).rating, services.feedback_of(bertil.id, m.id).rating) == (2, 5)
    assert db.session.scalar(select(func.count(Feedback.id))) == 2


def test_reflections_are_each_learners_own(learners, client):
    anna, bertil = learners
    m = module(SLUG)
    services.save_reflection(anna.id, m, "Annan ajatukset")
    db.session.commit()
    assert services.reflection_of(bertil.id, m.id) is None
    services.save_reflection(bertil.id, m, "Bertilin ajatukset")
    db.session.commit()
    assert services.reflection_of(anna.id, m.id).text == "Annan ajatukset"
    assert db.session.scalar(select(func.count(Reflection.id))) == 2
    services.start_module(bertil.id, m)
    db.session.commit()
    sign_in(client, "bertil@example.fi")
    page = client.get(f"/modules/{SLUG}/study").get_data(as_text=True)
    assert "Bertilin ajatukset" in page and "Annan ajatukset" not in page


def test_attempt_counts_are_per_learner(learners, client):
    anna, bertil = learners
    m = module(SLUG)
    services.start_module(anna.id, m)
    services.start_module(bertil.id, m)
    for _ in range(3):
        services.submit_self_check(anna.id, m, wrong(m))
    db.session.commit()
    assert services.attempt_count(anna.id, m.id) == 3 and services.attempt_count(bertil.id, m.id) == 0
    sign_in(client, "bertil@example.fi")
    assert "Yrityksiä tähän mennessä: 0." in client.get(f"/modules/{SLUG}/study").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attempt.id))) == 3


def test_recent_activity_shows_only_the_learners_own_events(learners, client):
    anna, bertil = learners
    services.rate_module(anna.id, module("tekijanoikeudet-ja-avoimuus"), 4)
    services.rate_module(bertil.id, module(SLUG), 3)
    db.session.commit()
    assert {e.user_id for e in services.recent_events(bertil.id)} == {bertil.id}
    assert [e.module.slug for e in services.recent_events(anna.id)] == ["tekijanoikeudet-ja-avoimuus"]
    sign_in(client, "bertil@example.fi")
    dashboard = client.get("/me").get_data(as_text=True)
    assert 'href="/modules/oppimateriaalin-laatu"' in dashboard
    assert 'href="/modules/tekijanoikeudet-ja-avoimuus"' not in dashboard


def test_locks_follow_each_learners_own_progress(learners, client):
    anna, bertil = learners
    for slug in ("oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"):
        m = module(slug)
        services.submit_self_check(anna.id, m, right(m))
    db.session.commit()
    assert services.module_statuses(anna.id, [LOCKED]) == {LOCKED: "available"}
    assert services.module_statuses(bertil.id, [LOCKED]) == {LOCKED: "locked"}
    assert services.blockers(anna.id, module(LOCKED)) == []
    assert services.blockers(bertil.id, module(LOCKED)) == ["oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"]
    locked = module(LOCKED)
    with pytest.raises(NotAllowed):
        services.submit_self_check(bertil.id, locked, right(locked))
    assert services.submit_self_check(anna.id, locked, right(locked)).outcome == "recognised"
    db.session.commit()
    sign_in(client, "bertil@example.fi")
    assert "/start" not in client.get(f"/modules/{LOCKED}").get_data(as_text=True)
