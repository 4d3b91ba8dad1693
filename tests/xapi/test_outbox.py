"""Filling the outbox from the learning event log and the assignments: every
statement valid (ralph), one row per statement, unknown kinds skipped and
counted, and filling again adds nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from kampus.extensions import db
from kampus.progress import services as progress
from kampus.progress.models import LearningEvent
from kampus.xapi.models import XapiOutbox
from kampus.xapi.services import actor_for, enqueue_all, enqueue_new
from tests.paths.helpers import make_learner, module
from tests.xapi.conftest import validate_statement


def statements_by_kind():
    rows = db.session.scalars(select(XapiOutbox).where(XapiOutbox.state == "pending").order_by(XapiOutbox.id))
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row.kind, []).append(row.statement)
    return found


def test_the_demo_log_becomes_valid_statements_once(demo_app, validate):
    events = db.session.scalar(select(func.count(LearningEvent.id)))
    report = enqueue_all()
    db.session.commit()
    assert report.queued > 100 and events > 100
    assert set(report.skipped_kinds) <= {"assessed"}  # the demo's self-assessments make no statement
    rows = list(db.session.scalars(select(XapiOutbox)))
    for row in rows:
        if row.statement is not None:
            validate(row.statement)
            assert row.statement["id"] == row.statement_id
    assert {r.source_id for r in rows if r.source == "event"} == set(db.session.scalars(select(LearningEvent.id)))
    assert {r.kind for r in rows if r.state == "pending"} >= {"started", "completed", "recognised", "assigned"}
    again = enqueue_all()
    assert (again.queued, again.skipped) == (0, 0)
    assert db.session.scalar(select(func.count(XapiOutbox.id))) == len(rows)


def test_a_learners_self_check_events_become_the_expected_statements(app):
    learner = make_learner()
    m = module("digcomp-perusteet")
    progress.view_section(learner.id, m, 1)
    wrong = {q.id: [c for c in range(len(q.choices)) if c not in q.correct][:1] for q in m.questions}
    progress.submit_self_check(learner.id, m, wrong)
    progress.submit_self_check(learner.id, m, {q.id: list(q.correct) for q in m.questions})
    progress.rate_module(learner.id, m, 5)
    progress.save_reflection(learner.id, m, "Opin paljon.")
    db.session.commit()
    report = enqueue_new()
    db.session.commit()
    found = statements_by_kind()
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for kind in found for s in found[kind]]
    assert sorted(verbs) == sorted(
        ["attempted", "experienced", "answered", "failed", "answered", "passed", "completed", "rated"]
    )
    assert report.skipped_kinds == {"reflected": 1}
    for kind in found:
        for statement in found[kind]:
            validate_statement(statement)
            assert statement["actor"]["account"]["name"] == actor_for(learner.id)
    failed = next(s for s in found["attempted"] if s["verb"]["id"].endswith("/failed"))
    assert failed["result"]["success"] is False


def test_testing_out_gives_a_pass_with_the_extension(app):
    learner = make_learner()
    m = module("digcomp-perusteet")
    progress.submit_self_check(learner.id, m, {q.id: list(q.correct) for q in m.questions})
    db.session.commit()
    enqueue_new()
    (statement,) = statements_by_kind()["recognised"]
    validate_statement(statement)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert statement["context"]["extensions"][app.config["KAMPUS_BASE_URL"] + "/xapi/extensions/test-out"] is True


def test_unknown_kinds_are_skipped_counted_and_not_scanned_again(app):
    learner = make_learner()
    db.session.add(LearningEvent(user_id=learner.id, verb="teleported", data={}, created_at=dt.datetime(2026, 1, 1)))
    db.session.commit()
    report = enqueue_new()
    assert report.skipped_kinds == {"teleported": 1} and report.queued == 0
    (row,) = db.session.scalars(select(XapiOutbox))
    assert row.state == "skipped" and row.statement is None
    assert enqueue_new().skipped == 0


def test_the_actor_is_opaque_and_survives_an_email_change(app):
    learner = make_learner()
    before = actor_for(learner.id)
    learner.email = "uusi@example.fi"
    db.session.commit()
    assert actor_for(learner.id) == before
    assert "oppija" not in before and "@" not in before


def test_an_event_committed_late_with_a_smaller_id_is_still_enqueued(app):
    learner = make_learner()
    m = module("digcomp-perusteet")
    first = progress.log_event(learner.id, "started", m.id)
    second = progress.log_event(learner.id, "completed", m.id)
    db.session.commit()
    db.session.add(
        XapiOutbox(
            statement_id="x" * 36,
            source="event",
            source_id=second.id,
            kind="completed",
            statement=None,
            occurred_at=second.created_at,
            state="skipped",
        )
    )
    db.session.commit()
    enqueue_new()
    assert db.session.scalar(select(func.count(XapiOutbox.id)).where(XapiOutbox.source_id == first.id)) == 1


def test_a_module_on_the_learners_path_carries_the_path_as_registration(app):
    from kampus.paths.models import Path, PathGoal
    from kampus.xapi import statements as xs

    learner = make_learner()
    path = Path(user_id=learner.id, title="Tuottaminen", start=dt.date(2026, 11, 1))
    path.goals = [PathGoal(module_id=module("oppimateriaalin-tuottaminen").id)]
    db.session.add(path)
    db.session.flush()
    required = module("oppimateriaalin-laatu")  # a prerequisite of the goal: on the path too
    progress.start_module(learner.id, required)
    progress.start_module(learner.id, module("digcomp-perusteet"))  # not on the path (and open to start)
    db.session.commit()
    enqueue_new()
    on_path, off_path = statements_by_kind()["started"]
    validate_statement(on_path)
    base = app.config["KAMPUS_BASE_URL"]
    assert on_path["context"]["registration"] == xs.registration(base, xs.PathInfo("path", path.id, {}))
    assert f"{base}/paths/{path.id}" in [a["id"] for a in on_path["context"]["contextActivities"]["grouping"]]
    assert "registration" not in off_path["context"]
    assert on_path["context"]["language"] == "fi-FI"
