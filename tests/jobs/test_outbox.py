"""The outbox: written in the request's transaction, delivered after commit,
once per key, retried with back-off, never twice at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from kampus.db import cancel_on_commit, utcnow
from kampus.extensions import db
from kampus.jobs import outbox
from kampus.jobs.models import PENDING, SENDING, SENT, OutboxMessage
from tests.jobs.conftest import free_port


@pytest.fixture
def mail_app(make_app, sink):
    app = make_app("empty", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    with app.app_context():
        yield app


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _one_mail() -> list[str]:
    outbox.queue_mail("a@example.fi", "Hei", "Tervetuloa", key="test:1")
    return ["Hei"]


def _two_mails_then_a_savepoint() -> list[str]:
    # Each queue_mail releases a savepoint (SQLAlchemy fires after_commit for that too): none may leave early.
    outbox.queue_mail("a@example.fi", "Ensimmäinen", "…", key="test:first")
    outbox.queue_mail("b@example.fi", "Toinen", "…", key="test:second")
    with db.session.begin_nested():  # e.g. claiming a unique row after queueing
        db.session.flush()
    return ["Ensimmäinen", "Toinen"]


def _a_mail_inside_a_savepoint() -> list[str]:
    with db.session.begin_nested():  # as the reminders claim their row first
        outbox.queue_mail("a@example.fi", "Sisällä", "…", key="test:savepoint")
    return ["Sisällä"]


@pytest.mark.parametrize("transaction", [_one_mail, _two_mails_then_a_savepoint, _a_mail_inside_a_savepoint])
def test_a_mail_leaves_only_at_the_outer_commit_whatever_savepoints_come_before(mail_app, sink, transaction):
    subjects = transaction()
    assert sink.subjects() == []  # flushed, savepoints released, not committed: nothing has left
    assert [r.state for r in rows()] == [PENDING] * len(subjects)
    db.session.commit()
    assert sorted(sink.wait_for(len(subjects), timeout=5)) == sorted(subjects)
    assert [r.state for r in rows()] == [SENT] * len(subjects)


def test_a_rollback_sends_nothing(mail_app, sink):
    outbox.queue_mail("a@example.fi", "Ei koskaan", "…", key="test:rollback")
    db.session.rollback()
    db.session.commit()
    assert rows() == [] and sink.subjects() == []


def test_the_same_key_twice_is_one_message(mail_app, sink):
    assert outbox.queue_mail("a@example.fi", "Kerran", "…", key="test:once") is not None
    assert outbox.queue_mail("a@example.fi", "Kerran", "…", key="test:once") is None
    db.session.commit()
    assert outbox.queue_mail("a@example.fi", "Kerran", "…", key="test:once") is None
    db.session.commit()
    assert sink.wait_for(1, timeout=5) == ["Kerran"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_failed_delivery_is_retried_with_back_off_and_then_sent(make_app, sink):
    app = make_app("empty", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    with app.app_context():
        outbox.queue_mail("a@example.fi", "Myöhemmin", "…", key="test:retry")
        db.session.commit()
        [row] = rows()
        assert (row.state, row.attempts) == (PENDING, 1)
        assert "ConnectionRefusedError" in row.last_error or "OSError" in row.last_error
        assert dt.timedelta(seconds=20) < row.next_attempt_at - utcnow() <= dt.timedelta(seconds=30)
        assert outbox.deliver_due() == {}  # not due yet
        app.config["MAIL_PORT"] = sink.port
        row.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
        assert outbox.deliver_due() == {"sent": 1}
        assert sink.subjects() == ["Myöhemmin"]
        assert rows()[0].attempts == 2


def test_back_off_doubles_up_to_six_hours():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(40) == dt.timedelta(hours=6)


def test_a_message_whose_worker_died_is_taken_again_after_its_lease(mail_app, sink):
    message = OutboxMessage(
        kind="mail",
        key="test:lease",
        state=SENDING,
        attempts=1,
        lease_until=utcnow() + dt.timedelta(minutes=5),
        payload={"to": "a@example.fi", "subject": "Lease", "body": "…"},
    )
    db.session.add(message)
    db.session.commit()
    assert outbox.deliver(message.id) == "skipped"  # another worker holds it
    message.lease_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert outbox.deliver_due() == {"sent": 1}
    assert sink.subjects() == ["Lease"]


def test_two_deliveries_of_one_message_at_once_send_it_once(mail_app, sink):
    message = OutboxMessage(
        kind="mail", key="test:race", payload={"to": "a@example.fi", "subject": "Race", "body": "…"}
    )
    db.session.add(message)
    db.session.flush()
    message_id = message.id
    cancel_on_commit(db.session(), outbox.dispatch_messages)
    db.session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def run():
        with mail_app.app_context():
            barrier.wait()
            outcomes.append(outbox.deliver(message_id))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert sink.subjects() == ["Race"]


def test_an_unknown_kind_is_refused_at_once(mail_app):
    with pytest.raises(ValueError):
        outbox.enqueue("carrier-pigeon", {}, key="x")
