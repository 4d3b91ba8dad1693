"""The staff import writes a batch of rows together: the reads and savepoints do not grow with the
rows, and when the batch meets a unique address or membership written meanwhile (the same file
confirmed twice at once) it is written again row by row, with the same result as the rows alone."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from kampus.auth import services as auth_services
from kampus.auth.models import User
from kampus.errors import NotFound
from kampus.extensions import db
from kampus.orgs import services, staff_import
from kampus.orgs.models import TeamMembership


def file_of(count: int, prefix: str, *, known: str | None = None) -> bytes:
    lines = ["name;email;team"] + [f"Uusi {n};{prefix}{n}@example.fi;Tiimi A" for n in range(count)]
    if known:
        lines.append(f"Tuttu;{known};Tiimi A")
    return ("\n".join(lines) + "\n").encode()


def statements(app, work) -> Counter:
    kinds: Counter = Counter()

    def hook(conn, cursor, statement, parameters, context, executemany):
        kinds[statement.split(None, 1)[0].upper()] += 1

    event.listen(db.engine, "before_cursor_execute", hook)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", hook)
    return kinds


def test_the_reads_and_savepoints_of_an_import_do_not_grow_with_its_rows(app, world):
    def counted(count: int, prefix: str) -> Counter:
        preview = staff_import.read_staff_csv(file_of(count, prefix, known=world.learner_a.email), world.org_a)
        assert len(preview.valid_rows) == count + 1
        found = statements(app, lambda: staff_import.apply_staff_import(world.org_a, preview))
        db.session.rollback()
        return found

    counted(2, "lammin")
    small, big = counted(5, "pieni"), counted(40, "iso")
    assert big["SELECT"] == small["SELECT"] and big["SAVEPOINT"] == small["SAVEPOINT"] == 1, (small, big)


def test_a_batch_that_meets_a_unique_row_is_written_row_by_row_with_the_same_result(app, world, monkeypatch):
    data = file_of(6, "kaksi", known=world.learner_a.email)
    preview = staff_import.read_staff_csv(data, world.org_a)
    together = staff_import.apply_staff_import(world.org_a, preview)
    expected = (len(together.created), together.memberships_added, together.already_present)
    assert expected == (6, 6, 1)
    db.session.rollback()

    real = staff_import._apply_together

    def conflicting(*args):
        real(*args)  # written, then the savepoint fails as on another request's address
        raise IntegrityError("INSERT INTO users", {}, Exception("UNIQUE constraint failed: users.email"))

    monkeypatch.setattr(staff_import, "_apply_together", conflicting)
    alone = staff_import.apply_staff_import(world.org_a, staff_import.read_staff_csv(data, world.org_a))
    assert (len(alone.created), alone.memberships_added, alone.already_present) == expected
    people = select(func.count()).select_from(User).where(User.email.like("kaksi%"))
    assert db.session.scalar(people) == 6
    members = select(func.count()).select_from(TeamMembership).where(TeamMembership.team_id == world.team_a.id)
    assert db.session.scalar(members) == 7  # learner_a, who was there, and the six new people


def test_new_people_are_invited_people_of_the_organisation(app, world):
    result = staff_import.apply_staff_import(world.org_a, staff_import.read_staff_csv(file_of(2, "uusi"), world.org_a))
    for user in result.created:
        assert user.organisation_id == world.org_a.id and user.password_hash is None and user.active
        assert not user.is_manager and not user.is_admin and user.target_group == "other"
        assert user.language == (world.org_a.content_language or "fi") and user.name.startswith("Uusi ")


def test_the_batch_of_memberships_keeps_the_rule_of_one_membership(app, world):
    new = auth_services.new_user("tuore@example.fi", organisation=world.org_a)  # not flushed yet
    pairs = [(world.team_a, world.learner_a), (world.team_a, world.other_a), (world.team_a, new), (world.team_a, new)]
    reads: list[str] = []

    def hook(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT") and "FROM team_memberships" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", hook)
    try:
        added = services.add_members(world.org_a, pairs)
    finally:
        event.remove(db.engine, "before_cursor_execute", hook)
    assert added == 2  # learner_a was there; the repeated new person is added once
    assert len(reads) == 1, reads  # the memberships already there, of the people already there, at once
    assert services.add_members(world.org_a, [(world.team_a, new)]) == 0
    members = select(TeamMembership.user_id).where(TeamMembership.team_id == world.team_a.id)
    assert sorted(db.session.scalars(members)) == sorted([world.learner_a.id, world.other_a.id, new.id])
    assert services.add_members(world.org_a, []) == 0


def test_the_batch_of_memberships_refuses_another_organisations_team_or_person_before_adding_any(app, world):
    before = db.session.scalar(select(func.count()).select_from(TeamMembership))
    with pytest.raises(NotFound):
        services.add_members(world.org_a, [(world.team_a, world.other_a), (world.team_a, world.learner_b)])
    with pytest.raises(NotFound):
        services.add_members(world.org_a, [(world.team_b, world.learner_a)])
    assert db.session.scalar(select(func.count()).select_from(TeamMembership)) == before
