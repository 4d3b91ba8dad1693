"""People: the ``users`` table.

An e-mail address is stored lower-cased so that look-ups are case-insensitive
and unique whatever the person typed. A person invited but not yet signed up
has no password hash; a deactivated person (``active`` false) cannot sign in.

Every person has a random ``secret`` of their own. Sessions, remember-me
cookies and signed links (invitation, password reset) carry a fingerprint of it,
so nobody can mint a link without it, and rotating it (sign-out, password
change or reset, deactivation) ends every session and link of that person at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from kampus.db import utcnow
from kampus.extensions import Model

if TYPE_CHECKING:
    from kampus.orgs.models import Organisation, TeamMembership


USER_LANGUAGES = ("fi", "sv", "en")
TARGET_GROUPS = ("management", "teaching", "guidance", "it", "other")


def new_user_secret() -> str:
    """32 random bytes, URL-safe: one person's key to their sessions and links."""
    return secrets.token_urlsafe(32)


def normalise_email(email: str | None) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return (email or "").strip().lower()


def fingerprint_of(secret: str, password_hash: str | None, purpose: str) -> str:
    """:meth:`User.fingerprint` from the two columns it is made of (a light read has no ``User``)."""
    material = f"{purpose}\0{secret}\0{password_hash or ''}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def session_holds(active: bool, secret: str | None, password_hash: str | None, fingerprint: str) -> bool:
    """Whether a session (or remember-me cookie) carrying ``fingerprint`` still signs its person
    in: they are active and it is their current session fingerprint (a rotated secret or a
    changed password moved it). The one rule, for Flask-Login's loader and the light read."""
    if not (active and secret):
        return False
    return hmac.compare_digest(fingerprint.encode(), fingerprint_of(secret, password_hash, "session").encode())


def parse_session_id(value: str | None) -> tuple[int, str] | None:
    """What :meth:`User.get_id` wrote (``id:fingerprint``) as ``(id, fingerprint)``, or None when
    it is not of that form (the id at most 18 digits)."""
    identifier, _sep, fingerprint = (value or "").partition(":")
    if not (identifier.isascii() and identifier.isdigit()) or len(identifier) > 18:
        return None
    return int(identifier), fingerprint


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("language IN ('fi','sv','en')", name="language"),
        CheckConstraint("target_group IN ('management','teaching','guidance','it','other')", name="target_group"),
        CheckConstraint(
            "minutes_per_week IS NULL OR (minutes_per_week > 0 AND minutes_per_week <= 2400)", name="minutes_per_week"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="fi")
    target_group: Mapped[str] = mapped_column(String(20), default="other")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret: Mapped[str] = mapped_column(String(64), default=new_user_secret)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the person's weekly study time, used by every plan of theirs (kampus.paths.services.weekly_minutes)
    minutes_per_week: Mapped[int | None] = mapped_column(Integer)
    #: Moves when anything on this person's own pages may have changed (kampus.cache keys on it).
    page_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    team_memberships: Mapped[list[TeamMembership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __init__(self, **values):
        values.setdefault("secret", new_user_secret())
        super().__init__(**values)

    @validates("email")
    def _lower_email(self, key, value):
        return normalise_email(value)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def has_signed_up(self) -> bool:
        """False while an invitation is still open (no password chosen yet)."""
        return self.password_hash is not None

    def fingerprint(self, purpose: str) -> str:
        """A digest of the per-user secret and the password hash, one per purpose (``session``,
        a link's purpose). It moves when the secret is rotated or the password changes, so
        sessions and links carrying the old one stop working; without the secret nobody can make one."""
        if not self.secret:
            raise RuntimeError("a user without a secret has no fingerprint")
        return fingerprint_of(self.secret, self.password_hash, purpose)

    def rotate_secret(self) -> None:
        """End every session, remember-me cookie and signed link of this person."""
        self.secret = new_user_secret()

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie."""
        return f"{self.id}:{self.fingerprint('session')}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class AnonymousUser(AnonymousUserMixin):
    """A visitor: no roles, no language of their own."""

    is_manager = False
    is_admin = False
    language = None
    organisation_id = None
