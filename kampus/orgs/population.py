"""Who counts as an organisation's staff in every figure: the one definition.

A person has **joined** when they have set a password (they signed in, or
could, at least once) and have not been deactivated. People invited but not
yet joined are **pending** and counted apart; deactivated people are neither.
The capability radar, the overview's head counts, the admins' network overview
and the assignment figures all ask these expressions, so a percentage means the
same on every page.

(A sign-in without a password, e.g. through single sign-on, should mark the
person joined here too: this is the one place to change.)
"""

from __future__ import annotations

from sqlalchemy import and_

from kampus.auth.models import User

JOINED, PENDING, DEACTIVATED = "joined", "pending", "deactivated"


def joined():
    """SQL condition: the person is part of the staff figures (joined, not deactivated)."""
    return and_(User.active.is_(True), User.password_hash.is_not(None))


def pending():
    """SQL condition: invited, not deactivated, not yet joined."""
    return and_(User.active.is_(True), User.password_hash.is_(None))


def account_state(active: bool, has_password: bool) -> str:
    """The same rule for one person already loaded: ``joined``, ``pending`` or ``deactivated``."""
    if not active:
        return DEACTIVATED
    return JOINED if has_password else PENDING
