"""Identity providers of an organisation, the external identities they vouch for, and
one-time values already used (replay protection).

- :class:`IdentityProvider` — one IdP of one organisation: ``kind`` ``oidc`` or ``saml``,
  the e-mail domains it serves (``email_domains``, comma or space separated), its settings
  (``config``, JSON, see below), role rules (``role_rules``), and whether its organisation's
  staff must use it (``require_sso``).
- :class:`ExternalIdentity` — the IdP's stable subject (OIDC ``sub``, SAML NameID) bound to one
  person, so an e-mail change at the IdP does not create a second person.
- :class:`UsedOnce` — a nonce, SAML assertion id or ``InResponseTo`` already accepted; a
  second use is refused until it would have expired anyway.

``config`` for ``oidc``: ``issuer``, ``client_id``, ``client_secret``, ``scopes`` (a string),
``auth_method`` (``client_secret_basic`` or ``private_key_jwt``), ``private_key`` (PEM, for
``private_key_jwt``), ``claims`` (``{"email": "email", "name": "name", "roles": "groups"}``).
For ``saml``: ``metadata_url`` or ``metadata_xml``, ``entity_id``, ``attributes``
(``{"email": ..., "name": ..., "roles": ...}``).

``role_rules``: a list of ``{"claim": "groups", "value": "teacher-admins", "role": "manager"}``
(``attribute`` is accepted for ``claim``); a claim may hold a list or a ``;``-separated string.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.auth.models import User
    from kampus.orgs.models import Organisation

PROVIDER_KINDS = ("oidc", "saml")
OIDC_AUTH_METHODS = ("client_secret_basic", "private_key_jwt")
MAPPABLE_ROLES = ("manager",)


def split_domains(text: str | None) -> list[str]:
    """``"a.fi, b.fi c.fi"`` → ``["a.fi", "b.fi", "c.fi"]`` (lower-cased, ``@`` dropped, no repeats)."""
    seen: list[str] = []
    for part in re.split(r"[\s,;]+", (text or "").strip().lower()):
        part = part.lstrip("@")
        if part and part not in seen:
            seen.append(part)
    return seen


class IdentityProvider(Model):
    __tablename__ = "identity_providers"
    __table_args__ = (CheckConstraint("kind IN ('oidc','saml')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    email_domains: Mapped[str] = mapped_column(Text, default="")
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    role_rules: Mapped[list] = mapped_column(JSON, default=list)
    require_sso: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def domains(self) -> list[str]:
        return split_domains(self.email_domains)

    def __repr__(self) -> str:
        return f"<IdentityProvider {self.kind} {self.slug}>"


class ExternalIdentity(Model):
    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")  # as the IdP last said it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[IdentityProvider] = relationship()
    user: Mapped[User] = relationship()


class UsedOnce(Model):
    """A one-time value already accepted (``purpose`` e.g. ``oidc-nonce``, ``saml-assertion``)."""

    __tablename__ = "sso_used_once"
    __table_args__ = (UniqueConstraint("purpose", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)
