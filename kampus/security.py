"""Security helpers: response headers and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

SECRET_LINK_ENDPOINTS = frozenset({"auth.accept_invitation", "auth.reset_password"})


def apply_security_headers(response):
    """Add the Content-Security-Policy (no inline scripts or styles) and friends to every response.

    Production adds HSTS (``HSTS_MAX_AGE``). Every response to a signed-in person,
    and every page of the sign-in, invitation and password blueprint, is
    ``Cache-Control: no-store``: a shared computer's cache or a proxy keeps none
    of it. Fingerprinted static files keep their long cache.
    """
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint in SECRET_LINK_ENDPOINTS:  # the token is in the path: never send it as a Referer
        response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    max_age = current_app.config.get("HSTS_MAX_AGE")
    if max_age:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={int(max_age)}; includeSubDomains")
    if request.endpoint != "static" and (request.blueprint in ("auth", "sso") or _signed_in()):
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def untrusted_host(error):
    """A request naming a host outside ``TRUSTED_HOSTS``: a plain 400. No page can be built
    (URLs for such a host are refused), and nothing of the request is echoed."""
    return "Bad request: unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def _signed_in() -> bool:
    return signed_in_cheaply()


def signed_in_cheaply() -> bool:
    """Whether the request is a signed-in person's, without loading anyone: the user Flask-Login
    already loaded for this request, else whether the session names one (``_user_id``).

    A session naming a user who can no longer be loaded counts as signed in, which only errs
    towards ``no-store``. Visitors' requests (most cached pages) never load a user for this.
    """
    from flask import g, session

    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def is_safe_next(target: str | None) -> bool:
    """True when ``target`` is a path on this site (no scheme, no host, no ``//`` or backslash tricks)."""
    if not target or not isinstance(target, str):
        return False
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it stays on the site, else ``fallback``."""
    return target.strip() if target is not None and is_safe_next(target) else fallback
