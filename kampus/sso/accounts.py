"""The account behind an external sign-in: found by the IdP's stable subject, linked by a
verified e-mail inside the provider's own organisation, or created just in time; roles
mapped by the provider's rules at every sign-in. Flushes only; the view commits.

One rule here for OIDC and SAML alike: the protocol code proves who the IdP says the
person is, :func:`sign_in_external` decides who that is in Kampus.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from kampus.auth.models import User, normalise_email
from kampus.auth.services import create_user, find_user_by_email
from kampus.db import utcnow
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.sso.models import MAPPABLE_ROLES, ExternalIdentity, IdentityProvider


class SignInRefused(DomainError):
    """The IdP vouched for someone Kampus will not sign in (deactivated, another organisation …)."""


def claim_values(attributes: Mapping[str, object], name: str) -> list[str]:
    """Every value of one claim or attribute: a list, a single value, or a ``;``-separated string
    (MPASSid sends multivalued roles as ``"teacher;admin"``), trimmed, empty ones dropped."""
    raw = attributes.get(name) if name else None
    if raw is None:
        return []
    items: Iterable = raw if isinstance(raw, list | tuple | set) else [raw]
    values: list[str] = []
    for item in items:
        for part in str(item).split(";"):
            part = part.strip()
            if part:
                values.append(part)
    return values


def mapped_roles(provider: IdentityProvider, attributes: Mapping[str, object]) -> set[str]:
    """The roles the provider's rules grant for these claims (values compared case-insensitively)."""
    granted: set[str] = set()
    for rule in provider.role_rules or []:
        claim = rule.get("claim") or rule.get("attribute") or ""
        wanted = str(rule.get("value", "")).strip().casefold()
        values = {value.casefold() for value in claim_values(attributes, claim)}
        if rule.get("role") in MAPPABLE_ROLES and wanted and wanted in values:
            granted.add(rule["role"])
    return granted


def _apply_roles(provider: IdentityProvider, user: User, attributes: Mapping[str, object]) -> None:
    """Roles the rules speak of follow the IdP both ways; roles no rule names stay as set in Kampus.
    Network administrators are never made (or unmade) by an IdP."""
    ruled = {rule.get("role") for rule in provider.role_rules or []} & set(MAPPABLE_ROLES)
    granted = mapped_roles(provider, attributes)
    if "manager" in ruled:
        user.is_manager = "manager" in granted


def _email_in_domains(provider: IdentityProvider, address: str) -> bool:
    domains = provider.domains
    return not domains or address.rpartition("@")[2] in domains


def sign_in_external(
    provider: IdentityProvider,
    *,
    subject: str,
    email: str | None,
    email_verified: bool,
    attributes: Mapping[str, object] | None = None,
    name: str | None = None,
) -> User:
    """The Kampus person the provider has just authenticated as ``subject``.

    1. A known subject: that person (their e-mail follows the IdP's when the new address is
       verified, in the provider's domains and free).
    2. Else a verified ``email`` of a person in the provider's organisation: linked to them.
    3. Else a new person in the provider's organisation (just in time).

    Roles named by the provider's rules are set from ``attributes`` each time. Raises
    :class:`SignInRefused` for a deactivated person, a network administrator, an address of another organisation
    (never linked across organisations), an unverified or missing address, or an address
    outside the provider's e-mail domains.
    """
    attributes = dict(attributes or {})
    subject = (subject or "").strip()
    if not subject or len(subject) > 255:
        raise SignInRefused(_("The sign-in service did not say who you are. Try again or ask your IT support."))
    address = normalise_email(email)
    now = utcnow()
    identity = db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.provider_id == provider.id, ExternalIdentity.subject == subject)
    )
    if identity is not None:
        user = identity.user
        if user.organisation_id != provider.organisation_id:
            raise SignInRefused(_("This account belongs to another organisation. Ask your organisation's manager."))
        _refuse_inactive(user)
        moved = address and email_verified and address != user.email and _email_in_domains(provider, address)
        if moved and find_user_by_email(address) is None:
            user.email = address
        identity.email = address or identity.email
        identity.last_seen_at = now
    else:
        if not address or "@" not in address:
            raise SignInRefused(_("The sign-in service did not give your e-mail address. Ask your IT support."))
        if not email_verified:
            raise SignInRefused(
                _(
                    "The sign-in service has not confirmed your e-mail address %(email)s. Ask your IT support.",
                    email=address,
                )
            )
        if not _email_in_domains(provider, address):
            raise SignInRefused(
                _("%(email)s is not an address of %(name)s.", email=address, name=provider.organisation.name)
            )
        existing = find_user_by_email(address)
        if existing is not None:
            if existing.organisation_id != provider.organisation_id:
                raise SignInRefused(
                    _(
                        "%(email)s has an account in another organisation, so it cannot be signed in through "
                        "%(name)s. Ask your organisation's manager.",
                        email=address,
                        name=provider.name,
                    )
                )
            _refuse_inactive(existing)
            user = existing
        else:
            user = create_user(address, name=(name or "").strip()[:200], organisation=provider.organisation)
        identity = ExternalIdentity(
            provider_id=provider.id, subject=subject, user=user, email=address, created_at=now, last_seen_at=now
        )
        db.session.add(identity)
    if name and not user.name:
        user.name = name.strip()[:200]
    _apply_roles(provider, user, attributes)
    db.session.flush()
    return user


def _refuse_inactive(user: User) -> None:
    """A deactivated person is refused whatever the IdP says; so is a network administrator,
    who signs in with a password (an organisation's IdP must not hold the keys to the network)."""
    if not user.active:
        raise SignInRefused(_("This account has been deactivated. Ask your organisation's manager."))
    if user.is_admin:
        raise SignInRefused(_("Administrators sign in with their password."))
