"""Large progress exports as background jobs (:mod:`kampus.jobs.progress`).

An export covering more people than ``KAMPUS_EXPORT_INLINE_MAX`` (CSV) or
``KAMPUS_EXPORT_XLSX_INLINE_MAX`` (.xlsx) is written to a result file by a
worker instead of streamed in the request; the page shows its progress in
people. The file is the same as the streamed export's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.exports import XLSX_MIMETYPE
from kampus.extensions import db
from kampus.i18n import format_decimal
from kampus.jobs.progress import JobRun, handler
from kampus.orgs.models import TeamMembership
from kampus.reports import progress_export

KIND = "progress_export"

FORMATS: dict[str, tuple[Callable[..., Iterable], str]] = {
    "csv": (progress_export.export_csv_chunks, "text/csv"),
    "xlsx": (progress_export.export_xlsx_chunks, XLSX_MIMETYPE),
}


def people_covered(organisation_id: int, team_id: int | None = None) -> int:
    """How many people an export lists (one query)."""
    query = select(func.count(User.id)).where(User.organisation_id == organisation_id)
    if team_id is not None:
        query = query.join(TeamMembership, TeamMembership.user_id == User.id).where(TeamMembership.team_id == team_id)
    return db.session.scalar(query) or 0


def runs_as_job(fmt: str, people: int) -> bool:
    """Whether an export of ``people`` in format ``fmt`` is too large to stream in a request."""
    name = "KAMPUS_EXPORT_XLSX_INLINE_MAX" if fmt == "xlsx" else "KAMPUS_EXPORT_INLINE_MAX"
    return people > int(current_app.config.get(name, 2000 if fmt == "csv" else 500))


def chunks_with_progress(function: Callable[..., Iterable], organisation_id: int, team_id: int | None, progress):
    """``function(organisation_id, team_id)``, passing ``progress=`` only when it takes it
    (the exports gain that argument separately; this works before and after)."""
    if "progress" in inspect.signature(function).parameters:
        return function(organisation_id, team_id, progress=progress)
    return function(organisation_id, team_id)


def _counted(done: int, total: int) -> str:
    return ngettext(
        "%(done)s / %(total)s person",
        "%(done)s / %(total)s people",
        total,
        done=format_decimal(done),
        total=format_decimal(total),
    )


@handler(KIND, title=lambda: _("Progress export"), counted=_counted)
def run_export(job: JobRun) -> dict:
    """Write the export to the job's result file, reporting people done after each batch."""
    organisation_id = job.organisation_id
    assert organisation_id is not None  # exports are always an organisation's
    fmt, team_id = job.params["format"], job.params.get("team_id")
    function, mimetype = FORMATS[fmt]
    total = people_covered(organisation_id, team_id)
    job.report(0, total)
    with job.open_result(job.params["file_name"], mimetype) as out:
        for chunk in chunks_with_progress(function, organisation_id, team_id, job.report):
            out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    return {"people": total}
