"""Background jobs with progress: long exports and imports that a page starts.

:func:`start` adds a :class:`~kampus.jobs.models.Job` to the current transaction
(flushed, not committed); when that transaction commits, each new job is handed
to the ``run_job`` task, like the outbox (run at once in-process without a
broker, by a Celery worker with one). A rollback starts nothing. ``key`` makes
starting idempotent: the same submit twice is one job.

:func:`run` claims a job with a conditional update (queued → running, with a
lease), so two workers, a retry and the sweep never run it at once; a job whose
worker died is taken again when its lease runs out. The job's work runs in the
task's session and is committed with the job's final state, all at once; its
progress (:meth:`JobRun.report`) is committed on a connection of its own, so a
page polling the job sees it move while none of the work is committed half-way.
On SQLite (development, tests) progress is best effort: while the job's own
transaction holds the write lock, a report is skipped rather than waited for.

A handler (:func:`handler`, one per kind, registered by the feature that owns the
work) takes a :class:`JobRun` and returns a summary for the page (or None). It
raises :class:`JobFailed` with a message a person can act on; any other error is
retried with back-off up to :data:`MAX_ATTEMPTS` times.

Result files go to ``KAMPUS_JOB_FILES`` (default ``instance/jobs``; production with
separate workers needs a folder shared by the web processes and the workers),
under an unguessable name; :func:`remove_old_files` (beat, hourly) removes them
after ``KAMPUS_JOB_RESULT_HOURS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from kampus.db import on_commit, rows_changed, utcnow
from kampus.extensions import db
from kampus.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

log = logging.getLogger("kampus.jobs")

MAX_ATTEMPTS = 5


class JobFailed(Exception):
    """The job cannot be done; ``message`` (already translated) is shown on its page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Kind:
    """What a page needs to know of a kind of job: its title and what it counts."""

    run: Callable[[JobRun], dict | None]
    title: Callable[[], str]
    counted: Callable[[int, int], str]  # (done, total) with the numbers formatted -> "1 234 / 10 010 people"
    result_template: str | None = None  # shows a finished job's summary on its page


#: kind -> what runs it and how its page names it.
KINDS: dict[str, Kind] = {}


def handler(
    kind: str,
    *,
    title: Callable[[], str],
    counted: Callable[[int, int], str],
    result_template: str | None = None,
):
    """Register the function that runs jobs of ``kind``; ``title`` and ``counted`` name it on its page."""

    def register(function: Callable[[JobRun], dict | None]) -> Callable[[JobRun], dict | None]:
        KINDS[kind] = Kind(function, title, counted, result_template)
        return function

    return register


# --- starting --------------------------------------------------------------------------


def start(kind: str, *, key: str, user_id: int, organisation_id: int | None, params: dict) -> Job:
    """Add a job to the current transaction (flushed, not committed); it runs after the commit.

    The same ``key`` again returns the job it started (a double submit), or starts
    that job again when it failed. Raises ValueError for an unknown kind.
    """
    if kind not in KINDS:
        raise ValueError(f"no job handler for {kind!r}")
    key = f"{kind}:{key}"[:200]
    try:
        with db.session.begin_nested():
            job = Job(kind=kind, key=key, user_id=user_id, organisation_id=organisation_id, params=params)
            db.session.add(job)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(select(Job).where(Job.key == key))
        assert existing is not None  # the unique key was taken by this very row
        if existing.state != FAILED:
            return existing
        existing.state, existing.done, existing.total, existing.attempts = QUEUED, 0, 0, 0
        existing.error, existing.lease_until, existing.finished_at = None, None, None
        existing.params = params
        db.session.flush()
        job = existing
    on_commit(db.session(), dispatch_jobs, job.id)
    return job


def submit_key() -> str:
    """A fresh key for a start form (a hidden field): its double submit is one job."""
    return secrets.token_urlsafe(16)


def dispatch(job_id: int) -> None:
    """Hand a job to this app's own Celery (tests build many apps; the default would be the last one)."""
    current_app.extensions["celery"].tasks["kampus.jobs.tasks.run_job"].delay(job_id)


def dispatch_jobs(ids: list[int]) -> None:
    """:func:`dispatch` each job just committed (:func:`kampus.db.on_commit`)."""
    for job_id in ids:
        try:
            dispatch(job_id)
        except Exception:  # a broker down or, eagerly, a failing task: the sweep runs it
            log.exception("job %s not dispatched; the sweep will run it", job_id)


# --- running ---------------------------------------------------------------------------


def files_folder() -> Path:
    """Where result files are kept (``KAMPUS_JOB_FILES``, default ``instance/jobs``)."""
    folder = Path(current_app.config.get("KAMPUS_JOB_FILES") or Path(current_app.instance_path) / "jobs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_of(job: Job) -> Path | None:
    """The job's result file when it is still there."""
    if not job.file_path:
        return None
    path = files_folder() / job.file_path
    return path if path.is_file() else None


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config.get("KAMPUS_JOB_LEASE_SECONDS", 300)))


def _claimable(now: dt.datetime):
    return or_(Job.state == QUEUED, and_(Job.state == RUNNING, Job.lease_until < now))


class JobRun:
    """What a handler gets: the job's parameters, who started it, progress and a result file."""

    def __init__(self, job: Job, attempt: int):
        self.job = job
        self.attempt = attempt  # this run's claim: a worker whose lease ran out no longer owns the job
        self.id = job.id
        self.params = job.params
        self.user_id = job.user_id
        self.organisation_id = job.organisation_id
        self._file: tuple[str, str, str] | None = None
        self.total: int | None = None  # as last reported

    def report(self, done: int, total: int) -> None:
        """Commit the progress (and extend the lease) on a connection of its own: the job's
        work stays uncommitted. Best effort: a progress that cannot be written now is skipped."""
        self.total = total
        values = {"done": done, "total": total, "lease_until": utcnow() + _lease()}
        try:
            with db.engine.connect() as connection:
                sqlite = connection.dialect.name == "sqlite"
                if sqlite:  # the job's own transaction may hold the write lock: don't wait for it
                    connection.exec_driver_sql("PRAGMA busy_timeout=50")
                try:
                    connection.execute(update(Job).where(*self.owned()).values(**values))
                    connection.commit()
                finally:
                    if sqlite:
                        connection.rollback()
                        connection.exec_driver_sql("PRAGMA busy_timeout=20000")
        except OperationalError:
            log.info("job %s: progress %s/%s not written (database busy)", self.id, done, total)

    def owned(self) -> tuple:
        """The condition that this run still owns the job (running, under this run's claim)."""
        return (Job.id == self.id, Job.state == RUNNING, Job.attempts == self.attempt)

    def open_result(self, file_name: str, mimetype: str) -> IO[bytes]:
        """A new result file to write (binary); offered for download as ``file_name``."""
        stored = secrets.token_urlsafe(24)
        self._file = (file_name, mimetype, stored)
        return open(files_folder() / stored, "wb")  # noqa: SIM115 - the handler closes it


def run(job_id: int) -> str:
    """Run one job: ``done``, ``failed`` (gave up, message recorded), ``retry`` (an unexpected
    error; queued again) or ``skipped`` (done already, or another worker has it)."""
    now = utcnow()
    with Session(db.engine) as claim:
        claimed = rows_changed(
            claim.execute(
                update(Job)
                .where(Job.id == job_id, _claimable(now))
                .values(state=RUNNING, lease_until=now + _lease(), attempts=Job.attempts + 1, started_at=now)
            )
        )
        attempt = claim.scalar(select(Job.attempts).where(Job.id == job_id)) if claimed else None
        claim.commit()
    if not claimed or attempt is None:
        return "skipped"
    job = db.session.get(Job, job_id)
    assert job is not None  # just claimed; jobs are not deleted while they run
    kind = KINDS.get(job.kind)
    context = JobRun(job, attempt)
    try:
        if kind is None:
            raise JobFailed(_("This kind of work is no longer available."))
        with force_locale(job.params.get("locale") or "fi"):
            result = kind.run(context)
    except JobFailed as error:
        db.session.rollback()
        return _finish(context, FAILED, error=error.message)
    except Exception:  # noqa: BLE001 - retried, then recorded; the details go to the log
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, kind)
        if attempt >= MAX_ATTEMPTS:
            with force_locale(job.params.get("locale") or "fi"):
                message = _("The work could not be done. Try again later, or tell the administrator.")
            return _finish(context, FAILED, error=message)
        with Session(db.engine) as session:
            session.execute(update(Job).where(*context.owned()).values(state=QUEUED))
            session.commit()
        _remove(context._file)
        return "retry"
    # The work and the job's end in one transaction: a crash before it leaves nothing half-done.
    values: dict = {"state": DONE, "finished_at": utcnow(), "lease_until": None, "result": result, "error": None}
    if context.total is not None:
        values.update(done=context.total, total=context.total)
    if context._file:
        values.update(file_name=context._file[0], file_mimetype=context._file[1], file_path=context._file[2])
    if not rows_changed(db.session.execute(update(Job).where(*context.owned()).values(**values))):
        # This worker's lease ran out and another took the job: its work is the one that counts.
        db.session.rollback()
        _remove(context._file)
        return "skipped"
    db.session.commit()
    return "done"


def _finish(context: JobRun, state: str, *, error: str) -> str:
    _remove(context._file)
    with Session(db.engine) as session:
        session.execute(
            update(Job)
            .where(*context.owned())
            .values(state=state, error=error[:2000], finished_at=utcnow(), lease_until=None)
        )
        session.commit()
    return state


def _remove(file) -> None:
    if file:
        (files_folder() / file[2]).unlink(missing_ok=True)


def due_ids(limit: int = 100, *, now: dt.datetime | None = None) -> list[int]:
    """Jobs waiting for a minute or more (a lost dispatch) or whose worker died: what the sweep runs."""
    now = now or utcnow()
    waiting = and_(Job.state == QUEUED, Job.created_at <= now - dt.timedelta(minutes=1))
    dead = and_(Job.state == RUNNING, Job.lease_until < now)
    with Session(db.engine) as session:
        return list(session.scalars(select(Job.id).where(or_(waiting, dead)).order_by(Job.id).limit(limit)))


def remove_old_files(*, now: dt.datetime | None = None) -> int:
    """Remove the result files of jobs finished more than ``KAMPUS_JOB_RESULT_HOURS`` ago; returns how many."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(hours=int(current_app.config.get("KAMPUS_JOB_RESULT_HOURS", 24)))
    old = list(db.session.scalars(select(Job).where(Job.finished_at < cutoff, Job.file_path.is_not(None))))
    for job in old:
        (files_folder() / job.file_path).unlink(missing_ok=True)  # type: ignore[operator]
        job.file_path = None
    return len(old)
