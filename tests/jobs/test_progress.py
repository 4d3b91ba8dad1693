"""The job runner: starting is idempotent and waits for the commit, a job is claimed before it
runs (a second run of a done job does nothing; a dead worker's job is taken again when its lease
runs out), progress is committed while the work is not, failures are recorded with their message,
and old result files are removed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kampus.db import cancel_on_commit, utcnow
from kampus.extensions import db
from kampus.jobs import progress
from kampus.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job
from kampus.orgs.models import Team
from tests.factories import make_org, make_user

SEEN: list[tuple[int, int, int]] = []  # (done, total, teams committed) as another connection saw them


def _counted(done, total):
    return f"{done}/{total}"


@progress.handler("test_teams", title=lambda: "Teams", counted=_counted)
def _make_teams(job: progress.JobRun) -> dict:
    """Adds teams one by one, reporting after each; what another connection sees is recorded."""
    names = job.params["names"]
    for n, name in enumerate(names, start=1):
        db.session.add(Team(organisation_id=job.organisation_id, name=name))
        db.session.flush()
        job.report(n, len(names))
        with Session(db.engine) as other:
            row = other.get(Job, job.id)
            assert row is not None
            SEEN.append((row.done, row.total, other.scalar(select(func.count(Team.id)).where(Team.name.like("T-%")))))
    with job.open_result("teams.txt", "text/plain") as out:
        out.write(", ".join(names).encode())
    return {"teams": len(names)}


@progress.handler("test_fails", title=lambda: "Fails", counted=_counted)
def _fails(job: progress.JobRun) -> None:
    db.session.add(Team(organisation_id=job.organisation_id, name="Never"))
    db.session.flush()
    raise progress.JobFailed("Tiimiä ei voitu luoda.")


@progress.handler("test_crashes", title=lambda: "Crashes", counted=_counted)
def _crashes(job: progress.JobRun) -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def owner(make_app, tmp_path):
    app = make_app("empty", KAMPUS_JOB_FILES=str(tmp_path))
    with app.app_context():
        org = make_org()
        yield make_user(org, manager=True)


def new_job(owner, kind, params=None, *, key="k") -> Job:
    job = progress.start(kind, key=key, user_id=owner.id, organisation_id=owner.organisation_id, params=params or {})
    return job


def test_a_job_starts_after_the_commit_and_not_after_a_rollback(owner):
    job = new_job(owner, "test_teams", {"names": ["T-1"]})
    assert job.state == QUEUED
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    job = new_job(owner, "test_teams", {"names": ["T-1"]})
    job_id = job.id
    db.session.commit()  # eager: runs now
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == DONE


def test_the_same_key_twice_is_one_job(owner):
    first = new_job(owner, "test_teams", {"names": ["T-1"]})
    second = new_job(owner, "test_teams", {"names": ["T-1"]})
    assert first.id == second.id
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert db.session.scalar(select(func.count(Team.id))) == 1


def test_progress_is_committed_while_the_work_is_not_and_all_of_it_at_the_end(owner):
    SEEN.clear()
    job = new_job(owner, "test_teams", {"names": ["T-1", "T-2", "T-3"]})
    job_id = job.id
    db.session.flush()
    assert cancel_on_commit(db.session(), progress.dispatch_jobs)  # run it by hand
    db.session.commit()
    assert progress.run(job_id) == "done"
    if db.engine.dialect.name == "postgresql":  # SQLite: progress is best effort under the write lock
        assert [(d, t) for d, t, _ in SEEN] == [(1, 3), (2, 3), (3, 3)]
    assert [teams for _, _, teams in SEEN] == [0, 0, 0]  # none of the work committed half-way
    db.session.expire_all()
    done = db.session.get(Job, job_id)
    assert (done.state, done.done, done.total, done.result) == (DONE, 3, 3, {"teams": 3})
    assert progress.file_of(done).read_bytes() == b"T-1, T-2, T-3"
    assert done.file_name == "teams.txt" and len(done.file_path) >= 32
    assert db.session.scalar(select(func.count(Team.id))) == 3


def test_a_done_job_run_again_does_nothing(owner):
    job = new_job(owner, "test_teams", {"names": ["T-1"]})
    job_id = job.id
    db.session.commit()
    assert progress.run(job_id) == "skipped"
    assert db.session.scalar(select(func.count(Team.id))) == 1


def test_a_running_job_is_claimed_once_and_taken_again_when_its_lease_runs_out(owner):
    job = new_job(owner, "test_teams", {"names": ["T-1"]})
    job_id = job.id
    assert cancel_on_commit(db.session(), progress.dispatch_jobs)
    job.state, job.lease_until = RUNNING, utcnow() + dt.timedelta(minutes=5)  # another worker has it
    db.session.commit()
    assert progress.run(job_id) == "skipped"
    assert progress.due_ids() == []
    db.session.get(Job, job_id).lease_until = utcnow() - dt.timedelta(seconds=1)  # that worker died
    db.session.commit()
    assert progress.due_ids() == [job_id]
    assert progress.run(job_id) == "done"
    db.session.expire_all()
    assert db.session.get(Job, job_id).attempts == 1
    assert db.session.scalar(select(func.count(Team.id))) == 1


def test_a_failure_is_recorded_with_its_message_and_rolls_the_work_back(owner):
    job = new_job(owner, "test_fails")
    job_id = job.id
    db.session.commit()
    db.session.expire_all()
    failed = db.session.get(Job, job_id)
    assert (failed.state, failed.error) == (FAILED, "Tiimiä ei voitu luoda.")
    assert db.session.scalar(select(func.count(Team.id))) == 0
    again = new_job(owner, "test_fails")  # the same key after a failure: tried again
    assert again.id == job_id and again.state == QUEUED


def test_an_unexpected_error_is_retried_then_recorded_without_its_details(owner):
    job = new_job(owner, "test_crashes")
    job_id = job.id
    assert cancel_on_commit(db.session(), progress.dispatch_jobs)
    db.session.commit()
    outcomes = [progress.run(job_id) for _ in range(progress.MAX_ATTEMPTS)]
    assert outcomes == ["retry"] * (progress.MAX_ATTEMPTS - 1) + [FAILED]
    db.session.expire_all()
    failed = db.session.get(Job, job_id)
    assert failed.state == FAILED and "bug" not in failed.error and failed.error.startswith("Työtä ei voitu")


def test_old_result_files_are_removed(owner):
    job = new_job(owner, "test_teams", {"names": ["T-1"]})
    job_id = job.id
    db.session.commit()
    db.session.expire_all()
    path = progress.file_of(db.session.get(Job, job_id))
    assert path is not None
    assert progress.remove_old_files(now=utcnow() + dt.timedelta(hours=23)) == 0
    assert progress.remove_old_files(now=utcnow() + dt.timedelta(hours=25)) == 1
    db.session.commit()
    assert not path.exists() and db.session.get(Job, job_id).file_path is None


def test_a_worker_whose_lease_ran_out_does_not_overwrite_the_run_that_took_over(owner):
    job = new_job(owner, "test_teams", {"names": ["T-1"]})
    job_id = job.id
    assert cancel_on_commit(db.session(), progress.dispatch_jobs)
    db.session.commit()
    slow = progress.JobRun(db.session.get(Job, job_id), attempt=1)  # claimed once, then its lease ran out
    db.session.execute(
        progress.update(Job).where(Job.id == job_id).values(state=RUNNING, attempts=2, lease_until=utcnow())
    )
    db.session.commit()
    slow.report(1, 1)  # the first worker's progress no longer counts
    db.session.expire_all()
    assert db.session.get(Job, job_id).total == 0
