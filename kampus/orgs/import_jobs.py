"""Large staff CSV imports as background jobs (:mod:`kampus.jobs.progress`).

A confirmed file with more valid rows than ``KAMPUS_IMPORT_INLINE_MAX`` is imported
by a worker: the file's bytes (at most :data:`~kampus.orgs.staff_import.MAX_BYTES`)
travel in the job's parameters, the file is checked again, its rows are written in
batches of :data:`BATCH` (progress after each) and all of it, with the invitations,
is committed at once with the job's end. The job's page shows the counts; without
a mail server the manager who started it downloads the links there, once
(:func:`~kampus.orgs.staff_import.take_job_invitation_list`).
"""

from __future__ import annotations

import base64

from flask_babel import gettext as _
from flask_babel import ngettext

from kampus.auth.models import User
from kampus.extensions import db
from kampus.i18n import format_decimal
from kampus.jobs.progress import JobFailed, JobRun, handler
from kampus.orgs.models import Organisation
from kampus.orgs.staff_import import (
    ImportPreview,
    apply_staff_import,
    invite_imported,
    keep_invitation_list,
    read_staff_csv,
    waiting_invitation_list,
)

KIND = "staff_import"
BATCH = 100


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _counted(done: int, total: int) -> str:
    return ngettext(
        "%(done)s / %(total)s row",
        "%(done)s / %(total)s rows",
        total,
        done=format_decimal(done),
        total=format_decimal(total),
    )


@handler(
    KIND,
    title=lambda: _("Staff import"),
    counted=_counted,
    result_template="orgs/_import_job_result.html",
)
def run_import(job: JobRun) -> dict:
    organisation = db.session.get(Organisation, job.organisation_id)
    manager = db.session.get(User, job.user_id)
    if organisation is None or manager is None:
        raise JobFailed(_("The organisation or the person who started the import no longer exists."))
    preview = read_staff_csv(base64.b64decode(job.params["data"]), organisation)
    rows = preview.valid_rows
    if not rows:
        raise JobFailed(_("No row of the file can be imported any more. Check the file and upload it again."))
    created, memberships, present = [], 0, 0
    job.report(0, len(rows))
    for start in range(0, len(rows), BATCH):
        result = apply_staff_import(organisation, ImportPreview(rows=rows[start : start + BATCH]))
        created += result.created
        memberships += result.memberships_added
        present += result.already_present
        job.report(min(start + BATCH, len(rows)), len(rows))
    mailed = invite_imported(created, inviter=manager)  # queued: they leave after the job commits
    kept = None
    if len(created) > mailed:
        kept_list = waiting_invitation_list(organisation, manager, keep_invitation_list(organisation, manager, created))
        assert kept_list is not None  # just kept
        kept = kept_list.id
    return {
        "created": len(created),
        "memberships": memberships,
        "present": present,
        "mailed": mailed,
        "invitation_list": kept,
    }
