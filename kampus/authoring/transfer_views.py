"""Catalogue import (upload → dry run → confirm, all or nothing) and export in the browser."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from kampus.auth.access import require_admin
from kampus.authoring import import_jobs, transfer
from kampus.authoring.forms import ImportConfirmForm, ImportUploadForm
from kampus.authoring.views import bp
from kampus.catalogue.loader import LoadError
from kampus.catalogue.services import current_version
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.i18n import current_language
from kampus.jobs import progress
from kampus.routing import large_upload


def _preview(run: transfer.DryRun, text: str, name: str, *, notice: str | None = None, code: int = 200):
    confirm = ImportConfirmForm(formdata=None, data={"text": text, "name": name, "version": str(run.version)})
    return render_template("authoring/import_preview.html", run=run, name=name, confirm=confirm, notice=notice), code


@bp.route("/import", methods=["GET", "POST"])
@large_upload
def import_catalogue():
    """Upload a file and see the dry run; nothing is written here."""
    require_admin()
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        name = (upload.filename or "catalogue.yaml").rsplit("/", 1)[-1][:200] or "catalogue.yaml"
        text, errors = transfer.decode(upload.read(transfer.MAX_BYTES + 1), name)
        if text is None:
            return _preview(transfer.DryRun(None, errors, current_version()), "", name)
        return _preview(transfer.dry_run(text, name), text, name)
    return render_template("authoring/import.html", form=form)


@bp.post("/import/confirm")
@large_upload
def confirm_import():
    """Check the same text again and apply it if the catalogue has not moved since the dry run."""
    actor = require_admin()
    form = ImportConfirmForm()
    if not form.validate():
        abort(400)
    text, name = form.text.data.replace("\r\n", "\n"), form.name.data
    run = transfer.dry_run(text, name)
    if str(run.version) != form.version.data:
        return _preview(run, text, name, notice=_("The catalogue changed after the check. Here is the check again."))
    if not run.ok:
        return _preview(run, text, name)
    if import_jobs.modules_in(run) > current_app.config.get("KAMPUS_CATALOGUE_IMPORT_INLINE_MAX", 500):
        # A large catalogue is applied in the background; the same confirmation twice is one job.
        job = progress.start(
            import_jobs.KIND,
            key=f"{actor.id}:{hashlib.sha256(text.encode()).hexdigest()}:{run.version}",
            user_id=actor.id,
            organisation_id=None,
            params={
                "text": text,
                "name": name,
                "version": str(run.version),
                "locale": current_language(),
                "back_url": url_for("authoring.overview"),
            },
        )
        db.session.commit()
        return redirect(url_for("jobs.page", job_id=job.id))
    try:
        plan = transfer.apply(actor, run)
    except DomainError as refused:  # the checked plan met a rule on writing: nothing stays written
        db.session.rollback()
        run.errors.append(LoadError(name, "-", refused.field or "-", refused.message))
        return _preview(run, text, name)
    db.session.commit()
    flash(_("The catalogue was imported.") if plan.changes else _("Nothing had changed."), "success")
    return redirect(url_for("authoring.overview"))


@bp.get("/export")
def export_catalogue():
    require_admin()
    filename = f"kampus-catalogue-{dt.date.today().isoformat()}.yaml"
    return Response(
        transfer.export_text(),
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
