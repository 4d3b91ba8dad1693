"""RFC 9457 problem details for every error under ``/api/``.

A problem is ``{"type", "title", "status", "detail"}`` as
``application/problem+json``; input errors add ``errors``, a list of
``{"field", "detail"}`` naming each field at fault.
"""

from __future__ import annotations

import http
from typing import Any

from flask import jsonify
from werkzeug.exceptions import HTTPException

from kampus.errors import Conflict, DomainError, NotAllowed, NotFound

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    detail: str | None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
):
    """A problem+json response (``type`` is about:blank, so ``title`` is the status's phrase)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.content_type = PROBLEM_CONTENT_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten(messages, prefix: str = "") -> list[dict]:
    """webargs/marshmallow messages ``{location: {field: [msg]}}`` as ``[{field, detail}]``."""
    found: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "path", "headers", "form"):
                found += _flatten(value, "")
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
                found += _flatten(value, name)
    elif isinstance(messages, list | tuple) and messages and all(isinstance(m, str) for m in messages):
        found += [{"field": prefix or None, "detail": m} for m in messages]
    elif isinstance(messages, list | tuple):
        for index, value in enumerate(messages):
            found += _flatten(value, f"{prefix}.{index}" if prefix else str(index))
    else:
        found.append({"field": prefix or None, "detail": str(messages)})
    return found


DETAILS = {
    400: "The request could not be understood.",
    401: "Send a valid API token: Authorization: Bearer <token>.",
    403: "This token may not do this.",
    404: "There is nothing at this address, or it is not visible to this token.",
    405: "This address does not accept this method.",
    409: "This conflicts with what is already stored.",
    413: "The request is too large.",
    415: "Send JSON (Content-Type: application/json).",
    422: "The request has invalid fields.",
    429: "Too many requests with this token in a short time. Wait a minute and try again.",
}


def from_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = None
    if status in (400, 422) and data.get("messages"):
        errors = _flatten(data["messages"])
    detail = data.get("message") or getattr(error, "api_detail", None) or DETAILS.get(status) or error.description
    headers = dict(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="kampus"')
    return problem(status, detail, errors=errors, headers=headers)


def from_domain_error(error: DomainError):
    if isinstance(error, NotFound):
        return problem(404, DETAILS[404])
    if isinstance(error, NotAllowed):
        return problem(403, error.message or DETAILS[403])
    status = 409 if isinstance(error, Conflict) else 422
    field = error.field
    errors: list[dict[str, Any]] | None = [{"field": field, "detail": error.message}] if field else None
    extra = getattr(error, "errors", None)
    if extra:
        errors = (errors or []) + [{"field": field, "detail": str(e)} for e in extra]
    return problem(status, error.message, errors=errors)


HANDLED_STATUSES = (400, 401, 403, 404, 405, 409, 413, 415, 422, 429)


def register(blueprint) -> None:
    """Answer every error of ``blueprint``'s views with a problem (the HTML pages keep theirs)."""
    for status in HANDLED_STATUSES:
        blueprint.register_error_handler(status, from_http_exception)
    blueprint.register_error_handler(DomainError, from_domain_error)
