"""Administrator pages under ``/admin``: organisations (create, rename, theme
roles), their managers, and people across organisations.

Every view starts with :func:`require_admin`. Later features add authoring
pages and link them from the index.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kampus.admin import services
from kampus.admin.forms import AppointManagerForm, OrganisationForm, OrganisationNameForm
from kampus.auth.access import require_admin
from kampus.auth.forms import show_domain_error
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.orgs import services as orgs
from kampus.orgs.models import THEME_ROLES
from kampus.routing import int_arg
from kampus.sso.services import providers_of
from kampus.view_helpers import flash_link

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
def index():
    require_admin()
    return render_template("admin/index.html")


@bp.route("/organisations", methods=["GET", "POST"])
def organisations():
    require_admin()
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = orgs.create_organisation(form.slug.data, form.name.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation %(name)s was created.", name=organisation.name), "success")
            return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    return render_template("admin/organisations.html", summaries=orgs.organisation_summaries(), form=form)


def theme_role_names() -> dict[str, str]:
    return {"lead": _("Lead"), "developer": _("Developer"), "participant": _("Participant")}


def _organisation_page(organisation, name_form=None, manager_form=None, roles_error=None):
    from kampus.catalogue.models import Theme

    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    roles = {r.theme_id: r.role for r in organisation.theme_roles}
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        name_form=name_form or OrganisationNameForm(formdata=None, obj=organisation),
        manager_form=manager_form or AppointManagerForm(formdata=None),
        managers=services.managers_of(organisation),
        themes=themes,
        roles=roles,
        role_names=theme_role_names(),
        theme_roles=THEME_ROLES,
        roles_error=roles_error,
        sso_providers=providers_of(organisation),
        edit_endpoints=set(current_app.view_functions),
    )


@bp.get("/organisations/<id:organisation_id>")
def organisation(organisation_id: int):
    require_admin()
    return _organisation_page(orgs.get_organisation(organisation_id))


@bp.post("/organisations/<id:organisation_id>")
def rename_organisation(organisation_id: int):
    require_admin()
    organisation = orgs.get_organisation(organisation_id)
    form = OrganisationNameForm()
    if form.validate_on_submit():
        try:
            orgs.rename_organisation(organisation, form.name.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The organisation was renamed %(name)s.", name=organisation.name), "success")
            return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    return _organisation_page(organisation, name_form=form)


@bp.post("/organisations/<id:organisation_id>/roles")
def theme_roles(organisation_id: int):
    require_admin()
    organisation = orgs.get_organisation(organisation_id)
    roles = {}
    for key, value in request.form.items():
        if key.startswith("theme_"):
            try:
                roles[int(key.removeprefix("theme_"))] = value or None
            except ValueError:
                raise NotFound("no such theme") from None
    try:
        orgs.set_theme_roles(organisation, roles)
    except DomainError as error:
        db.session.rollback()
        return _organisation_page(organisation, roles_error=error.message)
    db.session.commit()
    flash(_("The theme roles were saved."), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


@bp.post("/organisations/<id:organisation_id>/managers")
def appoint_manager(organisation_id: int):
    require_admin()
    organisation = orgs.get_organisation(organisation_id)
    form = AppointManagerForm()
    if form.validate_on_submit():
        try:
            sent = services.appoint_manager(
                organisation,
                email=form.email.data,
                name=form.name.data or "",
                inviter=current_user._get_current_object(),
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(email)s is now a manager of %(name)s.",
                    email=form.email.data.strip().lower(),
                    name=organisation.name,
                ),
                "success",
            )
            if sent is not None:
                flash_link(sent, what=_("The invitation"))
            return redirect(url_for("admin.organisation", organisation_id=organisation.id))
    return _organisation_page(organisation, manager_form=form)


@bp.route("/organisations/<id:organisation_id>/managers/<id:user_id>/remove", methods=["GET", "POST"])
def remove_manager(organisation_id: int, user_id: int):
    require_admin()
    organisation = orgs.get_organisation(organisation_id)
    person = orgs.get_staff_member(organisation, user_id)
    if request.method == "GET":
        return confirm_page(
            title=_("Remove %(name)s as manager?", name=person.display_name),
            question=_(
                "%(name)s will no longer manage %(organisation)s.",
                name=person.display_name,
                organisation=organisation.name,
            ),
            details=[_("Their own account and progress are kept.")],
            button=_("Remove as manager"),
            cancel_url=url_for("admin.organisation", organisation_id=organisation.id),
        )
    if not confirmed():
        return back_to_confirm_page()
    services.remove_manager(organisation, person)
    db.session.commit()
    flash(_("%(name)s is no longer a manager.", name=person.display_name), "success")
    return redirect(url_for("admin.organisation", organisation_id=organisation.id))


@bp.get("/users")
def users():
    require_admin()
    search = request.args.get("q", "").strip()[:200]
    organisation_id = int_arg("organisation")
    people = services.all_users(search=search, organisation_id=organisation_id)
    return render_template(
        "admin/users.html",
        people=people,
        search=search,
        organisation_id=organisation_id,
        organisations=[s.organisation for s in orgs.organisation_summaries()],
    )
