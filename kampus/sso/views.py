"""Single sign-on routes on the ``sso`` blueprint (``/sso``).

- ``/sso/<slug>/start`` — the picker's and the e-mail-first form's door: sends the browser on
  to the provider's protocol (``oidc_login`` here, ``saml_login`` in :mod:`kampus.sso.saml_views`).
- ``/sso/oidc/<slug>/login`` and ``/sso/oidc/<slug>/callback`` — OpenID Connect
  (:mod:`kampus.sso.oidc`). The redirect URI to register at the IdP is
  ``KAMPUS_BASE_URL/sso/oidc/<slug>/callback``.

A refused callback (replayed, expired, cancelled, unverifiable, an account Kampus will not
sign in) gets :func:`refused_page`, never a 500. Views commit; services flush.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from kampus.auth.models import normalise_email
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.links import external_url
from kampus.security import safe_next
from kampus.sso import oidc, services
from kampus.sso.accounts import claim_values, sign_in_external

bp = Blueprint("sso", __name__, url_prefix="/sso")
log = logging.getLogger("kampus.sso")

PENDING_KEY = "sso_oidc_pending"
MAX_PENDING = 3  # sign-ins started in other tabs; the oldest is dropped


def refused_page(reason: str, message: str | None = None, status: int = 400):
    """The page for a refused sign-in: what happened and what to do. ``reason`` is one of
    ``replayed``, ``expired``, ``denied``, ``invalid``, ``unavailable``, ``account``."""
    titles = {
        "replayed": _("This sign-in has already been used"),
        "expired": _("The sign-in took too long"),
        "denied": _("The sign-in was cancelled"),
        "invalid": _("The sign-in could not be verified"),
        "unavailable": _("The sign-in service cannot be reached"),
        "account": _("You cannot sign in with this account"),
    }
    messages = {
        "replayed": _("The answer from the sign-in service was already used once. Sign in again from the start."),
        "expired": _("Sign-ins must be finished within ten minutes. Sign in again from the start."),
        "denied": _("The sign-in service did not sign you in. Sign in again, or ask your IT support."),
        "invalid": _(
            "The answer from the sign-in service did not pass Kampus's checks, so nobody was signed in. "
            "Sign in again; if this happens again, ask your IT support."
        ),
        "unavailable": _("Try again in a moment. If this goes on, ask your IT support."),
    }
    return render_template(
        "sso/refused.html",
        title=titles.get(reason, titles["invalid"]),
        message=message or messages.get(reason, messages["invalid"]),
        reason=reason,
    ), status


@bp.get("/<slug>/start")
def start(slug: str):
    """Send the browser to the provider's own protocol, ``next`` kept when it stays on the site and
    ``login_hint`` (the address typed on the sign-in page) passed on for the IdP to fill in."""
    try:
        provider = services.get_provider(slug)
    except NotFound:
        abort(404)
    next_url = safe_next(request.args.get("next"), "") or None
    endpoint = {"oidc": "sso.oidc_login", "saml": "sso.saml_login"}.get(provider.kind)
    if endpoint not in current_app.view_functions:
        abort(404)
    hint = normalise_email(request.args.get("login_hint"))[:254] or None
    return redirect(url_for(endpoint, slug=provider.slug, next=next_url, login_hint=hint))


# --- OpenID Connect ----------------------------------------------------------------


def _redirect_uri(provider) -> str:
    return external_url("sso.oidc_callback", slug=provider.slug)


@bp.get("/oidc/<slug>/login")
def oidc_login(slug: str):
    try:
        provider = services.get_provider(slug, "oidc")
    except NotFound:
        abort(404)
    next_url = safe_next(request.args.get("next"), "") or None
    try:
        hint = normalise_email(request.args.get("login_hint"))[:254] or None
        url, pending = oidc.begin(provider.slug, provider.config, _redirect_uri(provider), next_url, login_hint=hint)
    except oidc.OidcRefused as refusal:
        log.warning("oidc %s: %s", provider.slug, refusal)
        return refused_page("unavailable", status=502)
    started = [item for item in session.get(PENDING_KEY, []) if isinstance(item, dict)][-(MAX_PENDING - 1) :]
    session[PENDING_KEY] = [*started, pending.to_dict()]
    return redirect(url)


def _take_pending(state: str) -> oidc.Pending | None:
    """The pending request for ``state``, removed so that a second callback finds nothing."""
    pending = session.get(PENDING_KEY, [])
    found = next((item for item in pending if isinstance(item, dict) and item.get("state") == state), None)
    if found is not None:
        session[PENDING_KEY] = [item for item in pending if item is not found]
        return oidc.Pending.from_dict(found)
    return None


@bp.get("/oidc/<slug>/callback")
def oidc_callback(slug: str):
    try:
        provider = services.get_provider(slug, "oidc")
    except NotFound:
        abort(404)
    pending = _take_pending(str(request.args.get("state", ""))[:200])
    if pending is not None and pending.provider != provider.slug:
        return refused_page("invalid")
    try:
        claims = oidc.complete(provider.config, pending, request.args.to_dict(), _redirect_uri(provider))
        assert pending is not None  # complete() refuses a callback without a pending request
        services.use_once("oidc-nonce", f"{provider.id}:{pending.nonce}", services.expiry_of(claims))
    except oidc.OidcRefused as refusal:
        log.warning("oidc %s refused: %s", provider.slug, refusal)
        db.session.rollback()
        return refused_page(refusal.reason, status=502 if refusal.reason == "unavailable" else 400)
    except DomainError:
        db.session.rollback()
        return refused_page("replayed")
    mapping = {"email": "email", "name": "name", **(provider.config.get("claims") or {})}
    roles_claim = mapping.get("roles")
    attributes = dict(claims)
    if roles_claim:
        attributes[roles_claim] = claim_values(claims, roles_claim)
    email_claim = mapping["email"]
    email = (claim_values(claims, email_claim) or [""])[0]
    # Entra ID and MPASSid send no ``email_verified``: an administrator who knows the IdP owns its
    # domains sets ``trust_email`` (the domains are still checked against the provider's).
    verified = claims.get("email_verified") in (True, "true") or bool(provider.config.get("trust_email"))
    try:
        user = sign_in_external(
            provider,
            subject=str(claims.get("sub", "")),
            email=email,
            email_verified=verified,
            attributes=attributes,
            name=(claim_values(claims, mapping["name"]) or [""])[0],
        )
    except DomainError as error:
        db.session.rollback()
        return refused_page("account", error.message, status=403)
    db.session.commit()
    return services.finish_sign_in(user, pending.next_url)
