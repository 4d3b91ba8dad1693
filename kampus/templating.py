"""Template globals and filters shared by every page."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from kampus.i18n import LANGUAGE_NAMES, LANGUAGES


def localized(value, lang: str | None = None) -> str:
    """Pick the current language from a ``{fi, sv, en}`` mapping, falling back to Finnish."""
    if not isinstance(value, dict):
        return value or ""
    lang = lang or str(get_locale() or "fi")
    return value.get(lang) or value.get("fi") or next((v for v in value.values() if v), "")


def register(app: Flask) -> None:
    from kampus.app import static_url

    from flask_babel import format_date, format_datetime

    app.jinja_env.globals.update(
        static_url=static_url, LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES,
        format_date=format_date, format_datetime=format_datetime,
    )
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {
            "current_locale": str(get_locale() or "fi"),
            "current_path": request.full_path.rstrip("?"),
            "endpoints": app.view_functions,
        }
