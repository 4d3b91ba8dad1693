"""API services: tokens (create, find by secret, revoke), staff sync by e-mail
or external id, and cursor paging.

A token's secret is shown once, when it is made; only its SHA-256 hash is
stored, so a leaked database gives no usable tokens. Services flush; views
commit. Staff sync calls the organisation services (invite, deactivate), so
the rules of the manager pages hold for the API too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from kampus.api.models import SCOPES, ApiToken, StaffExternalId
from kampus.auth.models import User
from kampus.db import utcnow
from kampus.errors import Conflict, DomainError, NotFound
from kampus.extensions import db
from kampus.orgs import services as org_services
from kampus.orgs.models import Organisation

SECRET_PREFIX = "kmp_"
PREFIX_LENGTH = 12  # "kmp_" and eight characters of the secret: enough to tell tokens apart
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per token and minute


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` exists only here, shown once and never stored."""

    token: ApiToken
    secret: str


def create_token(
    *, name: str, scope: str, user: User | None = None, organisation: Organisation | None = None, created_by: User
) -> NewToken:
    """A personal (``user``) or organisation (``organisation``) token. Raises DomainError beside ``name``/``scope``."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name that says where it is used."), field="name")
    if len(name) > 100:
        raise DomainError(_("At most 100 characters."), field="name")
    if scope not in SCOPES:
        raise DomainError(_("Choose read or write."), field="scope")
    if (user is None) == (organisation is None):
        raise ValueError("a token belongs to a person or to an organisation")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        organisation=organisation,
        created_by=created_by,
        name=name,
        scope=scope,
        secret_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    return NewToken(token, secret)


def personal_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def organisation_tokens(organisation: Organisation) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def get_personal_token(user: User, token_id: int) -> ApiToken:
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound("no such token")
    return token


def get_organisation_token(organisation: Organisation, token_id: int) -> ApiToken:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.organisation_id == organisation.id)
    )
    if token is None:
        raise NotFound("no such token")
    return token


def revoke_token(token: ApiToken) -> None:
    """Revoke for good (a second revoke changes nothing)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret, else None (unknown or revoked)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def touch(token: ApiToken) -> None:
    """Record the use (to the minute, so a busy client does not write on every request)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.flush()


# --- staff sync -------------------------------------------------------------------------


def external_ids(organisation: Organisation, user_ids) -> dict[int, str]:
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    return dict(
        db.session.execute(
            select(StaffExternalId.user_id, StaffExternalId.external_id).where(
                StaffExternalId.organisation_id == organisation.id, StaffExternalId.user_id.in_(user_ids)
            )
        ).all()
    )


def find_by_external_id(organisation: Organisation, external_id: str) -> User | None:
    return db.session.scalar(
        select(User)
        .join(StaffExternalId, StaffExternalId.user_id == User.id)
        .where(StaffExternalId.organisation_id == organisation.id, StaffExternalId.external_id == external_id)
    )


def _link_external_id(organisation: Organisation, user: User, external_id: str) -> None:
    current = db.session.scalar(select(StaffExternalId).where(StaffExternalId.user_id == user.id))
    if current is not None:
        if current.external_id != external_id:
            raise Conflict(
                _("%(email)s already has the external id %(id)s.", email=user.email, id=current.external_id),
                field="external_id",
            )
        return
    db.session.add(StaffExternalId(organisation_id=organisation.id, user_id=user.id, external_id=external_id))
    db.session.flush()


@dataclass(frozen=True)
class SyncedPerson:
    user: User
    created: bool
    invitation: object | None = None


def sync_staff_member(
    organisation: Organisation,
    *,
    email: str,
    name: str = "",
    external_id: str | None = None,
    team=None,
    inviter: User | None = None,
) -> SyncedPerson:
    """Find the person by external id, then by e-mail; invite them when neither finds anyone.

    Idempotent: sending the same person twice gives the same person, created once.
    Raises :class:`Conflict` when the e-mail belongs to another organisation or the
    external id to someone else, and DomainError (``email``) for a malformed address.
    """
    external_id = (external_id or "").strip() or None
    if external_id is not None:
        user = find_by_external_id(organisation, external_id)
        if user is not None:
            return SyncedPerson(user, False)
    user = org_services.auth_services.find_user_by_email(email)
    if user is not None:
        if user.organisation_id != organisation.id:
            raise Conflict(
                _("%(email)s already has an account in another organisation.", email=user.email), field="email"
            )
        if external_id is not None:
            _link_external_id(organisation, user, external_id)
        return SyncedPerson(user, False)
    sent = org_services.invite_staff(organisation, email=email, name=name, team=team, inviter=inviter)
    if external_id is not None:
        _link_external_id(organisation, sent.user, external_id)
    return SyncedPerson(sent.user, True, sent)


# --- cursor paging ----------------------------------------------------------------------

MAX_LIMIT = 200


def encode_cursor(last_id: int) -> str:
    """An opaque cursor for "after row ``last_id``" (rows are paged by ascending id, so new
    rows land at the end and never shift a page already read)."""
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a cursor points after (0 for none). Raises DomainError beside ``cursor``."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _sep, value = text.partition(":")
        last_id = int(value)
        if version != "v1" or last_id < 0 or last_id >= 2**31:
            raise ValueError
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError(_("The cursor is not one this service gave out."), field="cursor") from None
    return last_id


def page(query, id_column, *, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """One page of ``query`` after ``cursor``, ordered by ``id_column``; returns (rows, next cursor)."""
    after = decode_cursor(cursor)
    limit = max(1, min(MAX_LIMIT, int(limit)))
    rows = list(db.session.execute(query.where(id_column > after).order_by(id_column).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else None
    return rows, (encode_cursor(_row_id(last)) if more and last is not None else None)


def _row_id(entity) -> int:
    return entity.id
