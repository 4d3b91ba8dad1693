"""The page of a background job: what is being done, a progress bar that a small script
keeps up to date from ``/jobs/<id>.json`` (without JavaScript the page reloads itself),
and, when it is done, the download or the summary; a failure shows its message.

Who may see a job: the person who started it, and for an organisation's job the other
managers of that organisation (an export is the organisation's data, which they may
export themselves). Everyone else gets 404, whatever the job.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kampus.auth.access import require_login
from kampus.errors import NotFound
from kampus.extensions import db
from kampus.i18n import format_decimal
from kampus.jobs.models import DONE, FAILED, QUEUED, Job
from kampus.jobs.progress import KINDS, file_of

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def load_job(job_id: int) -> Job:
    """The job, when the signed-in person may see it; 404 otherwise."""
    user = require_login()
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    same_org_manager = (
        job.organisation_id is not None and user.is_manager and user.organisation_id == job.organisation_id
    )
    if job.user_id != user.id and not same_org_manager:
        raise NotFound(f"no job {job_id}")
    return job


def counted(job: Job) -> str:
    """``1 234 / 10 010 people``, numbers in the reader's language."""
    kind = KINDS.get(job.kind)
    done, total = (job.total, job.total) if job.state == DONE and job.total else (job.done, job.total)
    if kind is None:
        return f"{format_decimal(done)} / {format_decimal(total)}"
    return kind.counted(done, total)


def state_text(job: Job) -> str:
    if job.state == QUEUED:
        return _("Waiting to start…")
    if job.state == DONE:
        return _("Done.")
    if job.state == FAILED:
        return _("Stopped with an error.")
    return _("In progress…")


def _download_url(job: Job) -> str | None:
    if job.state == DONE and file_of(job) is not None:
        return url_for("jobs.download", job_id=job.id)
    return None


@bp.get("/<id:job_id>")
def page(job_id: int):
    job = load_job(job_id)
    kind = KINDS.get(job.kind)
    return render_template(
        "jobs/job.html",
        job=job,
        title=kind.title() if kind else job.kind,
        counted=counted(job),
        state_text=state_text(job),
        result_template=kind.result_template if kind else None,
        download_url=_download_url(job),
        owner=job.user_id == current_user.id,
        finished=job.state in (DONE, FAILED),
    )


@bp.get("/<id:job_id>.json")
def status(job_id: int):
    job = load_job(job_id)
    body: dict = {"state": job.state, "done": job.done, "total": job.total, "percent": job.percent}
    body["text"], body["state_text"] = counted(job), state_text(job)
    if (url := _download_url(job)) is not None:
        body["download_url"] = url
        body["download_text"] = _("Download %(name)s", name=job.file_name)
    if job.state == FAILED:
        body["message"] = job.error
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<id:job_id>/download")
def download(job_id: int):
    job = load_job(job_id)
    path = file_of(job) if job.state == DONE else None
    if path is None:
        raise NotFound(f"job {job_id} has no file")

    def chunks():
        with open(path, "rb") as handle:
            while block := handle.read(64 * 1024):
                yield block

    return Response(
        chunks(),
        mimetype=job.file_mimetype or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{job.file_name}"',
            "Cache-Control": "no-store",
            "Content-Length": str(path.stat().st_size),
        },
    )
