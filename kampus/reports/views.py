"""Report pages beside the manager's overview and team pages: a member's detail
page, progress exports (CSV and .xlsx), and the admins' network overview."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kampus.auth.access import require_admin, require_manager
from kampus.auth.models import User
from kampus.errors import NotFound
from kampus.exports import XLSX_MIMETYPE
from kampus.extensions import db
from kampus.i18n import current_language, format_percent
from kampus.jobs import progress
from kampus.jobs.forms import StartJobForm
from kampus.orgs.models import Organisation, OrganisationThemeRole, Team
from kampus.reports import (
    aggregates,  # noqa: F401  (moves the report versions on writes)
    progress_export,
    services,
)
from kampus.reports import jobs as report_jobs

bp = Blueprint("reports", __name__)


@bp.get("/org/people/<id:user_id>")
def member(user_id: int):
    """A member's paths and recent activity, for the managers of their organisation only."""
    organisation = require_manager()
    person = db.session.scalar(select(User).where(User.id == user_id, User.organisation_id == organisation.id))
    if person is None:
        raise NotFound(f"no person {user_id}")
    from kampus.paths.services import dashboard
    from kampus.progress.labels import deadline_labels, event_labels
    from kampus.progress.services import recent_events

    return render_template(
        "reports/member.html",
        person=person,
        planned=dashboard(person.id),
        events=recent_events(person.id, 15),
        event_labels=event_labels(),
        deadline_labels=deadline_labels(),
        recognitions=services.recognitions_of(person.id),
    )


def _download(chunks, filename: str, mimetype: str) -> Response:
    """A streamed download: rows are fetched in batches as the client reads (constant memory)."""
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


FORMATS = {
    "csv": (progress_export.export_csv_chunks, "text/csv"),
    "xlsx": (progress_export.export_xlsx_chunks, XLSX_MIMETYPE),
}


def _export(organisation, team, fmt: str, filename: str):
    """Stream a small export; a large one (GET) gets a page with a button that starts it as a
    background job, and that button (POST) starts the job and goes to its page."""
    people = report_jobs.people_covered(organisation.id, team.id if team else None)
    if request.method == "GET" and not report_jobs.runs_as_job(fmt, people):
        chunks, mimetype = FORMATS[fmt]
        args = (organisation.id, team.id) if team else (organisation.id,)
        return _download(chunks(*args), filename, mimetype)
    form = StartJobForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        back = url_for("orgs.team", team_id=team.id) if team else url_for("orgs.overview")
        job = progress.start(
            report_jobs.KIND,
            key=f"{current_user.id}:{form.submit_key.data}",
            user_id=current_user.id,
            organisation_id=organisation.id,
            params={
                "format": fmt,
                "team_id": team.id if team else None,
                "file_name": filename,
                "locale": current_language(),
                "back_url": back,
            },
        )
        db.session.commit()
        return redirect(url_for("jobs.page", job_id=job.id))
    form.submit_key.data = progress.submit_key()
    return render_template(
        "reports/export_job.html", organisation=organisation, team=team, people=people, fmt=fmt, form=form
    )


@bp.route("/org/export.csv", defaults={"fmt": "csv"}, methods=["GET", "POST"])
@bp.route("/org/export.xlsx", defaults={"fmt": "xlsx"}, methods=["GET", "POST"])
def export_organisation(fmt: str):
    """Everyone's progress in the manager's organisation, as CSV or .xlsx."""
    organisation = require_manager()
    return _export(organisation, None, fmt, f"kampus-{organisation.slug}-progress.{fmt}")


@bp.route("/org/teams/<id:team_id>/export.csv", defaults={"fmt": "csv"}, methods=["GET", "POST"])
@bp.route("/org/teams/<id:team_id>/export.xlsx", defaults={"fmt": "xlsx"}, methods=["GET", "POST"])
def export_team(team_id: int, fmt: str):
    """A team's members' progress, as CSV or .xlsx."""
    organisation = require_manager()
    team = db.session.scalar(select(Team).where(Team.id == team_id, Team.organisation_id == organisation.id))
    if team is None:
        raise NotFound(f"no team {team_id}")
    return _export(organisation, team, fmt, f"kampus-{organisation.slug}-team-{team.id}.{fmt}")


@bp.get("/admin/network")
def network():
    """Every organisation side by side by theme, and their theme roles in the network."""
    require_admin()
    organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    figures, as_of = services.network_figures(organisations)
    # 78 organisations × 8 themes share a few dozen values: each formatted once (Babel is ~0.5 ms a call)
    percent = {share: format_percent(share / 100) for share in {t.share for f in figures.values() for t in f.themes}}
    roles = {
        (org_id, theme_id): role
        for org_id, theme_id, role in db.session.execute(
            select(OrganisationThemeRole.organisation_id, OrganisationThemeRole.theme_id, OrganisationThemeRole.role)
        )
    }
    role_names = {"lead": _("lead"), "developer": _("developer"), "participant": _("participant")}
    themes = figures[organisations[0].id].themes if organisations else []
    return render_template(
        "reports/network.html",
        organisations=organisations,
        figures=figures,
        figures_as_of=as_of,
        percent=percent,
        roles=roles,
        role_names=role_names,
        themes=[t.theme for t in themes],
    )
