"""Celery tasks. Each is idempotent: delivery claims its outbox row, the
reminders claim a (person, kind, key, day) row before queueing a mail."""

from __future__ import annotations

from celery import shared_task

from kampus.jobs import outbox


@shared_task(name="kampus.jobs.tasks.deliver_outbox", ignore_result=True)
def deliver_outbox(message_id: int) -> str:
    return outbox.deliver(message_id)


@shared_task(name="kampus.jobs.tasks.deliver_due_outbox", ignore_result=True)
def deliver_due_outbox() -> dict[str, int]:
    """The sweep (beat, every minute): retries and messages whose dispatch was lost."""
    return outbox.deliver_due()


@shared_task(name="kampus.jobs.tasks.send_daily_reminders", ignore_result=True)
def send_daily_reminders() -> int:
    """What ``kampus remind`` does, once a day from beat; the mails go through the outbox."""
    from kampus.assignments.reminders import send_reminders
    from kampus.assignments.services import today
    from kampus.extensions import db

    reminders = send_reminders(today(), dry_run=False)
    db.session.commit()
    return sum(r.sent for r in reminders)


@shared_task(name="kampus.jobs.tasks.deliver_xapi", ignore_result=True)
def deliver_xapi() -> int:
    """xAPI statements to the LRS (beat, every minute); nothing to do without an endpoint."""
    from flask import current_app

    from kampus.xapi.delivery import deliver_pending

    if not current_app.config.get("KAMPUS_XAPI_ENDPOINT"):
        return 0
    return deliver_pending().sent
