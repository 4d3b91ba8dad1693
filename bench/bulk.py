"""Bulk inserts of an organisation's people, teams, memberships and assignments for the benchmarks.

``bench/pages.py`` (one comparison organisation) and ``bench/national.py`` (77
organisations and a 10,000-staff one) build their organisations with these, in
SQLAlchemy core ``executemany`` batches on ``db.session`` or its connection
(anything with ``execute`` and ``scalars``). Everyone shares one password
hash. The random due dates are drawn from the caller's ``rng`` in team order,
so a seed gives the same dataset as before the builders were shared.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence

BATCH = 20_000


def person_row(
    email: str, name: str, *, org_id: int | None, password_hash: str, now: dt.datetime, manager=False, admin=False
) -> dict:
    """One ``users`` row: a manager or administrator is in the management target group, staff in teaching."""
    return {
        "email": email,
        "name": name,
        "password_hash": password_hash,
        "language": "fi",
        "target_group": "management" if manager or admin else "teaching",
        "organisation_id": org_id,
        "is_manager": manager,
        "is_admin": admin,
        "active": True,
        "created_at": now,
    }


def insert_people(
    conn, org_id: int, manager: tuple[str, str], staff: Iterable[tuple[str, str]], *, password_hash: str, now
) -> tuple[int, list[int]]:
    """The organisation's manager (``(email, name)``) and its staff (``(email, name)`` each).

    Returns the manager's id and the staff's ids in order."""
    from sqlalchemy import insert, select

    from kampus.auth.models import User

    rows = [person_row(*manager, org_id=org_id, password_hash=password_hash, now=now, manager=True)]
    rows += [person_row(email, name, org_id=org_id, password_hash=password_hash, now=now) for email, name in staff]
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(User), rows[start : start + BATCH])
    staff_ids = list(
        conn.scalars(
            select(User.id).where(User.organisation_id == org_id, User.is_manager.is_(False)).order_by(User.id)
        )
    )
    manager_id = conn.scalar(select(User.id).where(User.email == manager[0]))
    return manager_id, staff_ids


def insert_teams(conn, org_id: int, names: Sequence[str], now) -> list[int]:
    """Teams of these names; returns their ids in the order of their names."""
    from sqlalchemy import insert, select

    from kampus.orgs.models import Team

    conn.execute(insert(Team), [{"organisation_id": org_id, "name": name, "created_at": now} for name in names])
    return list(conn.scalars(select(Team.id).where(Team.organisation_id == org_id).order_by(Team.name)))


def insert_team(conn, org_id: int, name: str, user_ids: Sequence[int], now) -> int:
    """One more team holding ``user_ids``; returns its id."""
    from sqlalchemy import insert

    from kampus.orgs.models import Team

    team_id = conn.execute(
        insert(Team).values(organisation_id=org_id, name=name, created_at=now).returning(Team.id)
    ).scalar_one()
    insert_memberships(conn, [(team_id, user_id) for user_id in user_ids], now)
    return team_id


def fill_teams(team_ids: Sequence[int], user_ids: Sequence[int], per_team: int) -> list[tuple[int, int]]:
    """``(team_id, user_id)`` pairs: the people in order, ``per_team`` to a team."""
    return [(team_ids[i // per_team], user_id) for i, user_id in enumerate(user_ids)]


def insert_memberships(conn, pairs: Sequence[tuple[int, int]], now) -> None:
    from sqlalchemy import insert

    from kampus.orgs.models import TeamMembership

    rows = [{"team_id": team_id, "user_id": user_id, "created_at": now} for team_id, user_id in pairs]
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(TeamMembership), rows[start : start + BATCH])


def assignment_row(org_id: int, template_id: int, team_id: int, created_by_id: int, now, due: dt.date) -> dict:
    """A team's assignment of the template, started 60 days ago."""
    return {
        "organisation_id": org_id,
        "template_id": template_id,
        "team_id": team_id,
        "start": now.date() - dt.timedelta(days=60),
        "due": due,
        "note": "",
        "created_by_id": created_by_id,
        "created_at": now,
    }


def insert_assignments(
    conn, org_id: int, template_id: int, created_by_id: int, team_ids: Sequence[int], now, rng: random.Random
) -> None:
    """One assignment of the template per team, each due 20 days ago to 120 days ahead (drawn from ``rng``)."""
    from sqlalchemy import insert

    from kampus.assignments.models import Assignment

    today = now.date()
    conn.execute(
        insert(Assignment),
        [
            assignment_row(
                org_id, template_id, team_id, created_by_id, now, today + dt.timedelta(days=rng.randint(-20, 120))
            )
            for team_id in team_ids
        ],
    )


def insert_assignment(conn, org_id: int, template_id: int, created_by_id: int, team_id: int, now, due: dt.date):
    from sqlalchemy import insert

    from kampus.assignments.models import Assignment

    conn.execute(insert(Assignment).values(**assignment_row(org_id, template_id, team_id, created_by_id, now, due)))
