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


def test_side_effects_wait_for_the_real_commit_and_are_dropped_by_a_rollback(empty_app):
    from kampus.db import cancel_on_commit, on_commit

    ran: list[list] = []
    session = db.session()
    db.session.rollback()
    with db.session.begin_nested():
        db.session.add(Organisation(slug="after-commit", name="After Commit"))
        on_commit(session, ran.append, 1)
    on_commit(session, ran.append, 2, 3)
    assert ran == []  # the savepoint's release is no commit
    db.session.commit()
    assert ran == [[1, 2, 3]]  # once, with every item in order
    db.session.commit()
    assert ran == [[1, 2, 3]]  # and not again
    on_commit(session, ran.append, 4)
    db.session.add(Organisation(slug="rolled-back", name="Rolled Back"))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert ran == [[1, 2, 3]]  # work that was not saved has no side effect
    on_commit(session, ran.append, 5)
    assert cancel_on_commit(session, ran.append) == [5]
    db.session.commit()
    assert ran == [[1, 2, 3]]
