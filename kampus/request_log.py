"""Request logging: one line per request with method, route, status, duration
and a request id (also sent back as ``X-Request-ID``), every 5xx with its
traceback, JSON lines in production.

Secrets never reach the log: only the route's rule (``/invite/<token>``), never
the concrete path or query string, is written, and :class:`RedactingFilter`
masks anything that looks like a signed token, a password field or a link
carrying one, whatever logger the message came from.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, got_request_exception, request, session

logger = logging.getLogger("kampus.request")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# itsdangerous tokens (payload.timestamp.signature), long random strings and
# password=… fields: whatever a message holds, these are masked.
_SECRETS = (
    re.compile(r"(?i)(password|passwd|secret|token)([\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]+"),
    re.compile(r"[A-Za-z0-9_\-]{12,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{16,}"),
    re.compile(r"(/(?:invite|invitation|password/reset|reset)/)[^\s\"'?#]+"),
)


def redact(text: str) -> str:
    """``text`` with every token, password field and secret link masked."""
    text = _SECRETS[0].sub(r"\1\2[redacted]", text)
    text = _SECRETS[1].sub("[redacted]", text)
    return _SECRETS[2].sub(r"\1[redacted]", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in every record's message (installed on the root handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request fields."""

    FIELDS = ("request_id", "method", "route", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Handlers for the app: JSON lines on stderr in production, plain text otherwise."""
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("ENV_NAME") == "production":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    kampus_logger = logging.getLogger("kampus")
    if not any(getattr(h, "kampus_handler", False) for h in kampus_logger.handlers):
        handler.kampus_handler = True  # type: ignore[attr-defined]
        kampus_logger.addHandler(handler)
    kampus_logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    for existing in (app.logger, logging.getLogger()):
        for h in existing.handlers:
            if not any(isinstance(f, RedactingFilter) for f in h.filters):
                h.addFilter(RedactingFilter())
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_failed)
    got_request_exception.connect(_remember_exception, app)


def current_request_id() -> str | None:
    return g.get("request_id")


def _start() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _fields(status: int) -> dict:
    from flask_login import current_user

    started = g.get("request_started")
    user_id = None
    # A visitor's request (no user id in the session, none loaded) logs no user without loading one.
    if g.get("_login_user") is not None or "_user_id" in session:
        user_id = getattr(current_user, "id", None) if current_user and current_user.is_authenticated else None
    return {
        "request_id": g.get("request_id"),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else "(no route)",
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user_id": user_id,
    }


def _remember_exception(sender, exception, **extra) -> None:
    g.request_exception = exception


def _finish(response):
    if g.get("request_id"):
        response.headers[REQUEST_ID_HEADER] = g.request_id
        fields = _fields(response.status_code)
        g.request_logged = True
        exc = g.get("request_exception")
        level = logging.ERROR if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %sms",
            fields["method"],
            fields["route"],
            fields["status"],
            fields["duration_ms"],
            extra=fields,
            exc_info=exc if level == logging.ERROR and exc is not None else None,
        )
    return response


def _failed(exc: BaseException | None) -> None:
    if exc is not None and not g.get("request_logged"):
        fields = _fields(500)
        logger.error("%s %s failed", fields["method"], fields["route"], exc_info=exc, extra=fields)
