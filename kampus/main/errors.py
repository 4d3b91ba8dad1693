"""Error pages: one template, the status code and a message that says what happened."""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from kampus.errors import Conflict, NotAllowed, NotFound
from kampus.extensions import db


def _render(code: int, title: str, message: str):
    if request.path.startswith("/api/"):  # RFC 9457 problem details
        problem = {"type": "about:blank", "title": HTTPStatus(code).phrase, "status": code, "detail": message}
        return problem, code, {"Content-Type": "application/problem+json"}
    if request.accept_mimetypes.best == "application/json":
        return {"error": message}, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(400)
    def bad_request(error):
        return _render(400, _("Bad request"), _("The request could not be understood. Please check what you sent."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(
            400,
            _("The form has expired"),
            _("The form was missing its security token or it had expired. Go back, reload the page and try again."),
        )

    @app.errorhandler(403)
    @app.errorhandler(NotAllowed)
    def forbidden(error):
        return _render(403, _("Not allowed"), _("You do not have permission to see this page."))

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(error):
        return _render(
            404,
            _("Page not found"),
            _("There is no page at this address. Check the address or start from the front page."),
        )

    @app.errorhandler(Conflict)
    def conflict(error):
        return _render(409, _("Changed meanwhile"), str(error))

    @app.errorhandler(413)
    def too_large(error):
        from flask import current_app

        limit = request.max_content_length or current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return _render(
            413,
            _("Too much data"),
            _(
                "What you sent is larger than %(num)d MB, the most this page accepts. "
                "Send a smaller file or shorter text.",
                num=max(1, limit // (1024 * 1024)),
            ),
        )

    @app.errorhandler(429)
    def too_many(error):
        return _render(
            429, _("Too many attempts"), _("Too many attempts in a short time. Wait a minute and try again.")
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _render(
            500, _("Something went wrong"), _("An unexpected error occurred. Nothing was saved. Please try again.")
        )
