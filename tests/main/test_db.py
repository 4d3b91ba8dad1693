"""One transaction per request, also on SQLite: a savepoint never commits early."""

from __future__ import annotations

from sqlalchemy import func, select

from kampus.extensions import db
from kampus.orgs.models import Organisation


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_a_savepoint_as_the_first_write_is_undone_by_the_outer_rollback(empty_app):
    before = _count()
    db.session.rollback()
    with db.session.begin_nested():
        db.session.add(Organisation(slug="savepoint-first", name="Savepoint First"))
    db.session.rollback()
    assert _count() == before


def test_a_savepoint_then_commit_keeps_the_row(empty_app):
    db.session.rollback()
    with db.session.begin_nested():
        db.session.add(Organisation(slug="savepoint-kept", name="Savepoint Kept"))
    db.session.commit()
    assert db.session.scalar(select(Organisation.slug).where(Organisation.slug == "savepoint-kept"))
