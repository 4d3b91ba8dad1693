"""The progress export of an organisation or a team, as CSV or .xlsx.

Every person covered is listed, also those who have not started anything: one
row per module the person has progress in, one row for each of their assigned
paths they have not started (its module cells empty), or one row with the
person only when there is neither. A module row names the assigned path it
belongs to (the earliest due that requires it); path columns give its due
date and the person's deadline state on it (the one rule,
:mod:`kampus.assignments.completion`), the module's progress and how it was
finished (:mod:`kampus.recognition.labels`). Headers, values and module titles
are in the reader's language.

Rows stream: the people and their progress come as one ordered query read in
batches (a server-side cursor on PostgreSQL), each batch's teams and named
assignments in one query each; plans are shared between people in the same
state. Memory and queries per batch do not grow with the organisation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from kampus.assignments.completion import DeadlineStates, load_assignments
from kampus.assignments.models import AssignmentPerson
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.exports import csv_chunks, xlsx_chunks
from kampus.extensions import db
from kampus.orgs.models import Team, TeamMembership
from kampus.orgs.population import account_state
from kampus.progress.models import SATISFIED, Progress
from kampus.progress.services import LearnerState
from kampus.recognition.labels import how_finished
from kampus.templating import localized

#: Rows fetched at a time while an export streams.
EXPORT_BATCH = 2000


def export_header() -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Account status"),
        _("Teams"),
        _("Assigned path"),
        _("Due date"),
        _("Status"),
        _("Module"),
        _("Module code"),
        _("Progress"),
        _("How finished"),
        _("Started"),
        _("Finished"),
        _("Best score (%)"),
    ]


def _labels():
    from kampus.progress.labels import deadline_labels

    return (
        deadline_labels(),
        {
            "in_progress": _("In progress"),
            "completed": _("Completed"),
            "recognised": _("Recognised"),
        },
        {"joined": _("Active"), "pending": _("Invitation pending"), "deactivated": _("Deactivated")},
    )


def _people(result):
    """The rows of the ordered people × progress query grouped per person, in lists of
    whole people of about EXPORT_BATCH rows (a person is never split between lists)."""
    held: list = []
    for batch in result.partitions(EXPORT_BATCH):
        rows = held + list(batch)
        last = rows[-1][0]
        cut = len(rows)
        while cut and rows[cut - 1][0] == last:
            cut -= 1
        if cut == 0:  # one person with more rows than a batch: keep reading
            held = rows
            continue
        held = rows[cut:]
        yield rows[:cut]
    if held:
        yield held


#: Called as ``progress(people done so far, people in all)`` after each batch of an export.
ProgressCallback = Callable[[int, int], None]


def export_rows(
    organisation_id: int,
    team_id: int | None = None,
    *,
    on: dt.date | None = None,
    text: bool = False,
    progress: ProgressCallback | None = None,
):
    """The export's rows, person by person: lists of cells (text, dates, numbers or None;
    with ``text`` dates as ISO 8601 text and None as "", as a CSV writer wants them).
    ``progress`` is told after each batch how many people are done, of how many."""
    deadline_words, progress_words, account_words = _labels()
    modules = {
        module_id: (slug, localized(title))
        for module_id, slug, title in db.session.execute(select(Module.id, Module.slug, Module.title))
    }
    assignments = load_assignments(organisation_id)
    rule = DeadlineStates(assignments, on=on)
    titles = {a.id: localized(a.template.title) for a in assignments}
    due: dict[int, object] = {a.id: a.due for a in assignments}
    requires = {a.id: frozenset(rule.columns(a.id)) for a in assignments}
    by_team = defaultdict(list)
    for a in assignments:
        if a.team_id is not None:
            by_team[a.team_id].append(a.id)
    order = {a.id: n for n, a in enumerate(assignments)}  # by due date
    finished_words: dict[tuple, str] = {}
    empty = "" if text else None
    days: dict = {}

    def day(when):
        if not when:
            return empty
        value = days.get(when)
        if value is None:
            value = days[when] = when.date().isoformat() if text else when.date()
        return value

    if text:
        due = {a.id: a.due.isoformat() for a in assignments}

    people = select(User.id).where(User.organisation_id == organisation_id)
    if team_id is not None:
        people = people.join(TeamMembership, TeamMembership.user_id == User.id).where(TeamMembership.team_id == team_id)
    total = (db.session.scalar(select(func.count()).select_from(people.subquery())) or 0) if progress else 0
    done = 0
    # Core rows on the session's connection (no ORM loading), streamed. (The
    # options go on the statement: Connection.execution_options() would change
    # the session's connection for every later statement too.)
    result = db.session.connection().execute(
        select(
            User.id,
            User.name,
            User.email,
            User.active,
            User.password_hash.is_not(None),
            Progress.module_id,
            Progress.status,
            Progress.recognised_by,
            Progress.started_at,
            Progress.finished_at,
            Progress.best_score,
        )
        .select_from(User)
        .outerjoin(Progress, Progress.user_id == User.id)
        .where(User.id.in_(people))
        .order_by(User.name, User.email, User.id)
        .execution_options(stream_results=True, max_row_buffer=EXPORT_BATCH)
    )
    for rows in _people(result):
        ids = {r[0] for r in rows}
        teams, team_ids = defaultdict(list), defaultdict(list)
        for user_id, tid, name in db.session.execute(
            select(TeamMembership.user_id, Team.id, Team.name)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(Team.organisation_id == organisation_id, TeamMembership.user_id.in_(ids))
            .order_by(Team.name)
        ):
            teams[user_id].append(name)
            team_ids[user_id].append(tid)
        named = defaultdict(list)
        if assignments:
            for user_id, assignment_id in db.session.execute(
                select(AssignmentPerson.user_id, AssignmentPerson.assignment_id).where(
                    AssignmentPerson.user_id.in_(ids), AssignmentPerson.assignment_id.in_(list(order))
                )
            ):
                named[user_id].append(assignment_id)
        grouped: dict[int, list] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row)
        for user_id, own in grouped.items():
            name, email, active, has_password = own[0][1:5]
            person = [name, email, account_words[account_state(active, has_password)], "; ".join(teams[user_id])]
            own = sorted((r for r in own if r[5] is not None), key=lambda r: modules[r[5]][0])
            mine: list[int] = []
            if active:  # a deactivated person is no assignment's any more
                mine = sorted(
                    {a for t in team_ids[user_id] for a in by_team.get(t, ())} | set(named[user_id]),
                    key=order.__getitem__,
                )
            if not own and not mine:
                yield person + [empty] * 10
                continue
            states: dict[int | None, str] = {}
            if mine:
                state = LearnerState(
                    frozenset(modules[r[5]][0] for r in own if r[6] in SATISFIED),
                    frozenset(modules[r[5]][0] for r in own if r[6] not in SATISFIED),
                )
                states = {a: deadline_words.get(rule.state(a, state), "") for a in mine}
            unstarted: dict[int | None, None] = dict.fromkeys(mine)
            for _id, _n, _e, _a, _p, module_id, status, how, started, finished, score in own:
                slug, title = modules[module_id]
                path_id = next((a for a in mine if slug in requires[a]), None)
                unstarted.pop(path_id, None)
                words = finished_words.get((status, how))
                if words is None:
                    words = finished_words[(status, how)] = how_finished(status, how) or empty  # type: ignore[assignment]
                yield person + [
                    titles[path_id] if path_id else empty,
                    due[path_id] if path_id else empty,
                    states[path_id] if path_id else empty,
                    title,
                    slug,
                    progress_words.get(status, ""),
                    words,
                    day(started),
                    day(finished),
                    empty if score is None else score,
                ]
            for path_id in unstarted:
                if path_id is not None:
                    yield person + [titles[path_id], due[path_id], states[path_id]] + [empty] * 7
        if progress:
            done += len(grouped)
            progress(done, total)
    if progress and not done:
        progress(0, total)


def export_csv_chunks(organisation_id: int, team_id: int | None = None, *, progress: ProgressCallback | None = None):
    """The export as streamed CSV text (``;``, a BOM); ``progress`` as in :func:`export_rows`."""
    return csv_chunks(export_header(), export_rows(organisation_id, team_id, text=True, progress=progress))


def export_xlsx_chunks(organisation_id: int, team_id: int | None = None, *, progress: ProgressCallback | None = None):
    """The export as a streamed .xlsx workbook; ``progress`` as in :func:`export_rows`."""
    return xlsx_chunks(export_header(), export_rows(organisation_id, team_id, progress=progress), sheet=_("Progress"))
