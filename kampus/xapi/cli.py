"""``kampus xapi deliver`` (drain the outbox once) and ``kampus xapi export [--since DATE] FILE``."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import Flask
from flask.cli import with_appcontext

from kampus.extensions import db


@click.group("xapi")
def xapi_group() -> None:
    """xAPI statements: delivery to the LRS and export."""


@xapi_group.command("deliver")
@click.option(
    "--limit", type=click.IntRange(min=1), default=500, show_default=True, help="Send at most this many statements."
)
@with_appcontext
def deliver_command(limit: int) -> None:
    """Fill the outbox from new learning events and send what is due to KAMPUS_XAPI_ENDPOINT, once."""
    from kampus.xapi.delivery import DeliveryNotConfigured, deliver_pending
    from kampus.xapi.services import outbox_counts

    try:
        report = deliver_pending(limit)
    except DeliveryNotConfigured as error:
        raise click.ClickException(str(error)) from None
    click.echo(str(report))
    counts = outbox_counts()
    click.echo(
        "outbox: " + ", ".join(f"{state} {counts.get(state, 0)}" for state in ("pending", "sending", "sent", "skipped"))
    )


@xapi_group.command("export")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Only statements of events on or after this day (UTC), YYYY-MM-DD.",
)
@click.argument("file", type=click.File("w", encoding="utf-8"))
@with_appcontext
def export_command(since: dt.datetime | None, file) -> None:
    """Write every statement (sent or not) as JSON lines to FILE ("-" for standard output)."""
    from kampus.xapi.services import enqueue_all, statements_since

    report = enqueue_all()
    db.session.commit()
    count = 0
    for statement in statements_since(since):
        file.write(json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    skipped = ", ".join(f"{kind} {n}" for kind, n in sorted(report.skipped_kinds.items())) or "none new"
    click.echo(f"{count} statement(s) written; events without a statement: {skipped}", err=True)


def register(app: Flask) -> None:
    app.cli.add_command(xapi_group)
