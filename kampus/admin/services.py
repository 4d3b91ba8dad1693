"""The administrators' services: who manages an organisation, and people across organisations.

An edge feature at the top (``tests/main/test_dependencies.py``): it asks the organisations'
and people's own services below it (:mod:`kampus.orgs.services`, :mod:`kampus.auth.services`)
and keeps only what no other page does. Services add and flush; the views commit.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kampus.auth import services as auth_services
from kampus.auth.models import User, normalise_email
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.orgs.models import Organisation
from kampus.orgs.services import person_matches

# --- managers (administrators appoint them) ------------------------------------------


def appoint_manager(organisation: Organisation, *, email: str, name: str = "", inviter: User | None = None):
    """Make the person with ``email`` a manager of ``organisation``; invite them when new.

    Returns the invitation (:class:`SentLink`) for a new person, else None.
    Raises DomainError beside ``email`` when they belong to another organisation.
    """
    address = normalise_email(email)
    user = auth_services.find_user_by_email(address)
    if user is None:
        user = auth_services.create_user(address, name=name, organisation=organisation, is_manager=True)
        return auth_services.send_invitation(user, inviter=inviter)
    if user.organisation_id != organisation.id:
        raise DomainError(
            _("%(email)s belongs to another organisation; a manager manages their own organisation.", email=address),
            field="email",
        )
    user.is_manager = True
    db.session.flush()
    return None


def remove_manager(organisation: Organisation, user: User) -> None:
    if user.organisation_id != organisation.id:
        raise NotFound("no such person")
    user.is_manager = False
    db.session.flush()


def managers_of(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.organisation_id == organisation.id, User.is_manager).order_by(User.name)
        )
    )


def all_users(*, search: str = "", organisation_id: int | None = None, limit: int = 500) -> list[User]:
    """People across organisations (administrators' list), with their organisation."""
    query = select(User).options(selectinload(User.organisation)).order_by(func.lower(User.name), User.email)
    if organisation_id:
        query = query.where(User.organisation_id == organisation_id)
    search = (search or "").strip()
    if search:
        query = query.where(person_matches(search))
    return list(db.session.scalars(query.limit(limit)))
