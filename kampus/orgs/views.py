"""Manager pages under ``/org``: overview, staff (invite, CSV import,
deactivate), teams.

Every view starts with :func:`require_manager`, which returns the manager's
own organisation; every team and person is then loaded through it, so ids of
another organisation, in the URL or in a form field, give 404.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from kampus import cache
from kampus.auth.access import require_manager
from kampus.auth.forms import show_domain_error
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.db import utcnow
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.i18n import current_language
from kampus.jobs import progress
from kampus.jobs.models import Job
from kampus.orgs import import_jobs, services
from kampus.orgs.forms import (
    AddMemberForm,
    ImportConfirmForm,
    ImportUploadForm,
    InviteForm,
    SettingsForm,
    TeamNameForm,
)
from kampus.orgs.models import Organisation
from kampus.orgs.staff_import import (
    INVITATION_LIST_LIFETIME,
    MAX_BYTES,
    apply_staff_import,
    invite_imported,
    keep_invitation_list,
    read_staff_csv,
    take_invitation_list,
    take_job_invitation_list,
    waiting_invitation_list,
    waiting_job_invitation_list,
)
from kampus.routing import large_upload
from kampus.view_helpers import flash_link

bp = Blueprint("orgs", __name__, url_prefix="/org")


@bp.get("")
def overview():
    organisation = require_manager()
    from kampus.reports.services import charts_for, overview_figures, snapshot_of

    def context() -> dict:
        snapshot = snapshot_of(organisation)  # big organisations: the figures the refresh task stored
        figures = overview_figures(organisation, snapshot)
        radar, trend_line = charts_for(figures.overview)
        return dict(
            organisation=organisation,
            summary=services.organisation_summary(organisation),
            overview=figures.overview,
            figures_as_of=figures.as_of,
            radar=radar,
            trend_line=trend_line,
        )

    # Cached per manager and page version, and the organisation's report and snapshot versions.
    return cache.personal_page("orgs/overview.html", context, depends=("report_version", "snapshot"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """The organisation's settings: the default language of the material for its people."""
    organisation = require_manager()
    from kampus.i18n import LANGUAGE_NAMES, LANGUAGES

    form = (
        SettingsForm()
        if request.method == "POST"
        else SettingsForm(formdata=None, content_language=organisation.content_language)
    )
    form.content_language.choices = [(lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES]
    if form.validate_on_submit():
        try:
            changed = services.set_content_language(organisation, form.content_language.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The settings were saved.") if changed else _("Nothing had changed."), "success")
            return redirect(url_for("orgs.settings"))
    return render_template("orgs/settings.html", organisation=organisation, form=form)


# --- staff ------------------------------------------------------------------------------


@bp.get("/staff")
def staff():
    organisation = require_manager()
    search = request.args.get("q", "").strip()[:200]
    status = request.args.get("status", "active")
    if status not in services.STATUS_FILTERS:
        status = "active"
    page = page_arg()
    people, total = services.staff_page(organisation, search=search, status=status, page=page)
    pages = max(1, -(-total // services.STAFF_PER_PAGE))
    return render_template(
        "orgs/staff.html",
        organisation=organisation,
        people=people,
        search=search,
        status=status,
        total=total,
        page=min(page, pages),
        pages=pages,
    )


def page_arg(name: str = "page") -> int:
    """A page number from the query string: 1 for anything that is not a sensible positive number."""
    from kampus.routing import int_arg

    return int_arg(name, 1, minimum=1, maximum=100_000)


def _team_choices(organisation) -> list[tuple[str, str]]:
    return [("", _("No team"))] + [(str(t.id), t.name) for t, _n in services.teams_with_counts(organisation)]


@bp.route("/staff/invite", methods=["GET", "POST"])
def invite():
    organisation = require_manager()
    form = InviteForm()
    form.team.choices = _team_choices(organisation)
    if form.validate_on_submit():
        team = services.get_team(organisation, form.team.data) if form.team.data else None
        try:
            sent = services.invite_staff(
                organisation, email=form.email.data, name=form.name.data or "", team=team, inviter=_me()
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("%(email)s was invited.", email=sent.user.email), "success")
            flash_link(sent, what=_("The invitation"))
            return redirect(url_for("orgs.staff"))
    return render_template("orgs/invite.html", organisation=organisation, form=form)


@bp.route("/staff/<id:user_id>/deactivate", methods=["GET", "POST"])
def deactivate(user_id: int):
    organisation = require_manager()
    person = services.get_staff_member(organisation, user_id)
    if request.method == "GET":
        return confirm_page(
            title=_("Deactivate %(name)s?", name=person.display_name),
            question=_(
                "%(name)s (%(email)s) will no longer be able to sign in.", name=person.display_name, email=person.email
            ),
            details=[
                _("Their sessions end at once, on every device."),
                _("Their progress and records are kept, and you can reactivate the account later."),
            ],
            button=_("Deactivate"),
            cancel_url=url_for("orgs.staff"),
        )
    if not confirmed():
        return back_to_confirm_page()
    try:
        services.set_active(organisation, person, False, acting=_me())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("orgs.staff"))
    db.session.commit()
    flash(_("%(name)s can no longer sign in.", name=person.display_name), "success")
    return redirect(url_for("orgs.staff"))


@bp.post("/staff/<id:user_id>/reactivate")
def reactivate(user_id: int):
    organisation = require_manager()
    person = services.get_staff_member(organisation, user_id)
    services.set_active(organisation, person, True, acting=_me())
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=person.display_name), "success")
    return redirect(url_for("orgs.staff", status="all"))


@bp.post("/staff/<id:user_id>/link")
def send_link(user_id: int):
    """A fresh invitation for someone who has never signed up; refused for anyone who has."""
    organisation = require_manager()
    person = services.get_staff_member(organisation, user_id)
    try:
        sent = services.resend_invitation(organisation, person, inviter=_me())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("orgs.staff"))
    db.session.commit()  # the mail leaves after the commit (the outbox)
    flash_link(sent, what=_("The invitation"))
    return redirect(url_for("orgs.staff"))


# --- CSV import ---------------------------------------------------------------------------


@bp.route("/staff/import", methods=["GET", "POST"])
@large_upload
def import_staff():
    """Upload a file and see the preview; nothing is written here."""
    organisation = require_manager()
    form = ImportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_BYTES + 1)
        preview = read_staff_csv(data, organisation)
        confirm = ImportConfirmForm(formdata=None, data={"payload": base64.b64encode(data).decode("ascii")})
        return render_template("orgs/import_preview.html", organisation=organisation, preview=preview, confirm=confirm)
    return render_template("orgs/import.html", organisation=organisation, form=form)


@bp.post("/staff/import/confirm")
@large_upload
def import_staff_confirm():
    """Check the same file again (the database may have moved) and write all valid rows at once."""
    organisation = require_manager()
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        data = base64.b64decode(form.payload.data.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        abort(400)
    preview = read_staff_csv(data, organisation)
    if not preview.can_import:
        return render_template("orgs/import_preview.html", organisation=organisation, preview=preview, confirm=None)
    if len(preview.valid_rows) > current_app.config.get("KAMPUS_IMPORT_INLINE_MAX", 200):
        # A large file is imported in the background; the same file confirmed twice (today) is one job.
        job = progress.start(
            import_jobs.KIND,
            key=f"{_me().id}:{hashlib.sha256(data).hexdigest()}:{utcnow().date().isoformat()}",
            user_id=_me().id,
            organisation_id=organisation.id,
            params={"data": import_jobs.encode(data), "locale": current_language(), "back_url": url_for("orgs.staff")},
        )
        db.session.commit()
        return redirect(url_for("jobs.page", job_id=job.id))
    result = apply_staff_import(organisation, preview)
    mailed = invite_imported(result.created, inviter=_me())  # queued: they leave after the commit
    secret = keep_invitation_list(organisation, _me(), result.created) if len(result.created) > mailed else None
    db.session.commit()
    flash(
        ngettext("%(num)d new person was added.", "%(num)d new people were added.", len(result.created))
        + " "
        + ngettext(
            "%(num)d team membership was added.", "%(num)d team memberships were added.", result.memberships_added
        ),
        "success",
    )
    if mailed:
        flash(
            ngettext(
                "The invitation is on its way by e-mail.", "%(num)d invitations are on their way by e-mail.", mailed
            ),
            "success",
        )
    if secret:
        session[INVITATION_LIST_KEY] = secret
        return redirect(url_for("orgs.invitation_list"))
    return redirect(url_for("orgs.staff"))


INVITATION_LIST_KEY = "invitation_list"


@bp.get("/staff/import/invitations")
def invitation_list():
    """Without a mail server: the import's invitation links, to download once (the importing manager only)."""
    organisation = require_manager()
    waiting = waiting_invitation_list(organisation, _me(), session.get(INVITATION_LIST_KEY))
    return render_template(
        "orgs/invitation_list.html",
        organisation=organisation,
        waiting=waiting,
        minutes=int(INVITATION_LIST_LIFETIME.total_seconds() // 60),
    )


@bp.post("/staff/import/invitations")
def download_invitation_list():
    """The one download: claimed (and committed) before the file is sent; the secret leaves the session."""
    organisation = require_manager()
    text = take_invitation_list(organisation, _me(), session.pop(INVITATION_LIST_KEY, None))
    if text is None:
        flash(_("The list of links is no longer available."), "error")
        return redirect(url_for("orgs.invitation_list"))
    db.session.commit()
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="invitations.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/staff/import/jobs/<id:job_id>/invitations")
def download_job_invitation_list(job_id: int):
    """The one download of the links of an import that ran as a job: only the manager who started it."""
    organisation = require_manager()
    job = db.session.get(Job, job_id)
    if job is None or job.kind != import_jobs.KIND or job.user_id != _me().id or job.organisation_id != organisation.id:
        abort(404)
    text = take_job_invitation_list(organisation, _me(), (job.result or {}).get("invitation_list"))
    if text is None:
        flash(_("The list of links is no longer available."), "error")
        return redirect(url_for("jobs.page", job_id=job.id))
    db.session.commit()
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="invitations.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.app_context_processor
def _import_job_helpers() -> dict:
    def invitation_list_waiting(job) -> bool:
        from flask_login import current_user

        organisation = db.session.get(Organisation, job.organisation_id)
        return organisation is not None and (
            waiting_job_invitation_list(organisation, current_user, (job.result or {}).get("invitation_list"))
            is not None
        )

    return {"invitation_list_waiting": invitation_list_waiting}


# --- teams ------------------------------------------------------------------------------


@bp.route("/teams", methods=["GET", "POST"])
def teams():
    organisation = require_manager()
    form = TeamNameForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(organisation, form.name.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The team %(name)s was created.", name=team.name), "success")
            return redirect(url_for("orgs.team", team_id=team.id))
    return render_template(
        "orgs/teams.html", organisation=organisation, teams=services.teams_with_counts(organisation), form=form
    )


def _team_page(organisation, team, rename_form=None, add_form=None):
    return render_template("orgs/team.html", **_team_context(organisation, team, rename_form, add_form))


def _team_context(organisation, team, rename_form=None, add_form=None) -> dict:
    """The team page: one page of the matrix and of the members, and a member picker
    that searches (``?find=``) rather than lists the whole staff."""
    rename_form = rename_form or TeamNameForm(formdata=None, obj=team)
    add_form = add_form or AddMemberForm(formdata=None)
    from kampus.catalogue.views import status_labels
    from kampus.progress.labels import deadline_labels
    from kampus.reports.team import team_report

    sort = request.args.get("sort", "name")
    sort = sort if sort in ("name", "progress", "state") else "name"
    find = request.args.get("find", "").strip()[:200]
    candidates = services.member_candidates(organisation, team, find) if find else []
    report = team_report(team, sort=sort, page=page_arg())
    return dict(
        organisation=organisation,
        team=team,
        members=[row.user for row in report.rows],
        rename_form=rename_form,
        add_form=add_form,
        candidates=candidates,
        find=find,
        picker_limit=services.PICKER_LIMIT,
        report=report,
        sort=sort,
        status_labels=status_labels(),
        deadline_labels=deadline_labels(),
    )


@bp.get("/teams/<id:team_id>")
def team(team_id: int):
    organisation = require_manager()
    # The page's own blocks, cached per manager, page version and the organisation's report version (kampus.cache).
    return cache.personal_page(
        "orgs/team.html",
        lambda: _team_context(organisation, services.get_team(organisation, team_id)),
        depends=("report_version",),
    )


@bp.post("/teams/<id:team_id>/rename")
def rename_team(team_id: int):
    organisation = require_manager()
    team = services.get_team(organisation, team_id)
    form = TeamNameForm()
    if form.validate_on_submit():
        try:
            services.rename_team(organisation, team, form.name.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The team was renamed %(name)s.", name=team.name), "success")
            return redirect(url_for("orgs.team", team_id=team.id))
    return _team_page(organisation, team, rename_form=form)


@bp.post("/teams/<id:team_id>/members")
def add_member(team_id: int):
    organisation = require_manager()
    team = services.get_team(organisation, team_id)
    form = AddMemberForm()
    if form.validate_on_submit():
        person = services.get_staff_member(organisation, form.user_id.data)
        added = services.add_member(organisation, team, person)
        db.session.commit()
        if added:
            flash(_("%(name)s joined the team.", name=person.display_name), "success")
        else:
            flash(_("%(name)s was already in the team.", name=person.display_name), "info")
        return redirect(url_for("orgs.team", team_id=team.id))
    return _team_page(organisation, team, add_form=form)


@bp.route("/teams/<id:team_id>/members/<id:user_id>/remove", methods=["GET", "POST"])
def remove_member(team_id: int, user_id: int):
    organisation = require_manager()
    team = services.get_team(organisation, team_id)
    person = services.get_staff_member(organisation, user_id)
    if request.method == "GET":
        return confirm_page(
            title=_("Remove %(name)s from %(team)s?", name=person.display_name, team=team.name),
            question=_(
                "%(name)s will no longer be a member of the team %(team)s.", name=person.display_name, team=team.name
            ),
            details=[_("Their progress is kept. Assignments given to the team no longer cover them.")],
            button=_("Remove from the team"),
            cancel_url=url_for("orgs.team", team_id=team.id),
        )
    if not confirmed():
        return back_to_confirm_page()
    if services.remove_member(organisation, team, person):
        db.session.commit()
        flash(_("%(name)s left the team.", name=person.display_name), "success")
    return redirect(url_for("orgs.team", team_id=team.id))


def _me():
    from flask_login import current_user

    return current_user._get_current_object()
