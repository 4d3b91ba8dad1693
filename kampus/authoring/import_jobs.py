"""Large catalogue imports as background jobs (:mod:`kampus.jobs.progress`), for administrators.

A confirmed file with more modules than ``KAMPUS_CATALOGUE_IMPORT_INLINE_MAX`` is checked
again and applied by a worker, all or nothing, exactly as the confirm step would: a
catalogue that moved since the dry run, or a rule met on writing, fails the job with the
message. Progress moves as the modules are written (every
:data:`kampus.catalogue.importer.PROGRESS_EVERY` modules); the import is committed at the end.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from kampus.auth.models import User
from kampus.authoring import transfer
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.i18n import format_decimal
from kampus.jobs.progress import JobFailed, JobRun, handler

KIND = "catalogue_import"


def modules_in(run: transfer.DryRun) -> int:
    return len(run.plan.data.modules) if run.plan is not None else 0


def _counted(done: int, total: int) -> str:
    return ngettext(
        "%(done)s / %(total)s module",
        "%(done)s / %(total)s modules",
        total,
        done=format_decimal(done),
        total=format_decimal(total),
    )


@handler(
    KIND,
    title=lambda: _("Catalogue import"),
    counted=_counted,
    result_template="authoring/_import_job_result.html",
)
def run_import(job: JobRun) -> dict:
    actor = db.session.get(User, job.user_id)
    if actor is None or not actor.is_admin:
        raise JobFailed(_("Only an administrator can import the catalogue."))
    text, name = job.params["text"], job.params["name"]
    run = transfer.dry_run(text, name)
    if str(run.version) != job.params["version"]:
        raise JobFailed(_("The catalogue changed after the check. Upload the file again to check it."))
    if not run.ok:
        raise JobFailed(_("The file no longer passes the check. Upload it again to see why."))
    total = modules_in(run)
    job.report(0, total)
    try:
        plan = transfer.apply(actor, run, progress=job.report)
    except DomainError as refused:
        raise JobFailed(refused.message) from refused
    job.report(total, total)
    return {"changed": bool(plan.changes)}
