"""Progress services on a real database: one row per learner and module, locks
enforced in the service, test-out, recognition and progress that survives edits."""

import threading

import pytest
from sqlalchemy import func, select

from kampus.catalogue.models import Prerequisite
from kampus.catalogue.services import bump_version
from kampus.errors import DomainError, NotAllowed
from kampus.extensions import db
from kampus.progress import services
from kampus.progress.models import Attempt, LearningEvent, Progress
from tests.paths.helpers import make_learner, module


def right_answers(m):
    return {q.id: list(q.correct) for q in m.questions}


def rows(user_id, slug=None):
    query = select(func.count(Progress.id)).where(Progress.user_id == user_id)
    if slug:
        query = query.where(Progress.module_id == module(slug).id)
    return db.session.scalar(query)


def test_completing_twice_gives_one_row_and_keeps_completed(app):
    user = make_learner()
    m = module("oppimateriaalin-laatu")
    services.start_module(user.id, m)
    first = services.submit_self_check(user.id, m, right_answers(m))
    db.session.commit()
    second = services.submit_self_check(user.id, m, right_answers(m))
    db.session.commit()
    assert (first.outcome, second.outcome) == ("completed", "already")
    assert rows(user.id) == 1
    row = db.session.scalar(select(Progress).where(Progress.user_id == user.id))
    assert row.status == "completed" and row.best_score == 100 and row.finished_at is not None
    assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user.id)) == 2


def test_two_concurrent_completions_give_one_row(app):
    """Two threads (two tabs) complete the same module at once on the real database."""
    user_id = make_learner().id
    slug = "oppimateriaalin-laatu"
    barrier = threading.Barrier(2)
    errors = []

    def complete():
        with app.app_context():
            try:
                m = module(slug)
                answers = right_answers(m)
                barrier.wait()
                services.submit_self_check(user_id, m, answers)
                db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    db.session.expire_all()
    assert rows(user_id, slug) == 1
    assert db.session.scalar(select(Progress.status).where(Progress.user_id == user_id)) == "recognised"


def test_a_locked_module_cannot_be_completed_or_tested_out(app):
    user = make_learner()
    locked = module("oppimateriaalin-tuottaminen")  # requires quality criteria and copyright first
    with pytest.raises(NotAllowed) as refused:
        services.submit_self_check(user.id, locked, right_answers(locked))
    assert list(refused.value.missing) == ["oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"]
    for slug in refused.value.missing:  # named by title in the reader's language, never by slug
        assert module(slug).title["fi"] in str(refused.value) and slug not in str(refused.value)
    with pytest.raises(NotAllowed):  # a locked module can be read, but not started: no "started" in the log
        services.start_module(user.id, locked)
    assert db.session.scalar(select(func.count(LearningEvent.id))) == 0
    db.session.add(Progress(user_id=user.id, module_id=locked.id, status="in_progress"))  # started before a lock
    with pytest.raises(NotAllowed):
        services.submit_self_check(user.id, locked, right_answers(locked))
    db.session.commit()
    assert db.session.scalar(select(Progress.status).where(Progress.user_id == user.id)) == "in_progress"
    assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_testing_out_records_recognition_by_self_check_and_unlocks_the_next(app):
    user = make_learner()
    for slug in ("oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"):
        m = module(slug)
        assert services.submit_self_check(user.id, m, right_answers(m)).outcome == "recognised"
    db.session.commit()
    row = db.session.scalar(select(Progress).where(Progress.module_id == module("oppimateriaalin-laatu").id))
    assert (row.status, row.recognised_by) == ("recognised", "self_check")
    statuses = services.module_statuses(user.id, ["oppimateriaalin-tuottaminen", "saavutettava-sisalto"])
    assert statuses == {"oppimateriaalin-tuottaminen": "available", "saavutettava-sisalto": "locked"}


def test_a_failed_self_check_keeps_the_attempt_but_not_the_module(app):
    user = make_learner()
    m = module("oppimateriaalin-laatu")
    wrong = {q.id: [next(i for i in range(len(q.choices)) if i not in q.correct)] for q in m.questions}
    result = services.submit_self_check(user.id, m, wrong)
    db.session.commit()
    assert not result.passed and result.score == 0 and result.outcome == "failed"
    assert rows(user.id) == 0
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_every_question_must_be_answered(app):
    user = make_learner()
    m = module("oppimateriaalin-laatu")
    answers = right_answers(m)
    answers.pop(m.questions[0].id)
    with pytest.raises(DomainError):
        services.submit_self_check(user.id, m, answers)


def test_completing_a_module_on_no_path_is_allowed(app):
    user = make_learner()
    m = module("digcomp-perusteet")
    services.start_module(user.id, m)
    assert services.submit_self_check(user.id, m, right_answers(m)).outcome == "completed"


def test_completed_stays_completed_whatever_prerequisites_are_added(app):
    user = make_learner()
    m = module("oppimateriaalin-laatu")
    services.submit_self_check(user.id, m, right_answers(m))
    db.session.commit()
    db.session.add(Prerequisite(before_id=module("digcomp-perusteet").id, after_id=m.id, kind="required"))
    bump_version()
    db.session.commit()
    assert services.module_statuses(user.id, [m.slug]) == {m.slug: "recognised"}
    assert rows(user.id) == 1


def test_event_log_records_the_study_in_order(app):
    user = make_learner()
    m = module("oppimateriaalin-laatu")
    services.view_section(user.id, m, 0)
    services.view_section(user.id, m, 1)
    services.submit_self_check(user.id, m, right_answers(m))
    services.rate_module(user.id, m, 4, "Hyvä")
    db.session.commit()
    verbs = db.session.scalars(
        select(LearningEvent.verb).where(LearningEvent.user_id == user.id).order_by(LearningEvent.id)
    ).all()
    assert verbs == ["started", "section_viewed", "section_viewed", "attempted", "passed", "completed", "rated"]
    row = db.session.scalar(select(Progress).where(Progress.user_id == user.id))
    assert row.section_position == 1


def test_rating_is_one_per_learner_and_module_and_validated(app):
    user = make_learner()
    m = module("oppimateriaalin-laatu")
    services.rate_module(user.id, m, 2)
    services.rate_module(user.id, m, 5, "Parempi toisella kerralla")
    with pytest.raises(DomainError):
        services.rate_module(user.id, m, 6)
    db.session.commit()
    fb = services.feedback_of(user.id, m.id)
    assert (fb.rating, fb.comment) == (5, "Parempi toisella kerralla")
