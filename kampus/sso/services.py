"""Finding the identity provider for an address, the organisation's SSO requirement, finishing
a sign-in, managing providers, and one-time values (replay protection). Services flush only.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
from kampus.sso.models import IdentityProvider, UsedOnce, split_domains


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
        stamp = int(claims.get("exp"))
    except (TypeError, ValueError):
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
    import re

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
        if other is provider or not enabled:
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


def providers_of(organisation) -> list[IdentityProvider]:
    return list(
        db.session.scalars(
            select(IdentityProvider)
            .where(IdentityProvider.organisation_id == organisation.id)
            .order_by(IdentityProvider.name)
        )
    )
