"""Delivery to a local LRS stub that fails at random (fixed seed): every statement
arrives exactly once, none lost, none duplicated; back-off is respected; two
drainers at once never send the same row."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from kampus.db import utcnow
from kampus.extensions import db
from kampus.progress import services as progress
from kampus.xapi.delivery import DeliveryNotConfigured, backoff, deliver_pending
from kampus.xapi.models import XapiOutbox
from tests.paths.helpers import make_learner, module
from tests.xapi.conftest import lrs_config


def some_events(learners: int = 4) -> None:
    slugs = ["digcomp-perusteet", "oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"]
    for n in range(learners):
        learner = make_learner(f"oppija{n}@example.fi")
        for slug in slugs:
            m = module(slug)
            progress.view_section(learner.id, m, 0)
            progress.submit_self_check(learner.id, m, {q.id: list(q.correct) for q in m.questions})
            progress.rate_module(learner.id, m, 1 + n % 5)
    db.session.commit()


def pending_ids() -> set[str]:
    return set(db.session.scalars(select(XapiOutbox.statement_id).where(XapiOutbox.state != "skipped")))


def state_counts() -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(XapiOutbox.state, func.count()).group_by(XapiOutbox.state)).all())


@pytest.mark.slow
def test_a_flaky_lrs_gets_every_statement_exactly_once(make_app, make_lrs):
    lrs = make_lrs(fail_before=0.3, fail_after=0.1, seed=20)
    app = make_app("catalogue", **lrs_config(lrs, KAMPUS_XAPI_BATCH_SIZE=7))
    with app.app_context():
        some_events()
        clock = utcnow()
        reports = []
        for _ in range(40):
            reports.append(deliver_pending(100, now=clock))
            clock += dt.timedelta(hours=7)  # past the longest back-off
            if state_counts().get("pending", 0) == 0 and reports[-1].claimed == 0:
                break
        expected = pending_ids()
        assert len(expected) > 40
        assert state_counts().get("pending", 0) == 0 and state_counts().get("sending", 0) == 0
        assert set(lrs.stored) == expected  # none lost
        assert all(lrs.stored[i]["id"] == i for i in expected)
        # the stub refuses a second copy of an id; a resend after a lost answer is recognised by 409
        assert sum(r.failed for r in reports) > 0, "the stub should have failed some batches"
        assert sum(r.already for r in reports) > 0, "some answers were lost after the write"
        assert sum(r.sent + r.already for r in reports) == len(expected)  # each marked sent exactly once
        assert {status for _size, status in lrs.requests} >= {200, 409, 502, 503}


def test_while_the_lrs_is_down_nothing_is_lost_and_back_off_is_respected(make_app, make_lrs):
    lrs = make_lrs()
    app = make_app("catalogue", **lrs_config(lrs, KAMPUS_XAPI_RETRY_BASE_SECONDS=30))
    with app.app_context():
        learner = make_learner()
        progress.start_module(learner.id, module("digcomp-perusteet"))
        db.session.commit()
        lrs.down = True
        start = utcnow()
        first = deliver_pending(now=start)
        assert first.failed == 1 and not lrs.stored
        (row,) = db.session.scalars(select(XapiOutbox))
        db.session.refresh(row)
        assert row.state == "pending" and row.attempts == 1 and "503" in row.last_error
        assert row.next_attempt_at == start + dt.timedelta(seconds=30)
        lrs.down = False
        assert deliver_pending(now=start + dt.timedelta(seconds=29)).claimed == 0  # not due yet
        lrs.down = True
        assert deliver_pending(now=start + dt.timedelta(seconds=30)).failed == 1
        db.session.refresh(row)
        assert row.attempts == 2 and row.next_attempt_at == start + dt.timedelta(seconds=30 + 60)
        lrs.down = False
        assert deliver_pending(now=start + dt.timedelta(seconds=89)).claimed == 0
        assert deliver_pending(now=start + dt.timedelta(seconds=90)).sent == 1
        assert list(lrs.stored) == [row.statement_id]
        assert state_counts() == {"sent": 1}


def test_back_off_doubles_up_to_its_ceiling():
    assert [backoff(n, 30, 600).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_an_unreachable_lrs_is_a_failure_to_retry_not_a_crash(make_app):
    app = make_app("catalogue", KAMPUS_XAPI_ENDPOINT="http://127.0.0.1:9/xapi", KAMPUS_XAPI_TIMEOUT=2)
    with app.app_context():
        progress.start_module(make_learner().id, module("digcomp-perusteet"))
        db.session.commit()
        report = deliver_pending()
        assert report.failed == 1 and state_counts() == {"pending": 1}
        assert "no answer" in db.session.scalar(select(XapiOutbox.last_error))


def test_wrong_credentials_are_retried_and_reported(make_app, make_lrs):
    lrs = make_lrs()
    app = make_app("catalogue", **lrs_config(lrs, KAMPUS_XAPI_PASSWORD="väärä"))
    with app.app_context():
        progress.start_module(make_learner().id, module("digcomp-perusteet"))
        db.session.commit()
        assert deliver_pending().failed == 1 and not lrs.stored
        assert "401" in db.session.scalar(select(XapiOutbox.last_error))


def test_two_drainers_at_once_never_send_the_same_row(make_app, make_lrs):
    lrs = make_lrs(delay=0.05)
    app = make_app("catalogue", **lrs_config(lrs, KAMPUS_XAPI_BATCH_SIZE=3))
    with app.app_context():
        some_events(2)
        from kampus.xapi.services import enqueue_all

        enqueue_all()
        db.session.commit()
    errors = []

    def drain():
        try:
            with app.app_context():
                for _ in range(3):
                    deliver_pending(8)
                db.session.remove()
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with app.app_context():
        for _ in range(10):
            if not deliver_pending(50).claimed:
                break
        expected = pending_ids()
        assert set(lrs.stored) == expected
        assert all(count == 1 for count in lrs.received.values()), "a row was sent twice"
        assert 409 not in {status for _size, status in lrs.requests}


def test_claims_are_exclusive_and_a_dead_drainers_claim_expires(make_app, make_lrs):
    from kampus.xapi.delivery import CLAIM_LEASE, _claim
    from kampus.xapi.services import enqueue_all

    lrs = make_lrs()
    app = make_app("catalogue", **lrs_config(lrs))
    with app.app_context():
        progress.start_module(make_learner().id, module("digcomp-perusteet"))
        enqueue_all()
        db.session.commit()
        now = utcnow()
        _token, rows = _claim(10, now)  # a drainer claims, then dies before sending
        assert len(rows) == 1
        assert _claim(10, now)[1] == []  # nobody else may take it meanwhile
        assert deliver_pending(now=now + CLAIM_LEASE / 2).claimed == 0
        assert deliver_pending(now=now + CLAIM_LEASE + dt.timedelta(seconds=1)).sent == 1
        assert len(lrs.stored) == 1


def test_of_two_drainers_that_chose_the_same_rows_only_the_first_takes_them(make_app, make_lrs):
    from kampus.xapi.delivery import _candidates, _take
    from kampus.xapi.services import enqueue_all

    app = make_app("catalogue", **lrs_config(make_lrs()))
    with app.app_context():
        progress.view_section(make_learner().id, module("digcomp-perusteet"), 0)
        enqueue_all()
        db.session.commit()
        now = utcnow()
        chosen_by_a = _candidates(10, now)
        chosen_by_b = _candidates(10, now)  # B reads before A's claim is written
        assert chosen_by_a == chosen_by_b and len(chosen_by_a) == 2
        _token, taken_by_a = _take(chosen_by_a, now)
        _token, taken_by_b = _take(chosen_by_b, now)
        assert len(taken_by_a) == 2 and taken_by_b == []


def test_without_an_endpoint_statements_wait_in_the_outbox(app):
    progress.start_module(make_learner().id, module("digcomp-perusteet"))
    db.session.commit()
    with pytest.raises(DeliveryNotConfigured):
        deliver_pending()
    assert state_counts() == {"pending": 1}


def test_the_beat_task_delivers_to_the_lrs_and_idles_without_an_endpoint(make_app, make_lrs):
    lrs = make_lrs()
    app = make_app("catalogue", **lrs_config(lrs))
    with app.app_context():
        some_events(learners=1)
        task = app.extensions["celery"].tasks["kampus.jobs.tasks.deliver_xapi"]
        assert "xapi-delivery" in app.extensions["celery"].conf.beat_schedule
        sent = task.delay().get()
        assert sent > 0 and set(lrs.stored) == pending_ids()
        app.config["KAMPUS_XAPI_ENDPOINT"] = None
        assert task.delay().get() == 0
