"""Signed, expiring links: invitations and password resets.

A token carries the user's id and their fingerprint for that purpose (a digest
of their random per-user secret and password hash), signed with ``SECRET_KEY``
and a salt per purpose. Knowing ``SECRET_KEY`` is not enough to mint one: the
per-user secret never leaves the database. Once the password is set or changed,
or the secret is rotated (sign-out, deactivation), the fingerprint moves, so a
used or revoked link stops working.
"""

from __future__ import annotations

import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from kampus.auth.models import User
from kampus.extensions import db

INVITATION = "kampus-invitation"
PASSWORD_RESET = "kampus-password-reset"
PURPOSES = (INVITATION, PASSWORD_RESET)
DEFAULT_MAX_AGE = 7 * 24 * 3600  # seven days


class LinkExpired(Exception):
    """The link was genuine but is older than its lifetime."""


class LinkInvalid(Exception):
    """The link was tampered with, already used, or names nobody."""


def serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def payload_for(user: User, purpose: str) -> dict:
    return {"u": user.id, "f": user.fingerprint(purpose)}


def make_token(purpose: str, user: User) -> str:
    return serializer(purpose).dumps(payload_for(user, purpose))


def read_token(purpose: str, token: str) -> User:
    """The user the link is for. Raises :class:`LinkExpired` or :class:`LinkInvalid`."""
    max_age = current_app.config.get("SIGNED_LINK_MAX_AGE", DEFAULT_MAX_AGE)
    try:
        data = serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if not isinstance(data, dict):
        raise LinkInvalid()
    uid = data.get("u")
    user = db.session.get(User, uid) if isinstance(uid, int) and 0 < uid < 2**63 else None
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(str(data.get("f")).encode(), user.fingerprint(purpose).encode())
    ):
        raise LinkInvalid()
    if purpose == INVITATION and user.has_signed_up:
        raise LinkInvalid()
    return user
