"""Administrator authoring pages under ``/admin/content``: the content overview,
the module and theme editors, the live Markdown preview and the audit log.

The prerequisite editor and import/export live in their own files and add their
routes to the same blueprint. Every view starts with :func:`require_admin`
(visitors go to the sign-in page, everyone else gets 403); CSRF protection
covers every POST.
"""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kampus.auth.access import require_admin
from kampus.auth.forms import show_domain_error
from kampus.authoring import audit, services
from kampus.authoring import overview as content
from kampus.authoring.forms import (
    ActionForm,
    ModuleForm,
    ThemeForm,
    form_to_record,
    module_to_data,
    pad_choices,
    restructure,
)
from kampus.catalogue.estimate import count_words, estimate_minutes, minutes_warning
from kampus.catalogue.models import Theme
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.content import render_markdown
from kampus.errors import Conflict, DomainError
from kampus.extensions import db
from kampus.routing import int_arg
from kampus.templating import localized

bp = Blueprint("authoring", __name__, url_prefix="/admin/content")

MAX_PREVIEW_CHARS = 100_000


@bp.app_template_filter("audit_value")
def audit_value(value) -> str:
    """An audit log value for people: text as it is, anything else as indented JSON; "–" for nothing."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


@bp.app_template_filter("audit_action")
def audit_action(code: str) -> str:
    return audit.action_label(code)


@bp.app_template_filter("audit_field")
def audit_field(code: str) -> str:
    return audit.field_label(code)


@bp.app_template_global("audit_field_value")
def audit_field_value(field: str, value) -> str:
    """A changed field's value for people: its codes in words, then as :func:`audit_value`."""
    return audit_value(audit.value_label(field, value))


def status_names() -> dict[str, str]:
    return {"draft": _("Draft"), "published": _("Published"), "retired": _("Retired")}


def target_group_names() -> dict[str, str]:
    return {
        "management": _("Management"),
        "teaching": _("Teaching"),
        "guidance": _("Guidance and support"),
        "it": _("IT staff"),
    }


def language_names() -> dict[str, str]:
    return {"fi": _("Finnish"), "sv": _("Swedish"), "en": _("English")}


# --- overview ---------------------------------------------------------------------------------


@bp.get("")
def overview():
    require_admin()
    report = content.graph_report()
    blocks = content.content_overview(report)
    filters = content.OverviewFilters.from_args(request.args, [b.theme.slug for b in blocks])
    shown = content.filtered(blocks, filters)
    return render_template(
        "authoring/overview.html",
        blocks=shown,
        themes=[b.theme for b in blocks],
        filters=filters,
        total=sum(len(b.modules) for b in blocks),
        shown=sum(len(b.modules) for b in shown),
        report=report,
        comments=content.latest_comments(),
        status_names=status_names(),
        language_names=language_names(),
    )


# --- module editor -------------------------------------------------------------------------------


def _module_form(module=None, data=None) -> ModuleForm:
    """The module form: from the request (``data`` None on a POST) or from ``data``; choices filled in."""
    form = ModuleForm() if data is None else ModuleForm(formdata=None, data=pad_choices(data))
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    from kampus.templating import localized

    form.theme.choices = [(t.slug, localized(t.title)) for t in themes]
    names = status_names()
    form.status.choices = [(s, names[s]) for s in services.allowed_statuses(module)]
    groups = target_group_names()
    form.target_groups.choices = [(g, groups[g]) for g, _label in form.target_groups.choices]
    if module is not None and module.status != "draft":
        del form.slug  # a published slug never changes: the field is not even offered
    return form


def _render_editor(form: ModuleForm, module=None, *, conflict: str | None = None, code: int = 200, status_preview=None):
    record = form_to_record(form, slug=module.slug if module is not None and "slug" not in form else None)
    previews = {
        body.id: render_markdown(body.data[:MAX_PREVIEW_CHARS] if body.data else "")
        for entry in form.sections
        for body in (entry.form.body, entry.form.body_sv, entry.form.body_en)
    }
    context = {
        "form": form,
        "module": module,
        "previews": previews,
        "conflict": conflict,
        "completeness": services.completeness(record),
        "language_names": language_names(),
        "status_names": status_names(),
        "status_preview": status_preview,
        **_minutes_estimate(record, module),
    }
    if module is not None:
        from kampus.authoring.prerequisites import module_warnings

        context.update(
            dependants=services.dependants(module),
            warnings=module_warnings(module.slug),
            deletable=module.status == "draft" and not services.has_learner_data(module),
            delete_form=ActionForm(),
            comments=content.latest_comments(50, module.id),
        )
    return render_template("authoring/module_form.html", **context), code


def _minutes_estimate(record: dict, module=None) -> dict:
    """The study time the content supports, and a warning when the author's figure is far from it."""
    questions = (record.get("self_check") or {}).get("questions") or []
    asked = len(questions)
    if module is not None and module.questions_asked:
        asked = min(asked, module.questions_asked)
    # Finnish, the language every module has (the reading speed is Finnish too).
    words = count_words(
        *(
            (s["title"] or {}).get("fi", "") + "\n" + (s["body"] or {}).get("fi", "")
            for s in record.get("sections") or []
        )
    )
    estimate = estimate_minutes(words, asked, bool(record.get("reflection")))
    return {"minutes_estimate": estimate, "minutes_warning": minutes_warning(record.get("minutes"), estimate)}


def _handle_editor_post(module=None):
    """Shared POST handling: structural buttons and Preview re-render; Save validates and saves."""
    form = _module_form(module)
    action = request.form.get("action", "save")
    if action not in ("save", "preview"):
        return _render_editor(_module_form(module, data=restructure(form.data, action)), module)
    if action == "preview":
        status = form.status.data
        if module is not None and status != module.status and status in services.allowed_statuses(module):
            from kampus.authoring.prerequisites import status_impact
            from kampus.catalogue.services import modules_by_slug

            summary = status_impact(module.slug, status)
            return _render_editor(
                form,
                module,
                status_preview={"status": status, "impact": summary, "modules": modules_by_slug(summary.newly_locked)},
            )
        return _render_editor(form, module)
    if not form.validate():
        return _render_editor(form, module)
    actor = require_admin()
    was = module.status if module is not None else None
    try:
        if module is None:
            record = form_to_record(form)
            module = services.create_module(actor, record)
            message = _("The module was created.")
        else:
            record = form_to_record(form, slug=None if "slug" in form else module.slug)
            try:
                version = int(form.edit_version.data)
            except (TypeError, ValueError):
                version = -1
            changed = services.update_module(actor, module, record, edit_version=version)
            message = _("The module was saved.") if changed else _("Nothing had changed.")
    except Conflict as error:
        db.session.rollback()
        return _render_editor(form, module, conflict=error.message, code=409)
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _render_editor(form, module)
    db.session.commit()
    flash(message, "success")
    if module.status == "retired" and was != "retired" and services.dependants(module):
        flash(
            _(
                "This module is retired: the modules that require it now treat it as done, so learners can go on "
                "without it. Check whether they need another prerequisite."
            ),
            "info",
        )
    return redirect(url_for("authoring.edit_module", slug=module.slug))


@bp.route("/modules/new", methods=["GET", "POST"])
def new_module():
    require_admin()
    if request.method == "POST":
        return _handle_editor_post()
    theme = request.args.get("theme", "")
    data = {
        "status": "draft",
        "theme": theme,
        "position": 1,
        "minutes": 30,
        "pass_mark": 70,
        "sections": [{"id": "", "title": "", "body": ""}],
        "questions": [],
    }
    return _render_editor(_module_form(data=data))


@bp.route("/modules/<slug>/edit", methods=["GET", "POST"])
def edit_module(slug: str):
    require_admin()
    module = services.load_module(slug)
    if request.method == "POST":
        return _handle_editor_post(module)
    return _render_editor(_module_form(module, data=module_to_data(module)), module)


@bp.route("/modules/<slug>/delete", methods=["GET", "POST"])
def delete_module(slug: str):
    actor = require_admin()
    module = services.load_module(slug)
    if request.method == "GET":
        return confirm_page(
            title=_("Delete the draft %(slug)s?", slug=slug),
            question=_(
                "The draft %(title)s is deleted for good, with its material and self-check.",
                title=localized(module.title),
            ),
            details=[_("Only a draft that no learner has used can be deleted.")],
            button=_("Delete this draft"),
            cancel_url=url_for("authoring.edit_module", slug=slug),
        )
    if not confirmed():
        return back_to_confirm_page()
    try:
        services.delete_module(actor, module)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("authoring.edit_module", slug=slug))
    db.session.commit()
    flash(_("The draft %(slug)s was deleted.", slug=slug), "success")
    return redirect(url_for("authoring.overview"))


@bp.post("/preview")
def preview():
    """The Markdown of ``text`` rendered exactly as learners see it (an HTML fragment for the live preview)."""
    require_admin()
    text = request.form.get("text", "")[:MAX_PREVIEW_CHARS]
    return str(render_markdown(text)), 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


# --- themes ---------------------------------------------------------------------------------------


@bp.route("/themes/<slug>/edit", methods=["GET", "POST"])
def edit_theme(slug: str):
    actor = require_admin()
    theme = services.load_theme(slug)
    if request.method == "GET":
        data = {"position": theme.position}
        for lang in ("fi", "sv", "en"):
            data[f"title_{lang}"] = (theme.title or {}).get(lang, "")
            data[f"description_{lang}"] = (theme.description or {}).get(lang, "")
        form = ThemeForm(formdata=None, data=data)
    else:
        form = ThemeForm()
        if form.validate():

            def texts(prefix):
                return {
                    lang: (form[f"{prefix}_{lang}"].data or "").replace("\r\n", "\n").strip()
                    for lang in ("fi", "sv", "en")
                }

            try:
                changed = services.update_theme(
                    actor, theme, title=texts("title"), description=texts("description"), position=form.position.data
                )
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("The theme was saved.") if changed else _("Nothing had changed."), "success")
                return redirect(url_for("authoring.edit_theme", slug=slug))
    return render_template("authoring/theme_form.html", form=form, theme=theme, language_names=language_names())


# --- audit log --------------------------------------------------------------------------------------


@bp.get("/audit")
def audit_log():
    require_admin()
    module_slug = request.args.get("module", "").strip()[:80] or None
    author = int_arg("author")
    page = int_arg("page", 1, maximum=100_000)
    slugs, authors = audit.filter_choices()
    return render_template(
        "authoring/audit.html",
        result=audit.entries(module_slug=module_slug, user_id=author, page=page or 1),
        slugs=slugs,
        authors=authors,
        module_slug=module_slug,
        author=author,
    )
