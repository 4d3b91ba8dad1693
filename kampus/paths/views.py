"""The learner's pages: dashboard, self-assessment, building a path and the path page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kampus import cache
from kampus.auth.forms import WeeklyTimeForm, show_domain_error
from kampus.auth.views import account_page
from kampus.catalogue.drawing import draw
from kampus.catalogue.forms import fill_goal_choices
from kampus.catalogue.services import catalogue_graph, theme_overview
from kampus.catalogue.views import status_labels
from kampus.confirm import back_to_confirm_page, confirm_page, confirmed
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.forms import EmptyForm
from kampus.graph import LEVELS
from kampus.paths import services
from kampus.paths.forms import PathForm
from kampus.progress import assessment
from kampus.progress.labels import deadline_labels, event_labels, provenance_labels
from kampus.progress.services import recent_events
from kampus.recognition import services as recognition
from kampus.templating import localized

bp = Blueprint("paths", __name__)


def level_descriptions() -> dict[str, str]:
    """The DigCompEdu levels in plain words."""
    return {
        "A1": _("A1 Newcomer: I have little experience of this and want to start from the basics."),
        "A2": _("A2 Explorer: I have tried things out and use some tools now and then."),
        "B1": _("B1 Integrator: I use this in my work regularly and in several ways."),
        "B2": _("B2 Expert: I use this confidently, purposefully and critically, and develop my practice."),
        "C1": _("C1 Leader: I guide colleagues and develop the practices of my work community."),
        "C2": _("C2 Pioneer: I innovate and develop the field beyond my own organisation."),
    }


@bp.get("/me")
@login_required
def dashboard():
    # The page's own blocks are cached per learner and page version (kampus.cache).
    return cache.personal_page(
        "paths/dashboard.html",
        lambda: dict(
            planned=services.dashboard(current_user.id),
            assessed=assessment.has_assessed(current_user.id),
            events=recent_events(current_user.id),
            event_labels=event_labels(),
            provenance_labels=provenance_labels(),
            deadline_labels=deadline_labels(),
        ),
    )


@bp.route("/me/assessment", methods=["GET", "POST"])
@login_required
def self_assessment():
    themes = [item.theme for item in theme_overview()]
    form = EmptyForm()
    chosen = assessment.current_levels(current_user.id)
    error = None
    if form.validate_on_submit():
        chosen = {t.slug: request.form.get(f"level-{t.slug}", "") for t in themes}
        try:
            assessment.save_levels(current_user.id, chosen)
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash(_("Your self-assessment was saved. Check the proposed recognitions below."), "success")
            return redirect(url_for("paths.self_assessment") + "#proposals")
    return render_template(
        "paths/assessment.html",
        form=form,
        themes=themes,
        chosen=chosen,
        levels=LEVELS,
        descriptions=level_descriptions(),
        proposals=assessment.proposals(current_user.id),
        error=error,
    ), (400 if error else 200)


@bp.post("/me/assessment/confirm")
@login_required
def confirm_recognitions():
    form = EmptyForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("paths.self_assessment"))
    approval = recognition.requires_approval(current_user)
    try:
        if approval:  # the organisation wants a manager to approve self-assessed recognitions
            count = recognition.request_from_self_assessment(current_user, request.form.getlist("modules"))
        else:
            count = assessment.confirm(current_user.id, request.form.getlist("modules"))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("paths.self_assessment"))
    db.session.commit()
    if approval:
        flash(_("%(num)d modules are waiting for your manager's approval.", num=count), "success")
        return redirect(url_for("recognition.mine"))
    flash(_("%(num)d modules were recognised.", num=count), "success")
    return redirect(url_for("paths.dashboard"))


@bp.route("/paths/new", methods=["GET", "POST"])
@login_required
def new_path():
    form = PathForm()
    if request.method == "GET" and request.args.get("theme"):
        form.themes.data = [request.args["theme"]]
    if request.method == "GET" and request.args.get("module"):
        form.modules.data = [request.args["module"]]
    context = fill_goal_choices(form)
    if form.validate_on_submit():
        try:
            path = services.create_path(
                current_user.id,
                title=form.title.data,
                module_slugs=form.modules.data or [],
                theme_slugs=form.themes.data or [],
                minutes_per_week=form.minutes_per_week.data,
                due=form.due.data,
            )
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc, "title")
        else:
            db.session.commit()
            flash(_("Your path was created."), "success")
            return redirect(url_for("paths.show", path_id=path.id))
    status = 400 if form.errors else 200
    return render_template("paths/new.html", form=form, **context), status


def _render_path(planned, weekly_form: WeeklyTimeForm | None = None, status: int = 200):
    return render_template("paths/show.html", **_path_context(planned, weekly_form)), status


def _path_context(planned, weekly_form: WeeklyTimeForm | None = None) -> dict:
    graph = catalogue_graph()
    slugs = planned.plan.slugs
    statuses = {step.slug: step.status for step in planned.plan.steps}
    drawing = (
        draw(
            graph,
            slugs,
            titles={s: localized(m.title) for s, m in planned.modules.items()},
            href=lambda s: url_for("progress.study", slug=s),
            meta={s: f"{m.level} · {m.minutes} min" for s, m in planned.modules.items()},
            statuses=statuses,
            status_labels=status_labels(),
        )
        if slugs
        else None
    )
    return dict(
        planned=planned,
        drawing=drawing,
        status_labels=status_labels(),
        delete_form=EmptyForm(),
        deadline_labels=deadline_labels(),
        done=services.done_on_path(current_user.id, planned),
        provenance_labels=provenance_labels(),
        weekly_form=weekly_form or WeeklyTimeForm(formdata=None, minutes_per_week=current_user.minutes_per_week),
    )


def _assigned_path(assignment_id: int):
    """An assigned path as its learner sees it; :class:`NotFound` for anyone it is not assigned to."""
    from kampus.assignments.services import user_assignments
    from kampus.errors import NotFound
    from kampus.progress.services import learner_state

    found = next((a for a in user_assignments(current_user.id) if a.id == assignment_id), None)
    if found is None:
        raise NotFound(f"no assignment {assignment_id}")
    return services.plan_assigned(found, learner_state(current_user.id), minutes_per_week=current_user.minutes_per_week)


@bp.get("/paths/<id:path_id>")
@login_required
def show(path_id: int):
    return cache.personal_page(
        "paths/show.html", lambda: _path_context(services.plan_path(services.get_path(current_user.id, path_id)))
    )


@bp.get("/me/assignments/<id:assignment_id>")
@login_required
def assigned(assignment_id: int):
    """An assigned path as the learner sees it; only the people it is assigned to may open it."""
    return cache.personal_page("paths/show.html", lambda: _path_context(_assigned_path(assignment_id)))


def _path_key(key: str) -> tuple[str, int] | None:
    """A page key (``p3``: personal path 3, ``a5``: assignment 5) as its kind and id, or None."""
    if 1 < len(key) < 12 and key[0] in "pa" and key[1:].isascii() and key[1:].isdigit():
        return key[0], int(key[1:])
    return None


@bp.post("/me/weekly-time")
@login_required
def weekly_time():
    """Set the learner's one weekly study time, from a path page or the account page, and go back there."""
    form = WeeklyTimeForm()
    back = _path_key(request.form.get("back", ""))
    if back is not None and back[0] == "p":
        services.get_path(current_user.id, back[1])  # someone else's path: 404 before anything changes
    elif back is not None:
        _assigned_path(back[1])
    if form.validate_on_submit():
        try:
            services.set_weekly_minutes(current_user._get_current_object(), form.minutes_per_week.data)
        except DomainError as exc:
            db.session.rollback()
            form.minutes_per_week.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your weekly study time was saved. Every path of yours is planned with it."), "success")
            if back is None:
                return redirect(url_for("auth.account") + "#weekly-time")
            kind, number = back
            if kind == "p":
                return redirect(url_for("paths.show", path_id=number) + "#weekly-time")
            return redirect(url_for("paths.assigned", assignment_id=number) + "#weekly-time")
    elif form.minutes_per_week.errors:  # not a whole number: the same words as out of bounds
        form.minutes_per_week.errors[:] = [_("Weekly time must be between 1 and 2,400 minutes.")]
    if back is None:
        return account_page(current_user, weekly=form)
    kind, number = back
    planned = services.plan_path(services.get_path(current_user.id, number)) if kind == "p" else _assigned_path(number)
    return _render_path(planned, weekly_form=form, status=400)


@bp.route("/paths/<id:path_id>/delete", methods=["GET", "POST"])
@login_required
def delete(path_id: int):
    path = services.get_path(current_user.id, path_id)
    if request.method == "GET":
        return confirm_page(
            title=_("Remove the path %(title)s?", title=path.title),
            question=_("The path %(title)s will be removed from your paths.", title=path.title),
            details=[_("Your progress is kept: modules you have done stay done.")],
            button=_("Remove this path"),
            cancel_url=url_for("paths.show", path_id=path.id),
        )
    if not confirmed():
        return back_to_confirm_page()
    form = EmptyForm()
    if form.validate_on_submit():
        services.delete_path(current_user.id, path_id)
        db.session.commit()
        flash(_("The path was removed. Your progress is kept."), "success")
    return redirect(url_for("paths.dashboard"))
