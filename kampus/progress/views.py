"""Studying a module: its sections one at a time, the self-check (also to test
out), completion, reflection and rating."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kampus.catalogue.services import get_module, modules_by_slug
from kampus.catalogue.views import status_labels
from kampus.content import render_markdown
from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.paths.forms import EmptyForm
from kampus.progress import services
from kampus.progress.forms import RatingForm, ReflectionForm
from kampus.routing import ascii_int, int_arg

bp = Blueprint("progress", __name__)


def _studyable(slug: str):
    module = get_module(slug, with_material=True)
    if module.status != "published":
        raise NotFound(f"module {slug} is not published")
    return module


def _page(module, *, section_index=None, check=None, answers=None, reflection_form=None, rating_form=None, code=200):
    user_id = current_user.id
    rows = services.progress_rows(user_id)
    row = rows.get(module.slug)
    status = services.module_statuses(user_id, [module.slug])[module.slug]
    blocking = services.blockers(user_id, module)
    if section_index is None:
        section_index = row.section_position if row else 0
    section_index = min(max(section_index, 0), max(len(module.sections) - 1, 0))
    section = module.sections[section_index] if module.sections else None
    reflection = services.reflection_of(user_id, module.id)
    feedback = services.feedback_of(user_id, module.id)
    if reflection_form is None:
        reflection_form = ReflectionForm(formdata=None, text=reflection.text if reflection else "")
    if rating_form is None:
        rating_form = RatingForm(
            formdata=None, rating=str(feedback.rating) if feedback else None, comment=feedback.comment if feedback else ""
        )
    return render_template(
        "progress/study.html",
        module=module, row=row, status=status, status_labels=status_labels(),
        blocking=modules_by_slug(blocking), blocking_order=blocking,
        section=section, section_index=section_index, section_html=render_markdown(section.body) if section else "",
        check=check, answers=answers or {}, attempts=services.attempt_count(user_id, module.id),
        reflection_form=reflection_form, rating_form=rating_form, action_form=EmptyForm(),
    ), code


@bp.get("/modules/<slug>/study")
@login_required
def study(slug: str):
    module = _studyable(slug)
    index = int_arg("section", minimum=0) if "section" in request.args else None
    if index is not None or module.sections:
        if index is not None and not 0 <= index < len(module.sections):
            raise NotFound("no such section")
        row = services.progress_rows(current_user.id).get(module.slug)
        position = index if index is not None else (row.section_position if row else 0)
        services.view_section(current_user.id, module, position)
        db.session.commit()
        return _page(module, section_index=position)
    return _page(module)


@bp.post("/modules/<slug>/check")
@login_required
def check(slug: str):
    module = _studyable(slug)
    EmptyForm().validate_on_submit()  # CSRF is checked globally; the form only carries the token
    answers = {}
    for question in module.questions:
        chosen = request.form.getlist(f"q{question.id}")
        answers[question.id] = sorted({n for n in map(ascii_int, chosen) if n is not None and n < len(question.choices)})
    try:
        result = services.submit_self_check(current_user.id, module, answers)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(module, answers=answers, code=403 if isinstance(exc, NotAllowed) else 400)
    db.session.commit()
    messages = {
        "completed": _("You passed the self-check with %(score)d %%. The module is completed.", score=result.score),
        "recognised": _("You passed the self-check with %(score)d %%. The module is recognised as prior learning.",
                        score=result.score),
        "already": _("You passed the self-check again with %(score)d %%.", score=result.score),
        "failed": _("You got %(score)d %%; the pass mark is %(mark)d %%. Read the explanations and try again.",
                    score=result.score, mark=result.pass_mark),
    }
    flash(messages[result.outcome], "success" if result.passed else "error")
    return _page(module, check=result, answers=answers)


@bp.post("/modules/<slug>/complete")
@login_required
def complete(slug: str):
    module = _studyable(slug)
    try:
        services.complete_module(current_user.id, module)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(module, code=403 if isinstance(exc, NotAllowed) else 400)
    db.session.commit()
    flash(_("The module is completed."), "success")
    return redirect(url_for("progress.study", slug=slug) + "#after")


@bp.post("/modules/<slug>/reflection")
@login_required
def reflection(slug: str):
    module = _studyable(slug)
    form = ReflectionForm()
    if form.validate_on_submit():
        services.save_reflection(current_user.id, module, form.text.data)
        db.session.commit()
        flash(_("Your reflection was saved."), "success")
        return redirect(url_for("progress.study", slug=slug) + "#reflection")
    return _page(module, reflection_form=form, code=400)


@bp.post("/modules/<slug>/rating")
@login_required
def rating(slug: str):
    module = _studyable(slug)
    form = RatingForm()
    if form.validate_on_submit():
        services.rate_module(current_user.id, module, int(form.rating.data), form.comment.data or "")
        db.session.commit()
        flash(_("Thank you for your rating."), "success")
        return redirect(url_for("progress.study", slug=slug) + "#rating")
    return _page(module, rating_form=form, code=400)
