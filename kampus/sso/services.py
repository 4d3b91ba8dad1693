"""Finding the identity provider for an address, the organisation's SSO requirement, finishing
a sign-in, managing providers, and one-time values (replay protection). Services flush only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, session
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from kampus.auth.access import home_url
from kampus.auth.models import User, normalise_email
from kampus.db import utcnow
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.security import safe_next
from kampus.sso.models import OIDC_AUTH_METHODS, PROVIDER_KINDS, IdentityProvider, UsedOnce, split_domains
from kampus.sso.oidc import DEFAULT_SCOPES


def enabled_providers() -> list[IdentityProvider]:
    """Every switched-on provider, by organisation and name (the sign-in page's picker)."""
    return list(
        db.session.scalars(
            select(IdentityProvider).where(IdentityProvider.enabled.is_(True)).order_by(IdentityProvider.name)
        )
    )


def provider_for_email(email: str | None) -> IdentityProvider | None:
    """The switched-on provider whose e-mail domains hold this address's domain, else None."""
    address = normalise_email(email)
    domain = address.rpartition("@")[2]
    if "@" not in address or not domain:
        return None
    for provider in enabled_providers():
        if domain in provider.domains:
            return provider
    return None


def get_provider(slug: str, kind: str | None = None) -> IdentityProvider:
    """The switched-on provider with this slug (and kind); NotFound otherwise."""
    provider = db.session.scalar(select(IdentityProvider).where(IdentityProvider.slug == (slug or "")[:80]))
    if provider is None or not provider.enabled or (kind and provider.kind != kind):
        raise NotFound(_("There is no such sign-in service."))
    return provider


def sso_required_for(user: User) -> IdentityProvider | None:
    """The provider a person must sign in with (their organisation requires SSO), else None.
    Network administrators may always use their password."""
    if user.is_admin or user.organisation_id is None:
        return None
    return db.session.scalar(
        select(IdentityProvider)
        .where(
            IdentityProvider.organisation_id == user.organisation_id,
            IdentityProvider.enabled.is_(True),
            IdentityProvider.require_sso.is_(True),
        )
        .order_by(IdentityProvider.id)
        .limit(1)
    )


def finish_sign_in(user: User, next_url: str | None):
    """Sign ``user`` in on a fresh session (language kept), bound to their secret like a password
    sign-in, and redirect to ``next_url`` when it stays on the site (else their home page).
    The caller has committed."""
    lang = session.get("lang")
    session.clear()  # no fixation: a new session on sign-in
    if lang:
        session["lang"] = lang
    login_user(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(safe_next(next_url, home_url()))


def expiry_of(claims: dict, *, margin_seconds: int = 300) -> datetime:
    """When a token's one-time value may be forgotten: its ``exp`` plus a margin (clock skew)."""
    try:
        stamp = int(claims["exp"])
    except (KeyError, TypeError, ValueError):
        stamp = int(utcnow().replace(tzinfo=UTC).timestamp()) + 3600
    return datetime.fromtimestamp(stamp + margin_seconds, UTC).replace(tzinfo=None)


def use_once(purpose: str, value: str, expires_at: datetime) -> None:
    """Record a one-time value (a nonce, an assertion id); DomainError when it was used before.
    Expired records are swept on the way."""
    now = utcnow()
    db.session.execute(delete(UsedOnce).where(UsedOnce.expires_at < now))
    try:
        with db.session.begin_nested():
            db.session.add(UsedOnce(purpose=purpose, value=value[:255], expires_at=max(expires_at, now)))
    except IntegrityError:
        raise DomainError(_("This sign-in response has already been used.")) from None


# --- managing providers (admin page, YAML, CLI) ------------------------------------


def save_provider(
    provider: IdentityProvider | None,
    *,
    organisation,
    kind: str,
    name: str,
    slug: str,
    email_domains: str,
    config: dict,
    role_rules: list,
    require_sso: bool = False,
    enabled: bool = True,
) -> IdentityProvider:
    """Add a provider (``provider`` None) or change one. Raises DomainError (with ``field``) when the
    slug is taken or malformed, a domain is malformed or already served by another provider."""
    if kind not in PROVIDER_KINDS:
        raise DomainError(_("Choose OpenID Connect or SAML 2.0."), field="kind")
    if not (name or "").strip():
        raise DomainError(_("Enter a name people recognise, like the organisation's name."), field="name")
    slug = (slug or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", slug):
        raise DomainError(_("Use lower-case letters, digits and hyphens."), field="slug")
    taken = db.session.scalar(select(IdentityProvider).where(IdentityProvider.slug == slug))
    if taken is not None and taken is not provider:
        raise DomainError(_("The short name %(slug)s is taken.", slug=slug), field="slug")
    domains = split_domains(email_domains)
    for domain in domains:
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
            raise DomainError(
                _("%(domain)s is not a domain name like example.fi.", domain=domain), field="email_domains"
            )
    for other in db.session.scalars(select(IdentityProvider).where(IdentityProvider.enabled.is_(True))):
        if other is provider or other.organisation_id == organisation.id or not enabled:
            continue
        shared = set(domains) & set(other.domains)
        if shared:
            raise DomainError(
                _(
                    "%(domain)s is already served by %(name)s.",
                    domain=sorted(shared)[0],
                    name=other.name,
                ),
                field="email_domains",
            )
    if provider is None:
        provider = IdentityProvider(organisation=organisation, kind=kind)
        db.session.add(provider)
    provider.kind = kind
    provider.name = (name or "").strip()[:200] or slug
    provider.slug = slug
    provider.email_domains = " ".join(domains)
    provider.config = dict(config)
    provider.role_rules = list(role_rules)
    provider.require_sso = bool(require_sso)
    provider.enabled = bool(enabled)
    db.session.flush()
    return provider


def oidc_config(
    *,
    issuer: str,
    client_id: str,
    auth_method: str = "client_secret_basic",
    client_secret: str | None = None,
    private_key: str | None = None,
    scopes: str | None = None,
    email_claim: str | None = None,
    name_claim: str | None = None,
    roles_claim: str | None = None,
    trust_email: bool = False,
    previous: dict | None = None,
    allow_http: bool = False,
) -> dict:
    """An OIDC provider's ``config`` from what an administrator entered, checked. An empty secret
    or key keeps the ``previous`` one (the form never shows them again). Raises DomainError with
    the field: an issuer that is not an https URL (``allow_http``: loopback http too), no client id,
    no secret for ``client_secret_basic``, a key that is not an RSA private key in PEM for
    ``private_key_jwt``, scopes without ``openid``."""
    from urllib.parse import urlsplit

    previous = previous or {}
    issuer = (issuer or "").strip().rstrip("/")
    parts = urlsplit(issuer)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
    if not parts.netloc or not (parts.scheme == "https" or (allow_http and loopback)) or parts.query:
        raise DomainError(
            _("Enter the issuer's address, like https://login.microsoftonline.com/TENANT/v2.0."), field="issuer"
        )
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 255:
        raise DomainError(_("Enter the client id the identity provider gave."), field="client_id")
    if auth_method not in OIDC_AUTH_METHODS:
        raise DomainError(_("Choose how Kampus proves who it is."), field="auth_method")
    config: dict[str, Any] = {
        "issuer": issuer,
        "client_id": client_id,
        "auth_method": auth_method,
        "scopes": " ".join((scopes or DEFAULT_SCOPES).split()),
        "claims": {
            "email": (email_claim or "email").strip(),
            "name": (name_claim or "name").strip(),
            "roles": (roles_claim or "").strip(),
        },
        "trust_email": bool(trust_email),
    }
    if "openid" not in config["scopes"].split():
        raise DomainError(_("The scopes must include openid."), field="scopes")
    if auth_method == "client_secret_basic":
        secret = (client_secret or "").strip() or previous.get("client_secret")
        if not secret:
            raise DomainError(_("Enter the client secret."), field="client_secret")
        config["client_secret"] = secret
    else:
        key = (private_key or "").strip() or previous.get("private_key")
        if not key:
            raise DomainError(
                _("Paste the private key (PEM) whose public key the provider knows."), field="private_key"
            )
        try:
            from joserfc.jwk import RSAKey

            if not RSAKey.import_key(key).is_private:
                raise ValueError("public key")
        except Exception:  # joserfc raises several kinds for a bad key
            raise DomainError(_("This is not an RSA private key in PEM format."), field="private_key") from None
        config["private_key"] = key
    return config


def providers_of(organisation) -> list[IdentityProvider]:
    return list(
        db.session.scalars(
            select(IdentityProvider)
            .where(IdentityProvider.organisation_id == organisation.id)
            .order_by(IdentityProvider.name)
        )
    )


def get_provider_of(organisation, provider_id: int) -> IdentityProvider:
    """The organisation's provider with this id; NotFound for another organisation's."""
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or provider.organisation_id != organisation.id:
        raise NotFound(_("There is no such sign-in service."))
    return provider


def remove_provider(provider: IdentityProvider) -> None:
    """Remove a provider and the identities it vouched for (the people stay)."""
    db.session.delete(provider)
    db.session.flush()
