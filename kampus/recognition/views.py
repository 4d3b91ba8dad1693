"""Recognition pages: a learner asks for a module to be recognised (/modules/<slug>/recognition)
and follows their requests (/me/recognition); the organisation's managers decide
(/org/recognition…) and set whether self-assessments need approval.

Manager views start with :func:`require_manager` and load every request through
the manager's own organisation, so another organisation's request gives 404.
Mail goes out only after the decision is committed.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kampus.auth.access import require_login, require_manager
from kampus.auth.forms import show_domain_error
from kampus.catalogue.services import get_module
from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.recognition import services
from kampus.recognition.forms import DecisionForm, RequestForm, SettingsForm
from kampus.recognition.labels import provenance_label

bp = Blueprint("recognition", __name__)
bp.add_app_template_global(provenance_label)


def state_labels() -> dict[str, str]:
    return {"pending": _("Waiting for a decision"), "approved": _("Approved"), "rejected": _("Not approved")}


def source_labels() -> dict[str, str]:
    return {"learner": _("Evidence described by the learner"), "self_assessment": _("From the self-assessment")}


@bp.app_template_global()
def recognition_request_for(module):
    """The signed-in learner's latest request for ``module`` (for the module page's link), or None."""
    if not current_user.is_authenticated or current_user.organisation_id is None:
        return None
    return services.latest_request(current_user.id, module.id)


@bp.app_template_global()
def pending_recognition_count() -> int:
    """Pending requests in the signed-in manager's organisation (for the overview)."""
    if not current_user.is_authenticated or not current_user.is_manager or current_user.organisation_id is None:
        return 0
    return services.pending_count(current_user.organisation_id)


@bp.app_template_global()
def recognition_requests_of(user_id: int):
    """A learner's requests (for the member's detail page, already checked to be in the manager's organisation)."""
    return services.requests_of(user_id)


# --- learners ----------------------------------------------------------------------


@bp.route("/modules/<slug>/recognition", methods=["GET", "POST"])
def request_page(slug: str):
    user = require_login()
    module = get_module(slug)
    if module.status != "published":
        raise NotFound(f"no module {slug}")
    latest = services.latest_request(user.id, module.id)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            _row, created = services.request_recognition(user, module, form.evidence.data, form.link.data)
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc, "evidence")
        else:
            db.session.commit()
            if created:
                flash(_("Your request was sent to your organisation's managers."), "success")
            else:
                flash(_("You already have a request waiting for this module."), "info")
            return redirect(url_for("recognition.mine"))
    return render_template(
        "recognition/request.html",
        module=module,
        form=form,
        latest=latest,
        state_labels=state_labels(),
    ), (400 if form.errors else 200)


@bp.get("/me/recognition")
def mine():
    user = require_login()
    return render_template(
        "recognition/mine.html",
        requests=services.requests_of(user.id),
        state_labels=state_labels(),
        source_labels=source_labels(),
    )


# --- managers ----------------------------------------------------------------------


@bp.get("/org/recognition")
def org_list():
    organisation = require_manager()
    settings = SettingsForm(formdata=None, require_approval=organisation.require_approval_for_self_assessment)
    return render_template(
        "recognition/org_list.html",
        organisation=organisation,
        settings=settings,
        pending=services.organisation_requests(organisation.id, pending=True),
        decided=services.organisation_requests(organisation.id, pending=False),
        state_labels=state_labels(),
        source_labels=source_labels(),
    )


@bp.route("/org/recognition/<id:request_id>", methods=["GET", "POST"])
def org_request(request_id: int):
    organisation = require_manager()
    manager = current_user._get_current_object()
    found = services.get_for_manager(request_id, organisation.id)
    form = DecisionForm()
    if form.validate_on_submit():
        decision = request.form.get("decision")
        try:
            if decision == "approve":
                outcome = services.approve(manager, found, form.comment.data)
            elif decision == "reject":
                outcome = services.reject(manager, found, form.comment.data)
            else:
                raise DomainError(_("Choose to approve or reject."), field="comment")
        except NotAllowed:
            raise
        except DomainError as exc:
            db.session.rollback()
            form.comment.errors.append(exc.message)
        else:
            if outcome.changed:  # queued in the decision's transaction: it leaves after the commit
                services.mail_decision(
                    found, current_app.config["KAMPUS_BASE_URL"].rstrip("/") + url_for("recognition.mine")
                )
            db.session.commit()
            if not outcome.changed:
                flash(_("This request had already been decided."), "info")
            else:
                if found.state == "approved":
                    flash(
                        _("Approved: the module is now recognised for %(name)s.", name=found.user.display_name),
                        "success",
                    )
                else:
                    flash(_("Not approved: %(name)s will see your comment.", name=found.user.display_name), "success")
            return redirect(url_for("recognition.org_list"))
    return render_template(
        "recognition/org_request.html",
        organisation=organisation,
        item=found,
        form=form,
        state_labels=state_labels(),
        source_labels=source_labels(),
        own=found.user_id == manager.id,
    ), (400 if form.errors else 200)


@bp.post("/org/recognition/settings")
def org_settings():
    organisation = require_manager()
    form = SettingsForm()
    if form.validate_on_submit():
        services.set_self_assessment_approval(organisation, form.require_approval.data)
        db.session.commit()
        flash(_("The setting was saved."), "success")
    else:
        flash(_("The form had expired. Please try again."), "error")
    return redirect(url_for("recognition.org_list"))
