"""Report snapshots: an organisation's overview figures as last computed by the
``refresh_reports`` task, so the overview pages read one small row instead of
aggregating the progress and event logs (kampus.reports.snapshots)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from kampus.db import utcnow
from kampus.extensions import Model


class ReportSnapshot(Model):
    """The figures of one organisation's overview for (report version, catalogue version, day).

    ``refresh_queued_at`` is set when a refresh is queued and cleared when a worker
    starts it: while it is set (and younger than the lease) no second refresh is
    queued, so a burst of writes to one organisation queues one refresh, not one each.
    """

    __tablename__ = "report_snapshots"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    report_version: Mapped[int] = mapped_column(Integer)
    catalogue_version: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column(Date)
    figures: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    refresh_queued_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
