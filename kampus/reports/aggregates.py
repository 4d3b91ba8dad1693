"""The overview figures cached per organisation, keyed by a version that moves on writes.

Every organisation has a ``report_version``. A flush that adds, changes or
removes a row the overview reads (progress, learning events, self-assessments,
people, assignments) notes the organisations concerned; their versions move by
one as the last statement before the commit, in the same transaction (so no
change is committed without its bump, and the organisation's row is locked
only for the moment of the commit, not while the request runs; several
organisations are updated in id order, so two commits cannot deadlock on them). The manager's overview and
the admins' network overview read ``organisations.report_version`` with the
organisation they load anyway, and reuse the figures computed for that
(organisation, version, catalogue version, day) in this process; only
organisations whose version moved are computed again (a network overview after
one learner's change recomputes one organisation, not 77).

Big organisations' figures are not computed on the request at all: a task keeps
them in ``report_snapshots`` (kampus.reports.snapshots), queued after a commit
that moves the organisation's version.

Why not a summary table maintained on write: the capability share needs "every
basic module of a theme", which changes when the catalogue does, and the trend
is per month end; keeping those exact per write means re-deriving them from the
logs anyway. A version costs one integer per organisation and keeps one
definition of the figures (``kampus.reports.capability``).

Bulk loads through SQLAlchemy core (``bench/``, direct SQL) bypass the ORM and
do not move versions; :data:`MAX_AGE` bounds how stale a figure can get then.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar, cast

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

#: Seconds a cached figure is trusted even if no version moved.
MAX_AGE = 300
#: Entries kept per process (each is one organisation's figures).
MAX_ENTRIES = 512

T = TypeVar("T")

_cache: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
_lock = threading.Lock()


def cached(key: tuple, compute):
    """``compute()`` for ``key``, reused while the key holds and for at most MAX_AGE seconds."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < MAX_AGE:
            _cache.move_to_end(key)
            return hit[1]
    value = compute()
    with _lock:
        _cache[key] = (now, value)
        _cache.move_to_end(key)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value


def cached_many(keys: dict[int, tuple], compute_missing: Callable[[list[int]], dict[int, T]]) -> dict[int, T]:
    """Per id: the cached value under ``keys[id]``; ``compute_missing(ids)`` → {id: value} for the rest."""
    now = time.monotonic()
    found: dict[int, T] = {}
    missing: list[int] = []
    with _lock:
        for ident, key in keys.items():
            hit = _cache.get(key)
            if hit is not None and now - hit[0] < MAX_AGE:
                # what is under a key was made by the same compute_missing (the key names the kind)
                found[ident] = cast("T", hit[1])
            else:
                missing.append(ident)
    if missing:
        computed = compute_missing(missing)
        with _lock:
            for ident in missing:
                _cache[keys[ident]] = (now, computed[ident])
            while len(_cache) > MAX_ENTRIES:
                _cache.popitem(last=False)
        found.update(computed)
    return found


def clear() -> None:
    with _lock:
        _cache.clear()


# --- moving the versions ----------------------------------------------------------

_PENDING = "kampus_report_orgs"


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """(organisation ids, user ids) of the rows in this flush that the overview reads."""
    from kampus.assignments.models import Assignment
    from kampus.auth.models import User
    from kampus.progress.models import LearningEvent, Progress, SelfAssessment

    orgs, users = set(), set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Progress, LearningEvent, SelfAssessment)):
            if obj.user_id is not None:
                users.add(obj.user_id)
        elif isinstance(obj, (User, Assignment)) and obj.organisation_id is not None:
            orgs.add(obj.organisation_id)
    return orgs, users


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context):
    orgs, users = _touched(session)
    if users:
        from kampus.auth.models import User

        orgs |= {
            o
            for o in session.connection().scalars(
                select(User.organisation_id).where(User.id.in_(list(users)), User.organisation_id.is_not(None))
            )
        }
    if orgs:
        session.info.setdefault(_PENDING, set()).update(orgs)


@event.listens_for(Session, "before_commit")
def _bump_versions(session):
    session.flush()  # what commit would flush next, so that its organisations are noted too
    orgs = session.info.pop(_PENDING, None)
    if not orgs:
        return
    from kampus.orgs.models import Organisation
    from kampus.reports.snapshots import note_bumped

    note_bumped(session, orgs)  # their snapshots are refreshed after the commit

    session.connection().execute(
        update(Organisation)
        .where(Organisation.id.in_(sorted(orgs)))
        .values(report_version=Organisation.report_version + 1)
    )


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_PENDING, None)
