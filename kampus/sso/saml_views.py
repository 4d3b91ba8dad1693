"""SAML 2.0 sign-in pages on the ``sso`` blueprint: start, Assertion Consumer Service, SP metadata.

* ``GET /sso/saml/metadata``: the SP's metadata for IdP administrators (stable URL, also the entity id).
* ``GET /sso/saml/<slug>/login?next=…``: a signed AuthnRequest to the provider (HTTP-Redirect).
* ``POST /sso/saml/acs``: the IdP's response (HTTP-POST). Exempt from CSRF tokens (the IdP cannot
  have one); protected instead by the signature, the audience, the validity window and
  ``InResponseTo``, which must name a request this browser started.

The pending requests (id, provider, ``next``) travel in a signed, short-lived cookie of their own
rather than in the session: the IdP's POST is a cross-site request, and the ``SameSite=Lax``
session cookie is not sent on it. That cookie is ``SameSite=None; Secure`` on an https site and
limited to ``/sso/saml/``; it is cleared once the response is used.
"""

from __future__ import annotations

import time

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kampus.errors import DomainError, NotFound
from kampus.extensions import csrf, db
from kampus.security import safe_next
from kampus.sso import saml, services
from kampus.sso.accounts import sign_in_external
from kampus.sso.views import bp

PENDING_COOKIE = "kampus_saml"
PENDING_MAX_AGE = 10 * 60  # seconds a person has at the IdP
PENDING_MAX = 3  # requests kept per browser (a second tab, a back button)
PREFIX = "/saml" if (bp.url_prefix or "").rstrip("/") == "/sso" else "/sso/saml"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kampus-saml-pending")


def _pending() -> list[dict]:
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return []
    try:
        entries = _serializer().loads(raw, max_age=PENDING_MAX_AGE)
    except BadSignature:
        return []
    now = time.time()
    return [e for e in entries if isinstance(e, dict) and now - e.get("at", 0) < PENDING_MAX_AGE][-PENDING_MAX:]


def _store_pending(response, entries: list[dict]) -> None:
    secure = current_app.config["KAMPUS_BASE_URL"].startswith("https://")
    path = f"{(bp.url_prefix or '').rstrip('/')}{PREFIX}/"
    if not entries:
        response.delete_cookie(PENDING_COOKIE, path=path, secure=secure, httponly=True)
        return
    response.set_cookie(
        PENDING_COOKIE,
        _serializer().dumps(entries[-PENDING_MAX:]),
        max_age=PENDING_MAX_AGE,
        path=path,
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )


@bp.route(f"{PREFIX}/metadata")
def saml_metadata():
    return current_app.response_class(saml.sp_metadata(), mimetype="application/samlmetadata+xml")


@bp.route(f"{PREFIX}/<slug>/login")
def saml_login(slug: str):
    try:
        provider = services.get_provider(slug, "saml")
    except NotFound:
        abort(404)
    next_url = safe_next(request.args.get("next"), "")
    try:
        location, request_id = saml.start(provider, relay_state=provider.slug)
    except saml.SamlRefused as error:
        return _refused(error)
    response = current_app.redirect(location)
    entries = _pending() + [{"id": request_id, "slug": provider.slug, "next": next_url, "at": time.time()}]
    _store_pending(response, entries)
    return response


@bp.route(f"{PREFIX}/acs", methods=["POST"])
@csrf.exempt
def saml_acs():
    saml_response = request.form.get("SAMLResponse", "")
    pending = _pending()
    in_response_to = saml.peek_in_response_to(saml_response) if saml_response else None
    entry = next((e for e in pending if e.get("id") == in_response_to), None)
    try:
        if not saml_response:
            raise saml.SamlRefused("invalid", "no SAMLResponse in the form")
        if entry is None:
            saml.refuse_replay(saml_response)  # a used response is "used", not merely "unexpected"
            raise saml.SamlRefused("unsolicited", f"InResponseTo={in_response_to!r} answers no request of this browser")
        provider = services.get_provider(entry["slug"], "saml")
        assertion = saml.finish(provider, saml_response, [entry["id"]])
        mapping = (provider.config or {}).get("attributes") or {}
        user = sign_in_external(
            provider,
            subject=assertion.subject,
            email=assertion.first(mapping.get("email")),
            # SAML has no "verified" flag: as for OIDC, an administrator who knows the IdP owns its
            # domains sets ``trust_email`` (the domains are still checked against the provider's).
            email_verified=bool((provider.config or {}).get("trust_email")),
            attributes=assertion.attributes,
            name=assertion.first(mapping.get("name")),
        )
    except saml.SamlRefused as error:
        db.session.rollback()
        return _refused(error, pending=[e for e in pending if e is not entry])
    except NotFound:
        db.session.rollback()
        abort(404)
    except DomainError as error:
        db.session.rollback()
        return _refused_page("account", _("You cannot sign in with this account"), error.message, status=403)
    db.session.commit()
    response = services.finish_sign_in(user, entry.get("next") or None)
    _store_pending(response, [e for e in pending if e is not entry])
    return response


REASONS = {
    "signature": lambda: (
        _("The sign-in response could not be trusted"),
        _(
            "Its signature is missing or does not match: the response was changed on the way or was not sent "
            "by your organisation's sign-in service. Sign in again."
        ),
    ),
    "replayed": lambda: (
        _("This sign-in response has already been used"),
        _("A sign-in response works only once. Sign in again to get a new one."),
    ),
    "expired": lambda: (
        _("The sign-in response has expired"),
        _("It is valid for a few minutes only, or the clocks disagree. Sign in again."),
    ),
    "audience": lambda: (
        _("The sign-in response was meant for another service"),
        _("Your organisation's sign-in service addressed it to another service, not to Kampus. Ask your IT support."),
    ),
    "unsolicited": lambda: (
        _("Kampus did not ask for this sign-in"),
        _(
            "Sign-in responses are accepted only for a sign-in started here, in this browser, in the last "
            "ten minutes. Start again from the Kampus sign-in page."
        ),
    ),
    "idp_status": lambda: (
        _("Your organisation's sign-in service did not sign you in"),
        _("It may have been cancelled. Sign in again, or ask your IT support."),
    ),
}


def _refused(error: saml.SamlRefused, pending: list[dict] | None = None):
    current_app.logger.info("SAML response refused: %s (%s)", error.reason, error.detail)
    title, message = REASONS.get(
        error.reason,
        lambda: (
            _("The sign-in response could not be used"),
            _("Kampus could not read the response of your organisation's sign-in service. Ask your IT support."),
        ),
    )()
    status = 502 if error.reason == "config" else 400  # the provider's settings, not the person, are wrong
    response = _refused_page(error.reason, title, message, status=status)
    if pending is not None:
        _store_pending(response, pending)
    return response


def _refused_page(reason: str, title: str, message: str, *, status: int):
    page = render_template("sso/refused.html", title=title, message=message, reason=reason)
    return current_app.make_response((page, status))
