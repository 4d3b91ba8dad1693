"""The notifications page (newest first, paged; mark one or all read) and the unread count in the nav."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kampus.extensions import db
from kampus.forms import EmptyForm
from kampus.notifications import services
from kampus.routing import int_arg

bp = Blueprint("notifications", __name__)
UNREAD_KEY = "kampus.unread_notifications"  # in the request's WSGI environ


@bp.app_context_processor
def unread_notifications():
    """``unread_notifications()`` for the nav: one count query per request, only when a page asks."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        # kept on the request (an app context, and so ``g``, may outlive one request, as in tests)
        cached = request.environ.get(UNREAD_KEY)
        if cached is None:
            cached = request.environ[UNREAD_KEY] = services.unread_count(current_user.id)
        return cached

    return {"unread_notifications": count}


@bp.get("/me/notifications")
@login_required
def index():
    page = int_arg("page", 1, maximum=100_000)
    rows, pages = services.page_of(current_user.id, page)
    return render_template(
        "notifications/index.html",
        items=[(n, services.describe(n)) for n in rows],
        page=min(page, pages),
        pages=pages,
        form=EmptyForm(),
    )


@bp.post("/me/notifications/<id:notification_id>/read")
@login_required
def read(notification_id: int):
    page = int_arg("page", 1, maximum=100_000)
    if EmptyForm().validate_on_submit():
        services.mark_read(current_user.id, notification_id)
        db.session.commit()
    return redirect(url_for("notifications.index", page=page) + f"#n{notification_id}")


@bp.post("/me/notifications/read-all")
@login_required
def read_all():
    if EmptyForm().validate_on_submit():
        changed = services.mark_all_read(current_user.id)
        db.session.commit()
        if changed:
            flash(_("Every notification is marked read."), "success")
    return redirect(url_for("notifications.index"))
