"""Managers' assignments and templates (/org/…) and admins' network-wide templates (/admin/templates)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kampus.assignments import completion, services
from kampus.assignments.forms import AssignmentForm, ExtendForm, TemplateForm
from kampus.auth.access import require_admin, require_manager
from kampus.auth.forms import show_domain_error
from kampus.auth.models import User
from kampus.catalogue.forms import fill_goal_choices
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.forms import EmptyForm
from kampus.routing import ascii_int, int_arg
from kampus.templating import localized

bp = Blueprint("assignments", __name__)

TEMPLATE_FIELDS = ("title", "description")


def target_group_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Everyone")),
        ("management", _("Management")),
        ("teaching", _("Teaching")),
        ("guidance", _("Guidance and support")),
        ("it", _("IT staff")),
        ("other", _("Other staff")),
    ]


def _save_template(form: TemplateForm, template, organisation_id):
    return services.save_template(
        template,
        organisation_id=organisation_id,
        title={lang: getattr(form, f"title_{lang}").data or "" for lang in ("fi", "sv", "en")},
        description={lang: getattr(form, f"description_{lang}").data or "" for lang in ("fi", "sv", "en")},
        target_group=form.target_group.data or None,
        module_slugs=form.modules.data or [],
        theme_slugs=form.themes.data or [],
    )


def _fill_template_form(form: TemplateForm, template) -> None:
    for lang in ("fi", "sv", "en"):
        getattr(form, f"title_{lang}").data = (template.title or {}).get(lang, "")
        getattr(form, f"description_{lang}").data = (template.description or {}).get(lang, "")
    form.target_group.data = template.target_group or ""
    form.themes.data = [g.theme.slug for g in template.goals if g.theme]
    form.modules.data = [g.module.slug for g in template.goals if g.module]


def _template_editor(organisation_id, template, *, back: str, action: str):
    """Create or edit a template; shared by managers (own organisation) and admins (network-wide)."""
    form = TemplateForm()
    context = fill_goal_choices(form)
    form.target_group.choices = target_group_choices()
    if request.method == "GET" and template is not None:
        _fill_template_form(form, template)
    if form.validate_on_submit():
        try:
            _save_template(form, template, organisation_id)
        except (NotFound, NotAllowed):
            raise
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc, "themes")
        else:
            db.session.commit()
            flash(_("The path template was saved."), "success")
            return redirect(back)
    return render_template(
        "assignments/template_form.html", form=form, template=template, action=action, back=back, **context
    ), (400 if form.errors else 200)


# --- managers ------------------------------------------------------------------


@bp.get("/org/templates")
def org_templates():
    organisation = require_manager()
    return render_template(
        "assignments/templates.html",
        templates=services.templates_for(organisation.id),
        organisation=organisation,
        target_groups=dict(target_group_choices()),
        manager=True,
    )


@bp.route("/org/templates/new", methods=["GET", "POST"])
def org_template_new():
    organisation = require_manager()
    return _template_editor(
        organisation.id, None, back=url_for("assignments.org_templates"), action=url_for("assignments.org_template_new")
    )


@bp.route("/org/templates/<id:template_id>/edit", methods=["GET", "POST"])
def org_template_edit(template_id: int):
    organisation = require_manager()
    template = services.get_template(template_id, organisation.id)
    if template.organisation_id != organisation.id:  # network-wide templates are the admins' to edit
        from flask import abort

        abort(403)
    return _template_editor(
        organisation.id,
        template,
        back=url_for("assignments.org_templates"),
        action=url_for("assignments.org_template_edit", template_id=template_id),
    )


def _assignment_form(organisation) -> AssignmentForm:
    form = AssignmentForm()
    form.template.choices = [(t.id, localized(t.title)) for t in services.templates_for(organisation.id)]
    form.team.choices = [("", _("No team: named people only"))] + [(str(t.id), t.name) for t in organisation.teams]
    people = db.session.scalars(
        db.select(User).where(User.organisation_id == organisation.id, User.active.is_(True)).order_by(User.name)
    )
    form.people.choices = [(str(u.id), f"{u.display_name} ({u.email})") for u in people]
    return form


@bp.route("/org/assignments", methods=["GET", "POST"])
def org_assignments():
    organisation = require_manager()
    form = _assignment_form(organisation)
    if request.method == "GET" and int_arg("template") is not None:
        form.template.data = int_arg("template")
    if form.validate_on_submit():
        try:
            services.assign(
                organisation.id,
                current_user.id,  # the manager require_manager() let in
                template_id=form.template.data,
                team_id=int(form.team.data) if form.team.data else None,
                user_ids=[n for n in map(ascii_int, form.people.data or []) if n is not None],
                due=form.due.data,
                note=form.note.data or "",
            )
        except (NotFound, NotAllowed):
            raise  # another organisation's template, team or person: 404, never a form error
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc, "team")
        else:
            db.session.commit()
            flash(_("The path was assigned."), "success")
            return redirect(url_for("assignments.org_assignments"))
    assignments = services.organisation_assignments(organisation.id, include_withdrawn=True)
    return render_template(
        "assignments/assignments.html",
        form=form,
        organisation=organisation,
        assignments=assignments,
        completion=completion.completion([a for a in assignments if a.active]),
        extend_form=ExtendForm(formdata=None),
        action_form=EmptyForm(),
        today=services.today(),
    ), (400 if form.errors else 200)


@bp.post("/org/assignments/<id:assignment_id>/extend")
def extend(assignment_id: int):
    organisation = require_manager()
    assignment = services.get_assignment(assignment_id, organisation.id)
    form = ExtendForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Give a due date."))
        services.extend(assignment, form.due.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The due date was moved."), "success")
    return redirect(url_for("assignments.org_assignments"))


@bp.route("/org/assignments/<id:assignment_id>/withdraw", methods=["GET", "POST"])
def withdraw(assignment_id: int):
    organisation = require_manager()
    assignment = services.get_assignment(assignment_id, organisation.id)
    if request.method == "GET":
        title = localized(assignment.template.title)
        return confirm_page(
            title=_("Withdraw the assignment %(title)s?", title=title),
            question=(
                _("The team %(team)s will no longer have %(title)s assigned.", team=assignment.team.name, title=title)
                if assignment.team
                else _("The people it names will no longer have %(title)s assigned.", title=title)
            ),
            details=[_("Nobody's progress is removed. A withdrawn assignment cannot be given back: assign it again.")],
            button=_("Withdraw"),
            cancel_url=url_for("assignments.org_assignments"),
        )
    if not confirmed():
        return back_to_confirm_page()
    services.withdraw(assignment)
    db.session.commit()
    flash(_("The assignment was withdrawn. Nobody's progress was removed."), "success")
    return redirect(url_for("assignments.org_assignments"))


# --- admins: network-wide templates ---------------------------------------------------


@bp.get("/admin/templates")
def admin_templates():
    require_admin()
    return render_template(
        "assignments/templates.html",
        templates=services.templates_for(None),
        organisation=None,
        target_groups=dict(target_group_choices()),
        manager=False,
    )


@bp.route("/admin/templates/new", methods=["GET", "POST"])
def admin_template_new():
    require_admin()
    return _template_editor(
        None, None, back=url_for("assignments.admin_templates"), action=url_for("assignments.admin_template_new")
    )


@bp.route("/admin/templates/<id:template_id>/edit", methods=["GET", "POST"])
def admin_template_edit(template_id: int):
    require_admin()
    template = services.get_template(template_id, None)
    return _template_editor(
        None,
        template,
        back=url_for("assignments.admin_templates"),
        action=url_for("assignments.admin_template_edit", template_id=template_id),
    )


#: People listed per assignment on the overdue page (the rest are counted).
OVERDUE_LISTED = 100


@bp.get("/org/assignments/overdue")
def overdue():
    """The overdue assignments (due date passed) and, for each, the people not done yet."""
    organisation = require_manager()
    on = services.today()
    assignments = [a for a in completion.load_assignments(organisation.id) if a.due < on]
    states = completion.people_states(assignments, on=on)
    late = {a.id: [u for u, s in states[a.id].items() if s != "done"] for a in assignments}
    names = completion.people_names({u for ids in late.values() for u in ids})
    rows = []
    for a in assignments:
        people = sorted(late[a.id], key=lambda u: names.get(u, ("", ""))[0].casefold())
        rows.append((a, len(states[a.id]), people[:OVERDUE_LISTED], len(people)))
    return render_template("assignments/overdue.html", rows=rows, names=names, organisation=organisation)
