"""Celery tasks. Each is idempotent: delivery claims its outbox row, the
reminders claim a (person, kind, key, day) row before queueing a mail."""

from __future__ import annotations

from celery import shared_task

from kampus.jobs import outbox, progress


@shared_task(name="kampus.jobs.tasks.deliver_outbox", ignore_result=True)
def deliver_outbox(message_id: int) -> str:
    return outbox.deliver(message_id)


@shared_task(name="kampus.jobs.tasks.deliver_due_outbox", ignore_result=True)
def deliver_due_outbox() -> dict[str, int]:
    """The sweep (beat, every minute): retries and messages whose dispatch was lost."""
    return outbox.deliver_due()


@shared_task(name="kampus.jobs.tasks.send_daily_reminders", ignore_result=True)
def send_daily_reminders() -> int:
    """What ``kampus remind`` does, once a day from beat: one task per batch of at most
    ``BATCH_SIZE`` people (a few seconds' work each); the mails go through the outbox."""
    from kampus.assignments.reminders import plan_batches
    from kampus.assignments.services import today

    on = today()
    batches = plan_batches(on)
    for batch in batches:
        send_reminder_batch.delay(on.isoformat(), batch.as_dict())
    return len(batches)


@shared_task(
    name="kampus.jobs.tasks.send_reminder_batch",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_reminder_batch(on: str, batch: dict) -> int:
    """One batch of reminders: recorded and queued in one transaction. Idempotent: a retry, or
    a second worker after one died, finds the (person, kind, key, day) rows and queues nothing twice."""
    import datetime as dt

    from kampus.assignments.reminders import Batch, send_batch
    from kampus.extensions import db

    try:
        reminders = send_batch(Batch.from_dict(batch), dt.date.fromisoformat(on))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return sum(r.sent for r in reminders)


@shared_task(name="kampus.jobs.tasks.deliver_xapi", ignore_result=True)
def deliver_xapi() -> int:
    """xAPI statements to the LRS (beat, every minute); nothing to do without an endpoint."""
    from flask import current_app

    from kampus.xapi.delivery import deliver_pending

    if not current_app.config.get("KAMPUS_XAPI_ENDPOINT"):
        return 0
    return deliver_pending().sent


@shared_task(name="kampus.jobs.tasks.run_job", bind=True, ignore_result=True, max_retries=progress.MAX_ATTEMPTS)
def run_job(self, job_id: int) -> str:
    """One background job (:mod:`kampus.jobs.progress`). Idempotent: it claims the job first, so a
    second delivery, a retry or the sweep does nothing to a job that is done or being done."""
    from flask import current_app

    outcome = progress.run(job_id)
    if outcome == "retry" and not current_app.extensions["celery"].conf.task_always_eager:
        raise self.retry(countdown=min(30 * 2**self.request.retries, 3600))
    return outcome


@shared_task(name="kampus.jobs.tasks.run_due_jobs", ignore_result=True)
def run_due_jobs() -> int:
    """The sweep (beat, every minute): jobs whose dispatch was lost or whose worker died."""
    from kampus.extensions import db

    ids = progress.due_ids()
    for job_id in ids:
        progress.run(job_id)
        db.session.remove()
    return len(ids)


@shared_task(name="kampus.jobs.tasks.remove_old_job_files", ignore_result=True)
def remove_old_job_files() -> int:
    """Finished jobs' result files older than ``KAMPUS_JOB_RESULT_HOURS`` (beat, hourly)."""
    from kampus.extensions import db

    removed = progress.remove_old_files()
    db.session.commit()
    return removed


@shared_task(
    name="kampus.jobs.tasks.refresh_reports",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
)
def refresh_reports(organisation_id: int) -> str:
    """An organisation's overview snapshot computed again (queued after a commit moved its
    report version, at most one queued per organisation). Idempotent: a snapshot already at
    the organisation's versions is left alone, and a newer one is never replaced."""
    from kampus.extensions import db
    from kampus.reports.snapshots import refresh

    try:
        return refresh(organisation_id)
    finally:
        db.session.rollback()


@shared_task(name="kampus.jobs.tasks.refresh_stale_reports", ignore_result=True)
def refresh_stale_reports() -> int:
    """The sweep (beat, every 5 minutes): refreshes of snapshots older than their
    organisation's versions (a lost task, a new day, a catalogue change, bulk loads)."""
    from kampus.reports.snapshots import refresh_stale

    return len(refresh_stale())
