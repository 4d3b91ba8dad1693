"""Public pages: landing, accessibility statement, language switcher, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kampus import cache
from kampus.extensions import csrf, db
from kampus.i18n import LANGUAGES
from kampus.main.forms import AccessibilityFeedbackForm
from kampus.main.models import AccessibilityFeedback
from kampus.security import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def landing():
    from kampus.catalogue.services import theme_overview

    # Whole page for visitors, per catalogue version and language (kampus.cache).
    return cache.anonymous_page("landing", lambda: render_template("main/landing.html", themes=theme_overview()))


@bp.route("/accessibility", methods=["GET", "POST"])
def accessibility():
    """The accessibility statement and its feedback form (stored for the maintainers to answer)."""
    form = AccessibilityFeedbackForm()
    if form.validate_on_submit():
        db.session.add(
            AccessibilityFeedback(
                message=form.message.data.strip(), page=form.page.data or None, email=form.email.data or None
            )
        )
        db.session.commit()
        flash(_("Thank you. Your feedback was received; we answer within 14 days."), "success")
        return redirect(url_for("main.accessibility"))
    return render_template("main/accessibility.html", form=form, feedback_email=current_app.config["FEEDBACK_EMAIL"])


@bp.post("/language")
@csrf.exempt
def set_language():
    """Remember the chosen language (session; the signed-in user's setting too) and go back.

    A signed-in person's switch changes their stored setting, so it needs the form's CSRF
    token. A visitor's only sets the display language of their own session: a forged switch
    can do no more than show the next page in another language (the three buttons stay on
    every page), which is not worth a per-visitor token, and without one a visitor's cached
    page opens no session and sets no cookie. The redirect stays on the site either way.
    """
    if current_user.is_authenticated:
        csrf.protect()
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated and hasattr(current_user, "language"):
            current_user.language = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.landing")))


@bp.get("/healthz")
def healthz():
    from kampus.db import scalar_outside_transaction

    try:
        # Its own pooled connection, no session and no transaction (one round trip).
        scalar_outside_transaction(db.engine, "SELECT 1")
    except Exception:  # any database failure means "not healthy"
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="error", db="error"), 503
    return jsonify(status="ok", db="ok")
