"""Real Redis, real Celery workers: mail leaves through the outbox exactly as
the worker delivers it, and a worker killed mid-batch loses nothing."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import func, select

from kampus.extensions import db
from kampus.jobs import outbox
from kampus.jobs.models import SENT, OutboxMessage

pytestmark = pytest.mark.slow


@pytest.fixture
def broker_app(make_app, redis_url, sink, workers):
    app = make_app("empty", REDIS_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    workers.env["KAMPUS_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        assert app.extensions["celery"].conf.task_always_eager is False
        yield app


def wait_ready(workers, name: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    log = workers.folder / f"{name}.log"
    while time.monotonic() < deadline:
        if log.exists() and b"ready." in log.read_bytes():
            return
        time.sleep(0.1)
    raise AssertionError(f"worker {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def queue(count: int, prefix: str) -> list[str]:
    subjects = [f"{prefix} {n}" for n in range(count)]
    for subject in subjects:
        outbox.queue_mail("learner@example.fi", subject, "…", key=f"test:{subject}")
    db.session.commit()
    return subjects


def sent_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == SENT))


def wait_sent(count: int, timeout: float = 30.0) -> int:
    """The number of messages marked sent, once it reaches ``count`` (the worker marks a
    message sent just after the SMTP server has it) or the timeout passes."""
    deadline = time.monotonic() + timeout
    while (sent := sent_count()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return sent


def test_a_worker_delivers_what_the_request_committed(broker_app, sink, workers):
    workers.start("w1")
    wait_ready(workers, "w1")
    expected = queue(20, "Tervetuloa")
    assert sorted(sink.wait_for(20)) == sorted(expected)
    assert wait_sent(20) == 20


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_one_in_flight(broker_app, sink, workers):
    first = workers.start("w1")
    wait_ready(workers, "w1")
    expected = queue(150, "Muistutus")
    sink.wait_for(25)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = len(sink.subjects())
    assert killed_at < 150, "the worker finished before it was killed: nothing was tested"
    workers.start("w2")
    wait_ready(workers, "w2")
    time.sleep(3.5)  # the dead worker's lease (KAMPUS_OUTBOX_LEASE_SECONDS=3) runs out
    broker_app.extensions["celery"].tasks["kampus.jobs.tasks.deliver_due_outbox"].delay()  # what beat does each minute
    received = sink.wait_for(150)
    deadline = time.monotonic() + 60
    while sent_count() < 150 and time.monotonic() < deadline:  # the sweep (each minute under beat) takes the rest
        broker_app.extensions["celery"].tasks["kampus.jobs.tasks.deliver_due_outbox"].delay()
        time.sleep(2)
    received = sink.subjects()
    assert set(received) == set(expected)  # none lost
    assert len(received) - len(set(received)) <= 1  # at most the one the killed worker had in flight
    assert sent_count() == 150
