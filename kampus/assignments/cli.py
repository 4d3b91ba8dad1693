"""``kampus remind``: due-date reminders to learners and weekly summaries to managers.

Run it once a day (cron, a systemd timer; with Celery, beat runs it); running it
again the same day sends nothing new. Each mail is recorded and queued in the
outbox, and goes after the commit. One line per mail: recipient, kind, subject.
"""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask
from flask.cli import with_appcontext

from kampus.extensions import db


@click.command("remind")
@click.option("--dry-run", is_flag=True, help="List what would be sent; send and record nothing.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this day (YYYY-MM-DD).",
)
@with_appcontext
def remind_command(dry_run: bool, on: dt.datetime | None) -> None:
    """E-mail learners whose assigned path is due within 7 days or overdue, and managers a weekly summary."""
    from kampus.assignments.reminders import send_reminders
    from kampus.assignments.services import today
    from kampus.auth.mail import mail_configured

    day = on.date() if on is not None else today()
    reminders = send_reminders(day, dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    for reminder in reminders:
        status = "would send" if dry_run else ("queued" if reminder.sent else "NOT queued")
        click.echo(f"{status}\t{reminder.email}\t{reminder.kind}\t{reminder.subject}")
    queued = sum(r.sent for r in reminders)
    if dry_run:
        click.echo(f"{day.isoformat()}: {len(reminders)} mail(s) would be sent (dry run: nothing sent or recorded)")
    else:
        click.echo(f"{day.isoformat()}: {queued} of {len(reminders)} mail(s) queued in the outbox")
        if not mail_configured() and queued:
            click.echo("MAIL_SERVER is not configured: the mails wait in the outbox until it is", err=True)


def register(app: Flask) -> None:
    app.cli.add_command(remind_command)
