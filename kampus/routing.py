"""Bounded input at the edge: ids in URLs, numbers in query strings, NUL bytes
and request sizes, so odd input gives a 400, 404 or 413, never a 500.

- ``<id:name>`` (:class:`IdConverter`) matches only ids a database row can
  have (1 … 2**63 − 1); anything else does not match the route, so 404.
- :func:`int_arg` reads a whole number from the query string within bounds.
- :func:`ascii_int` is ``str.isdigit`` without the Unicode digits (``'²'``)
  that ``int()`` refuses.
- Every request whose path, query or form holds a NUL byte is refused with 400
  before any view (PostgreSQL cannot store NUL in text).
- ``MAX_CONTENT_LENGTH`` bounds every request body; views decorated with
  :func:`large_upload` accept ``UPLOAD_MAX_CONTENT_LENGTH`` instead.
"""

from __future__ import annotations

import re
from typing import overload

from flask import Flask, abort, current_app, request
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def ascii_int(text, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``text`` as a whole number written in ASCII digits within the bounds, else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


@overload
def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int = MAX_ID) -> int: ...
@overload
def int_arg(name: str, default: None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None: ...
def int_arg(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The query argument ``name`` as a bounded whole number; ``default`` when missing or out of range."""
    value = ascii_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value


class IdConverter(BaseConverter):
    """A database id in a URL: 1 … 2**63 − 1 in ASCII digits, without leading zeros."""

    regex = r"[1-9][0-9]{0,18}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def large_upload(view):
    """Mark a view that accepts a body up to ``UPLOAD_MAX_CONTENT_LENGTH`` (file imports)."""
    view.kampus_large_upload = True
    return view


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def check_request_input() -> None:
    """Before every view: the body limit for this endpoint, then refuse NUL bytes."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "kampus_large_upload", False):
        limit = current_app.config["UPLOAD_MAX_CONTENT_LENGTH"]
        request.max_content_length = limit
        request.max_form_memory_size = limit
    if "\x00" in request.path or _has_nul(request.args):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _has_nul(request.form):
        abort(400)


def register(app: Flask) -> None:
    """The ``id`` converter and the input checks; the checks run before every other hook (CSRF reads the form)."""
    app.url_map.converters["id"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, check_request_input)
