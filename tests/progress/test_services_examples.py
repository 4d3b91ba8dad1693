"""Fixed examples for kampus/progress/services.py, each pinning a rule that a mutant of the
file showed no other test held (`make mutants MUTANTS=progress`, docs/TESTING.md): the
messages and fields of every refusal, the edges of section positions and ratings, what each
event records, the fields of a recorded attempt and of a repeated result, per-module
filters, test-out rules read from the configuration, and the hooks of a satisfied module."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from kampus.errors import DomainError, NotAllowed
from kampus.extensions import db
from kampus.progress import services
from kampus.progress.integrity import Draw
from kampus.progress.models import Attempt, LearningEvent, Progress
from tests.paths.helpers import make_learner, module

SLUG = "oppimateriaalin-laatu"  # no prerequisites, 7 questions, pass mark 70
OTHER = "digcomp-perusteet"
LOCKED = "oppimateriaalin-tuottaminen"  # requires SLUG and tekijanoikeudet-ja-avoimuus


def right(m):
    return {q.id: list(q.correct) for q in m.questions}


def wrong(m):
    return {q.id: [next(i for i in range(len(q.choices)) if i not in q.correct)] for q in m.questions}


def events(user_id):
    return db.session.execute(
        select(LearningEvent.verb, LearningEvent.module_id, LearningEvent.data)
        .where(LearningEvent.user_id == user_id)
        .order_by(LearningEvent.id)
    ).all()


def progress(user_id, slug=SLUG):
    return db.session.scalar(select(Progress).where(Progress.user_id == user_id, Progress.module_id == module(slug).id))


def refusal(call, *args, **kwargs):
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    return refused.value


# --- reading ---------------------------------------------------------------


def test_states_from_rows_splits_satisfied_from_started_per_learner(app):
    states = services.states_from_rows([(1, "a", "completed"), (1, "b", "in_progress"), (2, "c", "recognised")])
    assert states == {
        1: services.LearnerState(frozenset({"a"}), frozenset({"b"})),
        2: services.LearnerState(frozenset({"c"}), frozenset()),
    }


def test_learner_states_of_everyone_of_some_and_of_none(app):
    anna, bertil, cecilia = make_learner("a@example.fi"), make_learner("b@example.fi"), make_learner("c@example.fi")
    services.start_module(anna.id, module(SLUG))
    services.submit_self_check(bertil.id, module(OTHER), right(module(OTHER)))
    db.session.commit()
    everyone = services.learner_states(None)
    assert everyone == {
        anna.id: services.LearnerState(frozenset(), frozenset({SLUG})),
        bertil.id: services.LearnerState(frozenset({OTHER}), frozenset()),
    }
    some = services.learner_states([cecilia.id, bertil.id, cecilia.id])
    assert list(some) == [cecilia.id, bertil.id]
    assert some[cecilia.id] is services.EMPTY_STATE and some[bertil.id] == everyone[bertil.id]
    assert services.learner_states([]) == {}
    assert services.learner_state(anna.id) == everyone[anna.id]


def test_progress_rows_are_the_learners_own_by_slug(app):
    anna, bertil = make_learner("a@example.fi"), make_learner("b@example.fi")
    services.start_module(anna.id, module(SLUG))
    services.start_module(anna.id, module(OTHER))
    services.start_module(bertil.id, module(SLUG))
    db.session.commit()
    rows = services.progress_rows(anna.id)
    assert sorted(rows) == sorted([SLUG, OTHER])
    assert all(row.user_id == anna.id and row.module.slug == slug for slug, row in rows.items())


def test_module_statuses_of_every_kind(app):
    user = make_learner()
    services.start_module(user.id, module(OTHER))
    services.submit_self_check(user.id, module(SLUG), right(module(SLUG)))
    db.session.commit()
    slugs = [SLUG, OTHER, LOCKED, "tekijanoikeudet-ja-avoimuus", "no-such-module"]
    assert services.module_statuses(user.id, slugs) == {
        SLUG: "recognised",
        OTHER: "in_progress",
        LOCKED: "locked",
        "tekijanoikeudet-ja-avoimuus": "available",
        "no-such-module": "available",
    }
    assert services.blockers(user.id, module(LOCKED)) == ["tekijanoikeudet-ja-avoimuus"]
    assert services.blockers(user.id, module(SLUG)) == []
    assert services.blockers(user.id, SimpleNamespace(slug="no-such-module")) == []  # e.g. a draft


# --- refusals: message and field -------------------------------------------


def test_a_module_not_published_is_not_open_for_study(app):
    user = make_learner()
    m = module(SLUG)
    m.status = "draft"
    for call, args in (
        (services.start_module, ()),
        (services.submit_self_check, (right(m),)),
        (services.complete_module, ()),
    ):
        error = refusal(call, user.id, m, *args)
        assert (str(error), error.field) == ("Tämä moduuli ei ole avoinna opiskeltavaksi.", None)
    assert events(user.id) == []


def test_a_locked_module_names_the_action_and_what_to_complete(app):
    user = make_learner()
    m = module(LOCKED)
    titles = [module(s).title["fi"] for s in (SLUG, "tekijanoikeudet-ja-avoimuus")]
    error = refusal(services.start_module, user.id, m)
    assert isinstance(error, services.ModuleLocked) and error.action == "Moduulin aloittaminen"
    assert list(error.missing.values()) == titles
    assert str(error) == f"Moduulin aloittaminen ei ole vielä mahdollista: suorita ensin {titles[0]}, {titles[1]}."
    assert refusal(services.submit_self_check, user.id, m, right(m)).action == "Itsetestin läpäiseminen"
    m.questions.clear()
    assert refusal(services.complete_module, user.id, m).action == "Moduulin suorittaminen"


def test_a_prerequisite_missing_from_the_catalogue_is_named_by_its_slug(app, monkeypatch):
    user = make_learner()
    monkeypatch.setattr(services, "modules_by_slug", lambda slugs: {})
    error = refusal(services.start_module, user.id, module(LOCKED))
    assert error.missing == {SLUG: SLUG, "tekijanoikeudet-ja-avoimuus": "tekijanoikeudet-ja-avoimuus"}


def test_self_check_refusals_say_why_and_point_at_the_answers(app):
    user = make_learner()
    m = module(SLUG)
    answers = right(m)
    unanswered = {**answers, m.questions[0].id: []}
    error = refusal(services.submit_self_check, user.id, m, unanswered)
    assert (str(error), error.field) == ("Vastaa jokaiseen kysymykseen ennen lähettämistä.", "answers")
    changed = Draw((m.questions[0].id, 999999), {m.questions[0].id: (0, 1), 999999: (0,)})
    error = refusal(services.submit_self_check, user.id, m, answers, draw=changed)
    assert str(error) == "Itsetesti on muuttunut sen jälkeen, kun avasit sen. Vastaa kysymyksiin uudelleen."
    assert error.field == "answers"
    error = refusal(services.submit_self_check, user.id, m, answers, draw=Draw((), {}))
    assert error.field == "answers"
    m.questions.clear()
    error = refusal(services.submit_self_check, user.id, m, {})
    assert (str(error), error.field) == ("Tässä moduulissa ei ole itsetestiä.", None)
    assert db.session.scalar(select(Attempt.id)) is None and events(user.id) == []


def test_a_module_with_a_self_check_is_not_completed_by_a_click(app):
    user = make_learner()
    error = refusal(services.complete_module, user.id, module(SLUG))
    assert (str(error), error.field) == ("Läpäise itsetesti suorittaaksesi tämän moduulin.", None)
    assert progress(user.id) is None


def test_a_module_without_a_self_check_is_completed_once(app):
    user = make_learner()
    m = module(SLUG)
    m.questions.clear()
    row = services.complete_module(user.id, m)
    again = services.complete_module(user.id, m)
    db.session.commit()
    assert row is again and (row.status, row.recognised_by, row.best_score) == ("completed", None, None)
    assert row.finished_at is not None and row.updated_at == row.finished_at
    assert [(verb, data) for verb, _m, data in events(user.id)] == [("completed", {})]


# --- sections and starting -------------------------------------------------


def test_sections_are_numbered_from_zero_to_the_last(app):
    user = make_learner()
    m = module(SLUG)
    last = len(m.sections) - 1
    assert last >= 1
    for position in (-1, last + 1):
        error = refusal(services.view_section, user.id, m, position)
        assert (str(error), error.field) == ("Tässä moduulissa ei ole tällaista osiota.", None)
    assert progress(user.id) is None
    assert services.view_section(user.id, m, last).section_position == last
    assert services.view_section(user.id, m, 0).section_position == 0
    db.session.commit()
    assert [(verb, data) for verb, _m, data in events(user.id)] == [
        ("started", {}),
        ("section_viewed", {"position": last}),
        ("section_viewed", {"position": 0}),
    ]
    assert {module_id for _v, module_id, _d in events(user.id)} == {m.id}


def test_a_module_without_sections_has_its_place_at_zero(app):
    user = make_learner()
    m = module(SLUG)
    m.sections.clear()
    assert services.view_section(user.id, m, 0).section_position == 0
    assert refusal(services.view_section, user.id, m, 1).field is None


def test_starting_twice_logs_once_and_keeps_the_row(app):
    user = make_learner()
    m = module(SLUG)
    first = services.start_module(user.id, m)
    second = services.start_module(user.id, m)
    db.session.commit()
    assert first is second and (first.status, first.section_position) == ("in_progress", 0)
    assert first.started_at is not None and first.finished_at is None
    assert [verb for verb, _m, _d in events(user.id)] == ["started"]


# --- the self-check ----------------------------------------------------------


def test_a_recorded_attempt_holds_what_was_asked_answered_and_when(app):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    draw = services.draw_check(m, seed=7)
    answers = {
        qid: sorted(m.questions[[q.id for q in m.questions].index(qid)].correct, reverse=True)
        for qid in draw.question_ids
    }
    when = datetime(2026, 5, 4, 3, 2, 1)
    result = services.submit_self_check(user.id, m, answers, draw=draw, nonce="n-1", now=when)
    db.session.commit()
    stored = db.session.get(Attempt, result.attempt_id)
    assert (stored.user_id, stored.module_id, stored.score, stored.passed, stored.kind) == (
        user.id,
        m.id,
        100,
        True,
        "study",
    )
    assert stored.answers == {str(q): sorted(answers[q]) for q in draw.question_ids}
    assert stored.draw == draw.to_json() and stored.draw_nonce == "n-1" and stored.created_at == when
    assert (result.score, result.passed, result.pass_mark, result.outcome, result.kind) == (
        100,
        True,
        70,
        "completed",
        "study",
    )
    assert result.correct == dict.fromkeys(draw.question_ids, True) and not result.repeated
    assert [(verb, data) for verb, _m, data in events(user.id)][1:] == [
        ("attempted", {"score": 100, "kind": "study"}),
        ("passed", {"score": 100}),
        ("completed", {}),
    ]


def test_the_best_score_only_goes_up(app):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    five_of_seven = {q.id: (list(q.correct) if i < 5 else wrong(m)[q.id]) for i, q in enumerate(m.questions)}
    assert services.submit_self_check(user.id, m, five_of_seven).score == 71
    assert progress(user.id).best_score == 71
    low = services.submit_self_check(user.id, m, wrong(m))
    assert (low.score, low.passed, low.outcome, low.pass_mark, low.kind) == (0, False, "failed", 70, "study")
    assert low.attempt_id is not None and low.correct == {q.id: False for q in m.questions} and not low.repeated
    assert progress(user.id).best_score == 71
    top = services.submit_self_check(user.id, m, right(m))
    assert (top.outcome, progress(user.id).best_score) == ("already", 100)
    assert (top.score, top.passed, top.pass_mark, top.kind, top.repeated) == (100, True, 70, "study", False)
    assert top.attempt_id is not None and top.correct == {q.id: True for q in m.questions}
    assert services.submit_self_check(user.id, m, five_of_seven).outcome == "already"
    assert progress(user.id).best_score == 100


def test_the_first_failed_score_is_the_best_so_far(app):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    two_of_seven = {q.id: (list(q.correct) if i < 2 else wrong(m)[q.id]) for i, q in enumerate(m.questions)}
    assert services.submit_self_check(user.id, m, two_of_seven).score == 29
    assert progress(user.id).best_score == 29


def test_the_pass_mark_itself_passes(app):
    user = make_learner()
    m = module(SLUG)
    m.pass_mark = 71
    services.start_module(user.id, m)
    five_of_seven = {q.id: (list(q.correct) if i < 5 else wrong(m)[q.id]) for i, q in enumerate(m.questions)}
    result = services.submit_self_check(user.id, m, five_of_seven)
    assert (result.score, result.pass_mark, result.passed, result.outcome) == (71, 71, True, "completed")


def test_testing_out_records_the_score_as_best_and_the_kind(app):
    user = make_learner()
    m = module(SLUG)
    result = services.submit_self_check(user.id, m, right(m))
    db.session.commit()
    assert (result.outcome, result.kind, result.pass_mark) == ("recognised", "test_out", 80)
    row = progress(user.id)
    assert (row.status, row.recognised_by, row.best_score) == ("recognised", "self_check", 100)
    assert [(verb, data) for verb, _m, data in events(user.id)] == [
        ("attempted", {"score": 100, "kind": "test_out"}),
        ("passed", {"score": 100}),
        ("recognised", {"how": "self_check"}),
    ]


def test_the_same_nonce_returns_the_first_result_and_records_nothing(app):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    draw = services.draw_check(m, seed=3)
    first = services.submit_self_check(user.id, m, wrong(m), draw=draw, nonce="same")
    again = services.submit_self_check(user.id, m, right(m), draw=draw, nonce="same")
    db.session.commit()
    assert (again.score, again.passed, again.pass_mark, again.outcome) == (0, False, 70, "failed")
    assert (again.attempt_id, again.kind, again.repeated) == (first.attempt_id, "study", True)
    assert again.correct == dict.fromkeys(draw.question_ids, False)
    assert len(db.session.scalars(select(Attempt.id)).all()) == 1
    assert progress(user.id).status == "in_progress"


def test_a_stored_attempt_is_regraded_per_question_for_its_page(app):
    user = make_learner()
    m = module(SLUG)
    answers = right(m)
    answers[m.questions[1].id] = wrong(m)[m.questions[1].id]
    result = services.submit_self_check(user.id, m, answers)  # a test-out at 86 %
    stored = services.attempt_of(user.id, m, result.attempt_id)
    shown = services.attempt_result(stored, m)
    assert (shown.score, shown.passed, shown.pass_mark, shown.outcome, shown.kind) == (
        86,
        True,
        80,
        "passed",
        "test_out",
    )
    assert shown.attempt_id == result.attempt_id and shown.repeated
    assert shown.correct == {q.id: q.id != m.questions[1].id for q in m.questions}
    stored.draw = None  # attempts from before draws were stored count every question
    assert services.attempt_result(stored, m).correct == shown.correct
    assert services.attempt_of(make_learner("x@example.fi").id, m, result.attempt_id) is None
    assert services.attempt_of(user.id, module(OTHER), result.attempt_id) is None


# --- test-out rules -----------------------------------------------------------


def test_retry_rules_come_from_the_configuration_or_default_to_two_a_day(app):
    assert services.RetryRules() == services.RetryRules(2, timedelta(hours=24))
    assert services.retry_rules({}) == services.RetryRules(2, timedelta(hours=24))
    assert services.retry_rules({"TEST_OUT_ATTEMPTS": "3", "TEST_OUT_COOLDOWN_HOURS": "1.5"}) == services.RetryRules(
        3, timedelta(hours=1.5)
    )
    app.config.update(TEST_OUT_ATTEMPTS=4, TEST_OUT_COOLDOWN_HOURS=2)
    assert services.retry_rules() == services.RetryRules(4, timedelta(hours=2))


def test_the_window_counts_only_this_learners_test_outs_of_this_module(app):
    user = make_learner()
    m = module(SLUG)
    now = datetime(2026, 6, 1, 12, 0)
    services.submit_self_check(user.id, m, wrong(m), now=now - timedelta(hours=2))
    services.submit_self_check(user.id, module(OTHER), wrong(module(OTHER)), now=now - timedelta(hours=1))
    window = services.test_out_window(user.id, m, services.RetryRules(2, timedelta(hours=24)), now)
    assert (window.allowed, window.remaining) == (True, 1)
    services.submit_self_check(user.id, m, wrong(m), now=now - timedelta(hours=1))
    closed = services.test_out_window(user.id, m, services.RetryRules(2, timedelta(hours=24)), now)
    assert (closed.allowed, closed.opens_at) == (False, now + timedelta(hours=23))
    assert services.test_out_window(user.id, m, services.RetryRules(3, timedelta(hours=24)), now).remaining == 1
    error = refusal(services.submit_self_check, user.id, m, wrong(m), now=now)
    assert isinstance(error, NotAllowed) and str(error).startswith("Olet käyttänyt osaamisen osoittamisen yrityksesi.")
    app.config.update(TEST_OUT_ATTEMPTS=5)
    assert services.test_out_window(user.id, m, now=now).remaining == 3  # the configuration's rules by default
    services.start_module(user.id, m)  # study attempts are not test-outs
    services.submit_self_check(user.id, m, wrong(m), now=now)
    assert services.check_kind(user.id, m) == "study"
    assert services.test_out_window(user.id, m, services.RetryRules(2, timedelta(hours=24)), now).remaining == 0


def test_check_kind_follows_the_learners_own_row_of_this_module(app):
    user, other_learner = make_learner(), make_learner("toinen@example.fi")
    services.start_module(user.id, module(OTHER))
    services.start_module(other_learner.id, module(SLUG))
    assert services.check_kind(user.id, module(SLUG)) == "test_out"
    services.start_module(user.id, module(SLUG))
    assert services.check_kind(user.id, module(SLUG)) == "study"


def test_pass_marks_for_study_and_test_out(app):
    m = module(SLUG)
    m.pass_mark, m.test_out_pass_mark = None, None
    assert (services.pass_mark_for(m, "study"), services.pass_mark_for(m, "test_out")) == (70, 80)
    m.pass_mark, m.test_out_pass_mark = 90, 85
    assert (services.pass_mark_for(m, "study"), services.pass_mark_for(m, "test_out")) == (90, 90)
    m.pass_mark, m.test_out_pass_mark = 60, 75
    assert (services.pass_mark_for(m, "study"), services.pass_mark_for(m, "test_out")) == (60, 75)


# --- draws and form tokens ------------------------------------------------------


def test_a_draw_asks_the_modules_number_of_questions_and_the_seed_repeats_it(app):
    m = module(SLUG)
    m.questions_asked = 3
    draw = services.draw_check(m, seed=11)
    assert len(draw.question_ids) == 3 and draw == services.draw_check(m, seed=11)
    assert all(sorted(draw.orders[q.id]) == list(range(len(q.choices))) for q in m.questions if q.id in draw.orders)
    assert services.draw_check(m, seed=0) != services.draw_check(m, seed=1) or services.draw_check(m, seed=2) != draw
    m.questions_asked = None
    assert len(services.draw_check(m).question_ids) == len(m.questions)


def test_a_form_token_is_this_learners_for_this_module_only(app):
    m = module(SLUG)
    draw = services.draw_check(m, seed=5)
    token = services.draw_token(1, m, draw)
    read, nonce = services.read_draw_token(token, 1, m)
    assert read == draw and len(nonce) == 32
    assert services.read_draw_token(services.draw_token(1, m, draw), 1, m)[1] != nonce
    signed = URLSafeSerializer(app.config["SECRET_KEY"], salt="kampus-self-check-draw")
    assert signed.loads(token)["u"] == 1 and signed.loads(token)["m"] == m.id  # forms stay valid across releases
    assert services.read_draw_token(signed.dumps({"u": 1, "m": m.id, "n": "abc", **draw.to_json()}), 1, m) == (
        draw,
        "abc",
    )
    for bad in (
        services.draw_token(2, m, draw),
        services.draw_token(1, module(OTHER), draw),
        URLSafeSerializer("another key", salt="kampus-self-check-draw").dumps({"u": 1, "m": m.id}),
        signed.dumps({"u": 1, "m": m.id, "n": "x"}),  # no draw
        signed.dumps({"u": 1, "m": m.id, "q": [1], "o": {}}),  # torn draw
        signed.dumps([1]),
        "",
        None,
    ):
        error = refusal(services.read_draw_token, bad, 1, m)
        assert (str(error), error.field) == (
            "Itsetestin lomake on vanhentunut. Vastaa kysymyksiin uudelleen.",
            "answers",
        )


# --- finishing, hooks and recognition ------------------------------------------


def test_satisfying_a_module_calls_the_hooks_once_per_finish_with_its_provenance(app, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "SATISFIED_HOOKS", [lambda *args: calls.append(args)])
    user = make_learner()
    m, other = module(SLUG), module(OTHER)
    services.submit_self_check(user.id, m, right(m))
    services.recognise(user.id, other, "manager")
    assert calls == [(user.id, m.id, "self_check"), (user.id, other.id, "manager")]
    row = progress(user.id, OTHER)
    assert (row.status, row.recognised_by) == ("recognised", "manager")
    assert services.recognise(user.id, other, "self_assessment").recognised_by == "manager"
    assert events(user.id)[-1] == ("recognised", other.id, {"how": "manager"})


def test_a_completion_calls_the_hooks_as_completed(app, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "SATISFIED_HOOKS", [lambda *args: calls.append(args)])
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    services.submit_self_check(user.id, m, right(m))
    assert calls == [(user.id, m.id, "completed")]


def test_a_finish_that_lost_the_race_keeps_the_winners_row_and_logs_nothing(app, monkeypatch):
    user = make_learner()
    m = module(SLUG)
    row = services.start_module(user.id, m)
    db.session.commit()
    original = services.rows_changed
    monkeypatch.setattr(services, "rows_changed", lambda result: original(result) - 1)  # another request won
    finished = services.recognise(user.id, m, "manager")
    assert finished is row
    assert [verb for verb, _m, _d in events(user.id)] == ["started"]


def test_log_event_keeps_its_data(app):
    user = make_learner()
    event = services.log_event(user.id, "custom", None, a=1, b="two")
    db.session.commit()
    assert (event.user_id, event.verb, event.module_id, event.data) == (user.id, "custom", None, {"a": 1, "b": "two"})
    assert event.created_at is not None


# --- reflections, ratings, recent events, counts ---------------------------------


def test_a_reflection_is_stripped_and_logged_only_when_it_changes(app):
    user = make_learner()
    m = module(SLUG)
    for blank in ("", "   ", None):
        error = refusal(services.save_reflection, user.id, m, blank)
        assert (str(error), error.field) == ("Kirjoita pohdintasi ennen tallentamista.", "text")
    row = services.save_reflection(user.id, m, "  Opin paljon.  ")
    assert row.text == "Opin paljon." and (row.user_id, row.module_id) == (user.id, m.id)
    assert services.save_reflection(user.id, m, "Opin paljon. ") is row
    assert services.save_reflection(user.id, m, "Opin vielä enemmän.").text == "Opin vielä enemmän."
    db.session.commit()
    assert [(verb, module_id) for verb, module_id, _d in events(user.id)] == [("reflected", m.id)] * 2
    assert services.reflection_of(user.id, m.id).text == "Opin vielä enemmän."
    assert services.reflection_of(user.id, module(OTHER).id) is None


def test_ratings_from_one_to_five_replace_each_other(app):
    user = make_learner()
    m = module(SLUG)
    for bad in (0, 6, -1):
        error = refusal(services.rate_module, user.id, m, bad)
        assert (str(error), error.field) == ("Valitse arvio väliltä 1–5.", "rating")
    row = services.rate_module(user.id, m, 1, "  ok  ")
    assert (row.rating, row.comment, row.user_id, row.module_id) == (1, "ok", user.id, m.id)
    assert services.rate_module(user.id, m, 1, "ok ") is row
    services.rate_module(user.id, m, 1, "parempi")
    services.rate_module(user.id, m, 5, None)
    db.session.commit()
    assert (services.feedback_of(user.id, m.id).rating, services.feedback_of(user.id, m.id).comment) == (5, "")
    assert services.feedback_of(user.id, module(OTHER).id) is None
    assert [(verb, module_id, data) for verb, module_id, data in events(user.id)] == [
        ("rated", m.id, {"rating": 1}),
        ("rated", m.id, {"rating": 1}),
        ("rated", m.id, {"rating": 5}),
    ]


def test_recent_events_are_the_newest_first_without_section_views(app):
    user = make_learner()
    m = module(SLUG)
    services.view_section(user.id, m, 1)
    for rating in (1, 2, 3, 4, 5, 1, 2, 3, 4):
        services.rate_module(user.id, m, rating)
    db.session.commit()
    recent = services.recent_events(user.id)
    assert len(recent) == 8 and [e.data["rating"] for e in recent] == [4, 3, 2, 1, 5, 4, 3, 2]
    assert all(e.verb == "rated" and e.module.slug == SLUG for e in recent)
    assert [e.verb for e in services.recent_events(user.id, limit=20)] == ["rated"] * 9 + ["started"]
    assert len(services.recent_events(user.id, limit=3)) == 3


def test_attempt_counts_are_per_module(app):
    user = make_learner()
    m = module(SLUG)
    services.submit_self_check(user.id, m, wrong(m))
    services.submit_self_check(user.id, m, wrong(m))
    assert services.attempt_count(user.id, m.id) == 2
    assert services.attempt_count(user.id, module(OTHER).id) == 0


# --- two requests at once: the one that lost the insert reads the winner's row ----------


def first_look_misses(monkeypatch, looks=1):
    """``db.session.scalar`` finds nothing the first ``looks`` times: another request had not yet
    committed the row this one then fails to insert."""
    real = db.session.scalar
    calls = []

    def scalar(*args, **kwargs):
        calls.append(args)
        return None if len(calls) <= looks else real(*args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", scalar)


def test_a_start_that_lost_the_race_reads_the_winners_row(app, monkeypatch):
    user = make_learner()
    m = module(SLUG)
    winner = Progress(user_id=user.id, module_id=m.id, status="in_progress", section_position=2)
    db.session.add(winner)
    db.session.commit()
    first_look_misses(monkeypatch)
    row, created = services._get_or_create(user.id, m)
    assert (row.id, row.section_position, created) == (winner.id, 2, False)


def test_a_reflection_or_rating_that_lost_the_race_updates_the_winners_row(app, monkeypatch):
    user = make_learner()
    m = module(SLUG)
    earlier = services.save_reflection(user.id, m, "Ensimmäinen").id, services.rate_module(user.id, m, 2, "eka").id
    db.session.commit()
    first_look_misses(monkeypatch)
    reflection = services.save_reflection(user.id, m, "Toinen")
    first_look_misses(monkeypatch)
    feedback = services.rate_module(user.id, m, 4, "toka")
    db.session.commit()
    assert (reflection.id, feedback.id) == earlier
    assert (reflection.text, feedback.rating, feedback.comment) == ("Toinen", 4, "toka")
    assert [(verb, data) for verb, _m, data in events(user.id)] == [
        ("reflected", {}),
        ("rated", {"rating": 2}),
        ("reflected", {}),
        ("rated", {"rating": 4}),
    ]


def test_the_same_form_sent_twice_at_once_records_one_attempt(app, monkeypatch):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    draw = services.draw_check(m, seed=9)
    first = services.submit_self_check(user.id, m, right(m), draw=draw, nonce="kaksi")
    db.session.commit()
    first_look_misses(monkeypatch)  # the nonce was not yet recorded when the second request looked
    second = services.submit_self_check(user.id, m, right(m), draw=draw, nonce="kaksi")
    assert (second.attempt_id, second.repeated, second.score, second.outcome) == (first.attempt_id, True, 100, "passed")
    assert len(db.session.scalars(select(Attempt.id)).all()) == 1


def test_reflections_and_ratings_are_kept_per_module(app):
    user = make_learner()
    m, other = module(SLUG), module(OTHER)
    services.save_reflection(user.id, m, "Laadusta")
    services.save_reflection(user.id, other, "Digiosaamisesta")
    services.rate_module(user.id, m, 2, "laatu")
    services.rate_module(user.id, other, 5)
    db.session.commit()
    assert (services.reflection_of(user.id, m.id).text, services.reflection_of(user.id, other.id).text) == (
        "Laadusta",
        "Digiosaamisesta",
    )
    assert (services.feedback_of(user.id, m.id).rating, services.feedback_of(user.id, m.id).comment) == (2, "laatu")
    assert (services.feedback_of(user.id, other.id).rating, services.feedback_of(user.id, other.id).comment) == (5, "")


def test_a_module_without_a_self_check_opens_once_the_learners_prerequisites_are_done(app):
    user = make_learner()
    for slug in (SLUG, "tekijanoikeudet-ja-avoimuus"):
        services.submit_self_check(user.id, module(slug), right(module(slug)))
    m = module(LOCKED)
    m.questions.clear()
    assert services.complete_module(user.id, m).status == "completed"


def test_a_stored_attempt_of_a_drawn_few_is_regraded_on_those_few(app):
    user = make_learner()
    m = module(SLUG)
    m.questions_asked = 3
    draw = services.draw_check(m, seed=21)
    answers = {qid: list(next(q for q in m.questions if q.id == qid).correct) for qid in draw.question_ids}
    result = services.submit_self_check(user.id, m, answers, draw=draw)
    shown = services.attempt_result(services.attempt_of(user.id, m, result.attempt_id), m)
    assert shown.correct == dict.fromkeys(draw.question_ids, True) and len(shown.correct) == 3


def test_recent_events_are_ordered_by_time_then_by_the_later_record(app):
    """Newest first by when it happened, whatever order the rows were written in; at the same
    moment the later record first."""
    user = make_learner()
    noon = datetime(2026, 3, 2, 12, 0)
    for verb, when in (("b", noon), ("a", noon - timedelta(hours=1)), ("c", noon), ("d", noon + timedelta(hours=1))):
        db.session.add(LearningEvent(user_id=user.id, verb=verb, data={}, created_at=when))
    db.session.commit()
    assert [e.verb for e in services.recent_events(user.id)] == ["d", "c", "b", "a"]


def test_each_attempt_is_found_by_its_own_id(app):
    user = make_learner()
    m = module(SLUG)
    first = services.submit_self_check(user.id, m, wrong(m))
    second = services.submit_self_check(user.id, m, right(m))
    assert services.attempt_of(user.id, m, second.attempt_id).score == 100
    assert services.attempt_of(user.id, m, first.attempt_id).score == 0


def test_a_recognition_after_a_failed_attempt_keeps_the_best_score(app):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    two_of_seven = {q.id: (list(q.correct) if i < 2 else wrong(m)[q.id]) for i, q in enumerate(m.questions)}
    services.submit_self_check(user.id, m, two_of_seven)
    row = services.recognise(user.id, m, "manager")
    assert (row.status, row.recognised_by, row.best_score) == ("recognised", "manager", 29)


def test_a_row_another_request_has_just_satisfied_is_not_finished_again(app):
    from sqlalchemy import update

    user = make_learner()
    m = module(SLUG)
    row = services.start_module(user.id, m)
    db.session.commit()
    assert row.status == "in_progress"  # loaded into this session; then another request completes it
    db.session.execute(
        update(Progress)
        .where(Progress.id == row.id)
        .values(status="completed")
        .execution_options(synchronize_session=False)
    )
    finished = services.recognise(user.id, m, "manager")
    assert (finished.status, finished.recognised_by) == ("completed", None)
    assert [verb for verb, _m, _d in events(user.id)] == ["started"]


def test_a_nonce_repeats_only_this_learners_own_form(app):
    anna, bertil = make_learner("a@example.fi"), make_learner("b@example.fi")
    m = module(SLUG)
    services.start_module(anna.id, m)
    services.start_module(bertil.id, m)
    draw = services.draw_check(m, seed=5)
    first = services.submit_self_check(anna.id, m, wrong(m), draw=draw, nonce="sama")
    # the same form sent again is answered from the record before its answers are even read
    again = services.submit_self_check(anna.id, m, {}, draw=Draw((), {}), nonce="sama")
    assert (again.attempt_id, again.repeated, again.outcome) == (first.attempt_id, True, "failed")
    # the same learner's next form (another nonce) is a new attempt
    second = services.submit_self_check(anna.id, m, right(m), draw=draw, nonce="toinen")
    assert (second.repeated, second.passed, second.outcome) == (False, True, "completed")
    assert second.attempt_id != first.attempt_id
    db.session.commit()
    # Another learner never gets this learner's attempt for the same nonce (nonces are unique
    # across learners and signed into each learner's own token, so this is a forged form).
    # The unique nonce refuses the insert and the learner's own look finds nothing: an expired form.
    error = refusal(services.submit_self_check, bertil.id, m, right(m), draw=draw, nonce="sama")
    assert (str(error), error.field) == ("Itsetestin lomake on vanhentunut. Vastaa kysymyksiin uudelleen.", "answers")
    db.session.rollback()
    owners = db.session.execute(select(Attempt.user_id, Attempt.draw_nonce).order_by(Attempt.id)).all()
    assert owners == [(anna.id, "sama"), (anna.id, "toinen")]


def test_a_test_out_refusal_follows_the_given_rules_and_says_when_it_opens(app):
    from flask_babel import format_datetime

    user = make_learner()
    m = module(SLUG)
    now = datetime(2026, 6, 1, 12, 0)
    one_in_three_hours = services.RetryRules(1, timedelta(hours=3))  # the configuration allows two a day
    services.submit_self_check(user.id, m, wrong(m), rules=one_in_three_hours, now=now)
    error = refusal(services.submit_self_check, user.id, m, right(m), rules=one_in_three_hours, now=now)
    when = format_datetime(now + timedelta(hours=3), "short")
    assert isinstance(error, NotAllowed) and error.field is None
    assert str(error) == (
        f"Olet käyttänyt osaamisen osoittamisen yrityksesi. Voit yrittää uudelleen {when} jälkeen; "
        "sillä välin voit aloittaa moduulin opiskelun milloin tahansa."
    )


def test_every_event_of_a_test_out_names_its_module_and_a_failure_its_kind(app):
    user = make_learner()
    m = module(SLUG)
    failed = services.submit_self_check(user.id, m, wrong(m))
    assert (failed.kind, failed.outcome) == ("test_out", "failed")
    services.submit_self_check(user.id, m, right(m))
    assert [(verb, module_id) for verb, module_id, _data in events(user.id)] == [
        ("attempted", m.id),
        ("attempted", m.id),
        ("passed", m.id),
        ("recognised", m.id),
    ]


def test_a_form_sent_twice_at_once_finds_that_forms_attempt_among_the_learners_others(app, monkeypatch):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    draw = services.draw_check(m, seed=9)
    earlier = services.submit_self_check(user.id, m, wrong(m), draw=draw, nonce="yksi")
    first = services.submit_self_check(user.id, m, right(m), draw=draw, nonce="kaksi")
    db.session.commit()
    first_look_misses(monkeypatch)
    second = services.submit_self_check(user.id, m, right(m), draw=draw, nonce="kaksi")
    assert (second.attempt_id, second.repeated, second.score) == (first.attempt_id, True, 100)
    assert second.attempt_id != earlier.attempt_id
    assert len(db.session.scalars(select(Attempt.id)).all()) == 2


def test_passing_a_satisfied_module_again_is_its_own_attempt(app):
    user = make_learner()
    m = module(SLUG)
    services.start_module(user.id, m)
    services.submit_self_check(user.id, m, right(m))
    again = services.submit_self_check(user.id, m, right(m))
    assert (again.passed, again.outcome, again.kind, again.repeated) == (True, "already", "study", False)
    assert again.attempt_id == db.session.scalars(select(Attempt.id).order_by(Attempt.id.desc())).first()
    assert db.session.get(Attempt, again.attempt_id).passed


def test_recent_events_break_ties_by_the_later_record_on_any_database(app, monkeypatch):
    """SQLite's (user_id, created_at) index already returns ties newest record first, so the
    example above cannot tell; PostgreSQL promises no order for ties, so the query names it."""
    asked = []
    real = db.session.scalars

    def scalars(statement, *args, **kwargs):
        asked.append(str(statement.compile(compile_kwargs={"literal_binds": True})))
        return real(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalars", scalars)
    services.recent_events(make_learner().id)
    assert "ORDER BY learning_events.created_at DESC, learning_events.id DESC" in asked[0]


def test_starting_finds_the_learners_own_row_of_this_module(app):
    anna, bertil = make_learner("a@example.fi"), make_learner("b@example.fi")
    services.start_module(bertil.id, module(SLUG))
    services.start_module(anna.id, module(OTHER))
    row = services.start_module(anna.id, module(SLUG))
    assert (row.user_id, row.module_id, row.status) == (anna.id, module(SLUG).id, "in_progress")
    assert [(verb, m) for verb, m, _data in events(anna.id)] == [
        ("started", module(OTHER).id),
        ("started", row.module_id),
    ]


def test_a_module_already_started_is_not_refused_when_it_has_become_locked(app):
    """E.g. a prerequisite added to the catalogue after the learner started: the row stays theirs."""
    user = make_learner()
    m = module(LOCKED)
    db.session.add(services.Progress(user_id=user.id, module_id=m.id, status="in_progress"))
    db.session.flush()
    row = services.start_module(user.id, m)
    assert (row.user_id, row.module_id, row.status) == (user.id, m.id, "in_progress")
    assert events(user.id) == []


def test_a_start_whose_first_look_missed_finds_the_row_and_logs_no_second_start(app, monkeypatch):
    user = make_learner()
    m = module(SLUG)
    first = services.start_module(user.id, m)
    db.session.commit()
    first_look_misses(monkeypatch)  # start_module's own look misses; _get_or_create's finds the row
    again = services.start_module(user.id, m)
    assert again.id == first.id
    assert [verb for verb, _m, _data in events(user.id)] == ["started"]


def test_a_learner_who_has_done_the_prerequisites_may_start(app):
    user = make_learner()
    for slug in (SLUG, "tekijanoikeudet-ja-avoimuus"):
        services.submit_self_check(user.id, module(slug), right(module(slug)))
    row = services.start_module(user.id, module(LOCKED))
    assert (row.user_id, row.status) == (user.id, "in_progress")
