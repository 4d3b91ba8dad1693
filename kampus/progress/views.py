"""Studying a module: its sections one at a time, the self-check (also to test
out), completion, reflection and rating."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from kampus.catalogue.services import get_module, modules_by_slug
from kampus.catalogue.views import status_labels
from kampus.errors import DomainError, NotAllowed, NotFound
from kampus.extensions import db
from kampus.forms import EmptyForm
from kampus.i18n import falls_back
from kampus.paths.services import next_after
from kampus.progress import services
from kampus.progress.forms import RatingForm, ReflectionForm
from kampus.progress.integrity import Draw
from kampus.progress.models import SATISFIED
from kampus.routing import ascii_int, int_arg
from kampus.templating import material

bp = Blueprint("progress", __name__)


def lock_message(error: DomainError) -> str | Markup:
    """A refusal for a flash: a locked module's names each prerequisite by its title, linked to it."""
    if not isinstance(error, services.ModuleLocked):
        return error.message
    links = Markup(", ").join(
        Markup('<a href="{}">{}</a>').format(url_for("progress.study", slug=slug), title)
        for slug, title in error.missing.items()
    )
    return Markup(escape(services.locked_template())) % {"action": error.action, "missing": links}


def _studyable(slug: str):
    module = get_module(slug, with_material=True)
    if module.status != "published":
        raise NotFound(f"module {slug} is not published")
    return module


def _check_form(module, *, token=None):
    """The self-check form's draw and signed token: the one posted back (same order again) or a fresh one."""
    if token:
        try:
            draw, _nonce = services.read_draw_token(token, current_user.id, module)
            sizes = {q.id: len(q.choices) for q in module.questions}
            if all(sizes.get(qid) == len(order) for qid, order in draw.orders.items()):
                return draw, token
        except DomainError:
            pass
    draw = services.draw_check(module)  # a new draw when the old form is unreadable or the questions changed
    return draw, services.draw_token(current_user.id, module, draw)


def _page(module, *, code=200, **fields):
    """The study page (``fields`` as for :func:`_page_context`). Reading it changes nothing; a
    learner who has not started sees Start and Test out."""
    return render_template("progress/study.html", **_page_context(module, **fields)), code


def _page_context(
    module,
    *,
    section_index=None,
    answers=None,
    reflection_form=None,
    rating_form=None,
    token=None,
    unanswered=(),
) -> dict:
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
            formdata=None,
            rating=str(feedback.rating) if feedback else None,
            comment=feedback.comment if feedback else "",
        )
    draw, token = _check_form(module, token=token) if (row and module.questions) else (None, None)
    shown = [module.title, module.summary, *(s.title for s in module.sections), section.body if section else None]
    if row:
        shown += [module.reflection, *_drawn_texts(module, draw)]
    return dict(
        fallback=falls_back(shown),
        module=module,
        row=row,
        status=status,
        status_labels=status_labels(),
        blocking=modules_by_slug(blocking),
        blocking_order=blocking,
        section=section,
        section_index=section_index,
        section_html=_section_html(section) if section else "",
        answers=answers or {},
        attempts=services.attempt_count(user_id, module.id),
        draw=draw,
        draw_token=token,
        questions={q.id: q for q in module.questions},
        pass_mark=services.pass_mark_for(module, "study"),
        test_out_mark=services.pass_mark_for(module, "test_out"),
        reflection_form=reflection_form,
        rating_form=rating_form,
        unanswered=unanswered,
        page_error=bool(unanswered),
        action_form=EmptyForm(),
        after=_after(module, status),
    )


def _section_html(section) -> Markup:
    """The section's body as HTML in the reader's language (:func:`kampus.templating.material`),
    rendered once per text and language: the key is the text itself, so an edit is a new key."""
    from kampus import cache
    from kampus.i18n import current_language

    text = json.dumps(section.body, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
    html = cache.fragment(
        ("section-html", digest, current_language()), lambda: str(material(section.body, "div", markdown=True))
    )
    return Markup(html)


def _after(module, status: str):
    """Once the module is passed (completed, tested out, recognised): the learner's path that holds it
    and the next module on it by the planner's order, for "Next module" and "Back to my path"."""
    if status not in SATISFIED:
        return None
    return next_after(current_user.id, module.slug)


def _drawn_texts(module, draw) -> list:
    """The translated texts of the questions a draw shows: prompts and choices."""
    if draw is None:
        return []
    questions = {q.id: q for q in module.questions}
    return [
        text
        for qid in draw.question_ids
        if qid in questions
        for text in (questions[qid].prompt, *questions[qid].choices)
    ]


def _test_out_page(module, *, answers=None, token=None, unanswered=(), code=200):
    user_id = current_user.id
    blocking = services.blockers(user_id, module)
    window = services.test_out_window(user_id, module)
    draw, token = (
        _check_form(module, token=token) if (module.questions and not blocking and window.allowed) else (None, None)
    )
    return render_template(
        "progress/test_out.html",
        fallback=falls_back([module.title, *_drawn_texts(module, draw)]),
        module=module,
        blocking=modules_by_slug(blocking),
        blocking_order=blocking,
        window=window,
        draw=draw,
        draw_token=token,
        questions={q.id: q for q in module.questions},
        answers=answers or {},
        unanswered=unanswered,
        page_error=bool(unanswered),
        pass_mark=services.pass_mark_for(module, "test_out"),
        action_form=EmptyForm(),
    ), code


@bp.get("/modules/<slug>/study")
@login_required
def study(slug: str):
    """Show the module; a GET never starts it nor records anything (starting is a POST)."""
    from kampus import cache

    index = int_arg("section", minimum=0) if "section" in request.args else None

    def context() -> dict:
        module = _studyable(slug)
        if index is not None and index >= len(module.sections):
            raise NotFound("no such section")
        return _page_context(module, section_index=index)

    # Cached per learner and page version (kampus.cache), the self-check's draw and token with
    # it: the same signed draw until an attempt (or any progress of theirs) moves the version.
    # An edit of the module moves the catalogue version (kampus.catalogue.services), so it shows at once.
    return cache.personal_page("progress/study.html", context)


@bp.post("/modules/<slug>/start")
@login_required
def start(slug: str):
    module = _studyable(slug)
    EmptyForm().validate_on_submit()  # CSRF is checked globally; the form only carries the token
    try:
        services.start_module(current_user.id, module)
    except DomainError as exc:
        db.session.rollback()
        flash(lock_message(exc), "error")
        return _page(module, code=403 if isinstance(exc, NotAllowed) else 400)
    db.session.commit()
    return redirect(url_for("progress.study", slug=slug))


@bp.post("/modules/<slug>/sections/<int:position>")
@login_required
def section(slug: str, position: int):
    """Open section ``position`` and remember it as the learner's place (post/redirect/get)."""
    module = _studyable(slug)
    if not 0 <= position < len(module.sections):
        raise NotFound("no such section")
    EmptyForm().validate_on_submit()
    try:
        services.view_section(current_user.id, module, position)
        db.session.commit()
    except DomainError:  # a locked module that was never started: readable, but nothing is recorded
        db.session.rollback()
    return redirect(url_for("progress.study", slug=slug, section=position))


@bp.get("/modules/<slug>/test-out")
@login_required
def test_out(slug: str):
    """The self-check before studying: passing it at the test-out mark recognises the module."""
    module = _studyable(slug)
    if services.check_kind(current_user.id, module) == "study" or not module.questions:
        return redirect(url_for("progress.study", slug=slug) + ("#check" if module.questions else ""))
    return _test_out_page(module)


def _answers_from_form(module) -> dict[int, list[int]]:
    """Chosen choice ids per question: the form posts ids (original indexes), never positions."""
    answers = {}
    for question in module.questions:
        chosen = request.form.getlist(f"q{question.id}")
        answers[question.id] = sorted(
            {n for n in map(ascii_int, chosen) if n is not None and n < len(question.choices)}
        )
    return answers


@bp.post("/modules/<slug>/check")
@login_required
def check(slug: str):
    module = _studyable(slug)
    EmptyForm().validate_on_submit()  # CSRF is checked globally; the form only carries the token
    answers = _answers_from_form(module)
    token = request.form.get("draw", "")
    kind = services.check_kind(current_user.id, module)
    draw = None
    try:
        draw, nonce = services.read_draw_token(token, current_user.id, module)
        result = services.submit_self_check(current_user.id, module, answers, draw=draw, nonce=nonce)
    except DomainError as exc:
        db.session.rollback()
        asked = draw.question_ids if draw else [q.id for q in module.questions]
        # Unanswered questions are named in the form's own error summary; other refusals are flashed.
        current = exc.field == "answers" and asked and set(asked) <= {q.id for q in module.questions}
        unanswered = [qid for qid in asked if not answers.get(qid)] if current else []
        if not unanswered:
            flash(lock_message(exc), "error")
        code = 403 if isinstance(exc, NotAllowed) else 400
        if kind == "test_out":
            return _test_out_page(module, answers=answers, token=token, unanswered=unanswered, code=code)
        return _page(module, answers=answers, token=token, unanswered=unanswered, code=code)
    db.session.commit()
    if not result.repeated:
        messages = {
            "completed": _("You passed the self-check with %(score)d %%. The module is completed.", score=result.score),
            "recognised": _(
                "You passed the self-check with %(score)d %%. The module is recognised as prior learning.",
                score=result.score,
            ),
            "already": _("You passed the self-check again with %(score)d %%.", score=result.score),
            "failed": _(
                "You got %(score)d %%; the pass mark is %(mark)d %%. Read the explanations and try again.",
                score=result.score,
                mark=result.pass_mark,
            ),
        }
        flash(messages[result.outcome], "success" if result.passed else "error")
    return redirect(url_for("progress.attempt", slug=slug, attempt_id=result.attempt_id))


@bp.get("/modules/<slug>/attempts/<id:attempt_id>")
@login_required
def attempt(slug: str, attempt_id: int):
    """One stored attempt: its score and each question with the choices in the order shown."""
    module = _studyable(slug)
    stored = services.attempt_of(current_user.id, module, attempt_id)
    if stored is None:
        raise NotFound("no such attempt")
    result = services.attempt_result(stored, module)
    draw = Draw.from_json(stored.draw) if stored.draw else None
    questions = {q.id: q for q in module.questions}
    shown = [
        (questions[qid], draw.orders[qid] if draw else range(len(questions[qid].choices)))
        for qid in (draw.question_ids if draw else questions)
        if qid in questions
    ]
    status = services.module_statuses(current_user.id, [module.slug])[module.slug]
    texts = [module.title, *(t for q, _order in shown for t in (q.prompt, *q.choices, q.explanation))]
    return render_template(
        "progress/attempt.html",
        fallback=falls_back(texts),
        module=module,
        attempt=stored,
        result=result,
        shown=shown,
        answers={int(k): v for k, v in (stored.answers or {}).items()},
        status=status,
        status_labels=status_labels(),
        started=services.check_kind(current_user.id, module) == "study",
        window=services.test_out_window(current_user.id, module) if stored.kind == "test_out" else None,
        action_form=EmptyForm(),
        after=_after(module, status) if result.passed else None,
    )


@bp.post("/modules/<slug>/complete")
@login_required
def complete(slug: str):
    module = _studyable(slug)
    try:
        services.complete_module(current_user.id, module)
    except DomainError as exc:
        db.session.rollback()
        flash(lock_message(exc), "error")
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
