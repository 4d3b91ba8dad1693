"""The prerequisite editor: per module, add, re-kind and remove prerequisites.

Every change goes through two steps: *check* (refused with the cycle named, or
shown with its impact on learners and the validation warnings) and *confirm*
(applied only if the catalogue has not moved since the check).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kampus.auth.access import require_admin
from kampus.auth.forms import show_domain_error
from kampus.authoring import prerequisites as edges
from kampus.authoring import services
from kampus.authoring.forms import ChangeForm, PrerequisiteForm
from kampus.authoring.views import bp
from kampus.catalogue.models import KINDS
from kampus.catalogue.services import catalogue_graph, modules_by_slug
from kampus.errors import Conflict, DomainError
from kampus.extensions import db


def kind_names() -> dict[str, str]:
    return {"required": _("required"), "recommended": _("recommended")}


def _page(module, form=None, code: int = 200):
    from kampus.templating import localized

    graph = catalogue_graph()
    requires = sorted(graph.pred[module.slug].items()) if module.slug in graph else []
    leads_to = sorted(graph.succ[module.slug].items()) if module.slug in graph else []
    candidates = sorted(
        (s for s in graph if s != module.slug),
        key=lambda s: (graph.nodes[s]["theme_position"], graph.nodes[s]["position"], s),
    )
    rows = modules_by_slug(set(candidates) | {module.slug})
    form = form or PrerequisiteForm(formdata=None)
    form.before.choices = [("", _("Choose a module"))] + [
        (s, f"{localized(rows[s].title)} ({s})") for s in candidates if s in rows
    ]
    form.kind.choices = [(k, kind_names()[k]) for k in KINDS]
    return render_template(
        "authoring/prerequisites.html",
        module=module,
        form=form,
        requires=requires,
        leads_to=leads_to,
        modules=rows,
        kind_names=kind_names(),
        remove_form=ChangeForm(formdata=None),
        warnings=edges.module_warnings(module.slug),
        version=graph.graph.get("version", 0),
    ), code


def _impact_page(module, preview, *, notice: str | None = None):
    confirm = ChangeForm(
        formdata=None,
        data={
            "action": preview.change.action,
            "before": preview.change.before,
            "after": preview.change.after,
            "kind": preview.change.kind,
            "version": str(preview.version),
        },
    )
    names = set(preview.impact.newly_locked) | {preview.change.before, preview.change.after}
    return render_template(
        "authoring/impact.html",
        module=module,
        preview=preview,
        confirm=confirm,
        notice=notice,
        modules=modules_by_slug(names),
        kind_names=kind_names(),
    )


@bp.get("/modules/<slug>/prerequisites")
def prerequisites(slug: str):
    require_admin()
    return _page(services.load_module(slug))


@bp.post("/modules/<slug>/prerequisites")
def check_prerequisite(slug: str):
    """Check an addition (from the add form) or a removal (a row's button) and show its impact."""
    require_admin()
    module = services.load_module(slug)
    if request.form.get("action") == "remove":
        change = edges.EdgeChange(
            "remove", request.form.get("before", ""), module.slug, request.form.get("kind", "required")
        )
        try:
            return _impact_page(module, edges.preview(change))
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("authoring.prerequisites", slug=slug))
    form = PrerequisiteForm()
    if not form.validate():
        return _page(module, form)
    try:
        preview = edges.preview(edges.EdgeChange("add", form.before.data, module.slug, form.kind.data))
    except DomainError as error:
        show_domain_error(form, error)
        return _page(module, form)
    return _impact_page(module, preview)


@bp.post("/modules/<slug>/prerequisites/confirm")
def confirm_prerequisite(slug: str):
    actor = require_admin()
    module = services.load_module(slug)
    form = ChangeForm()
    if not form.validate() or form.after.data != module.slug:
        abort(400)
    change = edges.EdgeChange(form.action.data, form.before.data, module.slug, form.kind.data)
    try:
        version = int(form.version.data)
    except ValueError:
        abort(400)
    try:
        edges.apply(actor, change, version=version)
    except Conflict as error:
        db.session.rollback()
        try:
            return _impact_page(module, edges.preview(change), notice=error.message)
        except DomainError as refusal:
            flash(refusal.message, "error")
            return redirect(url_for("authoring.prerequisites", slug=slug))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("authoring.prerequisites", slug=slug))
    db.session.commit()
    flash(
        _("The prerequisite was removed.") if change.action == "remove" else _("The prerequisite was saved."), "success"
    )
    return redirect(url_for("authoring.prerequisites", slug=slug))
