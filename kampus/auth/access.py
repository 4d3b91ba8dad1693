"""Access checks, one helper per role, called at the top of every view that needs one.

- :func:`require_login` — any signed-in person; visitors go to the sign-in page.
- :func:`require_admin` — network administrators; others get 403.
- :func:`require_manager` — managers; returns *their* organisation, through
  which every object a manager's view touches must be loaded (so another
  organisation's ids give 404).
"""

from __future__ import annotations

from flask import abort, current_app, url_for
from flask_login import current_user

from kampus.extensions import login_manager


def require_login():
    """The signed-in user; a visitor is sent to the sign-in page (with ``next``)."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    return current_user._get_current_object()


def require_admin():
    """The signed-in administrator; 403 for everyone else."""
    user = require_login()
    if not user.is_admin:
        abort(403)
    return user


def require_manager():
    """The organisation the signed-in manager manages; 403 for everyone else."""
    user = require_login()
    if not user.is_manager or user.organisation_id is None:
        abort(403)
    organisation = user.organisation
    if organisation is None:  # pragma: no cover - the foreign key prevents it
        abort(403)
    return organisation


def home_url() -> str:
    """Where a signed-in person starts: their dashboard when it exists, else the landing page."""
    if "paths.dashboard" in current_app.view_functions:
        return url_for("paths.dashboard")
    return url_for("main.landing")
