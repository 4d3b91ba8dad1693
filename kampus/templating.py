"""Template globals and filters shared by every page."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import get_locale
from jinja2 import pass_context
from markupsafe import Markup, escape

from kampus import i18n
from kampus.content import render_markdown
from kampus.i18n import LANGUAGE_NAMES, LANGUAGES


def localized(value, lang: str | None = None) -> str:
    """The text of a ``{fi, sv, en}`` mapping in ``lang`` (default: the reader's), by :func:`kampus.i18n.localized`."""
    return i18n.localized(value, lang)[0]


def material(value, tag: str = "span", *, markdown: bool = False, lang: str | None = None) -> Markup:
    """Authored material in the reader's language (by :func:`kampus.i18n.localized`), as HTML.

    Text that falls back to another language (Finnish) is wrapped in ``<tag lang="fi">``
    so that screen readers pronounce it right (WCAG 3.1.2); ``markdown`` renders it as
    learners read sections (then use a block ``tag`` such as ``div``).
    """
    lang = lang or i18n.current_language()
    text, used = i18n.localized(value, lang)
    html = render_markdown(text) if markdown else escape(text)
    if text and used != lang:
        return Markup('<{0} lang="{1}">{2}</{0}>').format(Markup(tag), used, html)
    return Markup(html)


@pass_context
def page_has_errors(context) -> bool:
    """True when the page answers a failed submit: a form in the template's context has errors,
    or the view says so with ``page_error`` (errors not kept in a form). The title then starts "Error:"."""
    from wtforms import Form

    if context.get("page_error"):
        return True
    return any(isinstance(value, Form) and value.errors for value in context.get_all().values())


def static_url(filename: str) -> str:
    """URL of a static file with a content fingerprint, so it can be cached for a year."""
    cache = current_app.extensions.setdefault("kampus_static_hashes", {})
    digest = cache.get(filename)
    if digest is None:
        path = Path(current_app.static_folder or "static") / filename
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "0"
        cache[filename] = digest
    return url_for("static", filename=filename, v=digest)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        static_url=static_url,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        format_date=i18n.format_date,
        format_datetime=i18n.format_datetime,
        format_decimal=i18n.format_decimal,
        format_percent=i18n.format_percent,
        localize=i18n.localized,
        material=material,
        page_has_errors=page_has_errors,
    )
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_locale():
        return {
            "current_locale": str(get_locale() or "fi"),
            # a worker renders mails (invitations of an import job) outside any request
            "current_path": request.full_path.rstrip("?") if has_request_context() else "",
            "endpoints": app.view_functions,
        }
