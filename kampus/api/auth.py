"""Who is calling: the bearer token of the request, and the access helpers of the API.

The API never looks at the session: a request is anonymous unless it sends
``Authorization: Bearer <token>``, so a signed-in browser's cookie can neither
read private data nor write through the API (the blueprint is exempt from CSRF
because nothing here trusts cookies). Same rules as the pages:

- :func:`require_person` — a personal token; its owner's own data only;
- :func:`require_manager` — a manager's personal token or an organisation
  token; returns the organisation, through which everything is loaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NoReturn

from flask import abort, g, request
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized

from kampus.api import services
from kampus.api.models import ApiToken
from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import Organisation

READ_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Caller:
    """The token of the request and who it speaks for."""

    token: ApiToken
    person: User | None  # the owner of a personal token
    organisation: Organisation | None  # the organisation it may manage, if any

    @property
    def acting_user(self) -> User | None:
        """Who the audit trail names: the person, or the manager who made the organisation token."""
        return self.person or self.token.created_by


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        _refuse(401, "The Authorization header must be: Bearer <token>.")
    return value.strip()


def _refuse(status: int, detail: str) -> NoReturn:
    error: HTTPException = Unauthorized() if status == 401 else Forbidden()
    error.api_detail = detail  # type: ignore[attr-defined]  # read by the API's error handler
    raise error


def rate_limit_key() -> str:
    """Flask-Limiter's key: the token (its hash, never the secret), else the client address."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api-token:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()
    return "api-ip:" + (request.remote_addr or "?")


def load_caller() -> None:
    """Before every API request: find the token (401 for an unknown, revoked or malformed one)
    and refuse writes without a write-scoped token (401 without a token, 403 with a read one)."""
    g.api_caller = None
    secret = _bearer()
    if secret is not None:
        token = services.find_token(secret)
        if token is None:
            _refuse(401, "The token is unknown or has been revoked.")
        if token.user_id is not None:
            person = token.user
            if person is None or not person.active:
                _refuse(401, "The token's owner can no longer sign in.")
            organisation = person.organisation if person.is_manager else None
            g.api_caller = Caller(token, person, organisation)
        else:
            g.api_caller = Caller(token, None, token.organisation)
        services.touch(token)
        db.session.commit()
    if request.method not in READ_METHODS:
        caller = g.api_caller
        if caller is None:
            _refuse(401, "Writing needs a token with the write scope.")
        if caller.token.scope != "write":
            _refuse(403, "This token may only read; make a token with the write scope.")


def caller() -> Caller:
    """The calling token; 401 without one."""
    found = g.get("api_caller")
    if found is None:
        _refuse(401, "Send a valid API token: Authorization: Bearer <token>.")
    return found


def require_person() -> User:
    """The person of a personal token; 403 for an organisation token."""
    found = caller()
    if found.person is None:
        _refuse(403, "An organisation token has no person of its own; use a personal token.")
    return found.person


def require_manager() -> Organisation:
    """The organisation this token manages; 403 for a learner's token."""
    found = caller()
    if found.organisation is None:
        _refuse(403, "Only a manager's token or an organisation token may do this.")
    return found.organisation


def checked_id(value: int) -> int:
    """A path id within the database's integer range (others name nothing: 404)."""
    if not 0 < value < 2**31:
        abort(404)
    return value
