"""The progress export of an organisation or a team, as CSV or .xlsx.

Every person covered is listed, also those who have not started anything: one
row per module the person has progress in, one row for each of their assigned
paths they have not started (its module cells empty), or one row with the
person only when there is neither. A module row names the assigned path it
belongs to (the earliest due that requires it); path columns give its due
date and the person's deadline state on it (the one rule,
:mod:`kampus.assignments.completion`, on learner states from
:func:`kampus.progress.services.states_from_rows`), the module's progress and
how it was finished (:mod:`kampus.recognition.labels`). Headers, values and
module titles are in the reader's language.

Rows stream: the people come as one query in name order read in batches (a
server-side cursor on PostgreSQL), each batch's progress, teams and named
assignments in one query each; plans are shared between people in the same
state. Memory and queries per batch do not grow with the organisation. The
parts of a row that repeat (the person, a path and its state, a module, the
words for a status) are encoded once and shared, so the CSV is joined from
ready text (issue 19: 10,000 staff in a few seconds).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from kampus.assignments.completion import DeadlineStates, load_assignments
from kampus.assignments.services import assignments_of
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.exports import CSV_DELIMITER, csv_cell, csv_line_chunks, xlsx_chunks
from kampus.extensions import db
from kampus.orgs.models import Team, TeamMembership
from kampus.orgs.population import account_state
from kampus.progress.models import Progress
from kampus.progress.services import EMPTY_STATE, states_from_rows
from kampus.recognition.labels import how_finished
from kampus.templating import localized

#: People read at a time while an export streams (with their progress, teams and named assignments).
EXPORT_BATCH = 500

#: Called as ``progress(people done so far, people in all)`` after each batch of an export.
ProgressCallback = Callable[[int, int], None]


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


def _day(when, text: bool):
    """A timestamp as the driver gives it (ISO text on SQLite, a datetime on PostgreSQL) as the export's day."""
    if type(when) is str:
        return when[:10] if text else dt.date.fromisoformat(when[:10])
    return when.date().isoformat() if text else when.date()


def _export(organisation_id: int, team_id: int | None, *, on: dt.date | None, text: bool, part, progress):
    """The export's rows, each as five parts: person, path, module, progress words, dates and score.

    ``part(cells)`` encodes a tuple of cells; the parts that repeat are encoded once and
    shared. The dates and score are the only cells made per row: with ``text`` as one
    text ``started;finished;score`` (ISO dates and whole numbers, which
    :func:`kampus.exports.safe_cell` leaves as they are), else as a tuple of values.
    """
    deadline_words, progress_words, account_words = _labels()
    empty = "" if text else None
    modules = {
        module_id: (slug, localized(title))
        for module_id, slug, title in db.session.execute(select(Module.id, Module.slug, Module.title))
    }
    rank = {module_id: n for n, module_id in enumerate(sorted(modules, key=lambda m: modules[m][0]))}
    module_parts = {module_id: part((title, slug)) for module_id, (slug, title) in modules.items()}
    module_of_slug = {slug: module_id for module_id, (slug, _title) in modules.items()}
    assignments = load_assignments(organisation_id)
    rule = DeadlineStates(assignments, on=on)
    titles = {a.id: localized(a.template.title) for a in assignments}
    due: dict[int, object] = {a.id: a.due.isoformat() if text else a.due for a in assignments}
    order = {a.id: n for n, a in enumerate(assignments)}  # by due date
    no_path, no_module, no_words = part((empty,) * 3), part((empty,) * 2), part((empty,) * 2)
    no_dates = part((empty,) * 3)
    path_parts: dict[tuple[int, str], object] = {}
    words_parts: dict[tuple, object] = {}
    paths_of: dict[tuple[int, ...], dict[int, int]] = {}

    def paths_of_modules(mine: tuple[int, ...]) -> dict[int, int]:
        """Module id → the first of ``mine`` (assignment ids by due date) that requires it."""
        found = paths_of.get(mine)
        if found is None:
            found = paths_of[mine] = {}
            for a in reversed(mine):
                found.update((module_of_slug[s], a) for s in rule.columns(a) if s in module_of_slug)
        return found

    people = select(User.id).where(User.organisation_id == organisation_id)
    if team_id is not None:
        people = people.join(TeamMembership, TeamMembership.user_id == User.id).where(TeamMembership.team_id == team_id)
    total = (db.session.scalar(select(func.count()).select_from(people.subquery())) or 0) if progress else 0
    done = 0
    # Core rows on the session's connection (no ORM loading): the people streamed in name
    # order, each batch's progress unordered and sorted here per person (cheaper than the
    # database sorting every progress row by the person's name). The options go on the
    # statement: Connection.execution_options() would change the connection for every later statement.
    connection = db.session.connection()
    result = connection.execute(
        select(User.id, User.name, User.email, User.active, User.password_hash.is_not(None))
        .where(User.id.in_(people))
        .order_by(User.name, User.email, User.id)
        .execution_options(stream_results=True, max_row_buffer=EXPORT_BATCH)
    )
    for batch in result.partitions(EXPORT_BATCH):
        ids = [r[0] for r in batch]
        teams = defaultdict(list)
        for user_id, name in connection.execute(
            select(TeamMembership.user_id, Team.name)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(Team.organisation_id == organisation_id, TeamMembership.user_id.in_(ids))
            .order_by(Team.name)
        ):
            teams[user_id].append(name)
        on_paths = assignments_of(ids) if assignments else {}
        # The driver's own rows (DB-API tuples, the result's cursor): the bulk of the export,
        # where SQLAlchemy's row objects and timestamp parsing cost more than the rest of a row.
        result = connection.execute(
            select(
                Progress.user_id,
                Progress.module_id,
                Progress.status,
                Progress.recognised_by,
                Progress.started_at,
                Progress.finished_at,
                Progress.best_score,
            ).where(Progress.user_id.in_(ids))
        )
        own: dict[int, list] = defaultdict(list)
        for row in result.cursor.fetchall():
            own[row[0]].append(row)
        result.close()
        states = {}
        if assignments:
            states = states_from_rows((r[0], modules[r[1]][0], r[2]) for rows in own.values() for r in rows)
        days: dict = {}  # per batch, so it never grows with the export
        for user_id, name, email, active, has_password in batch:
            teams_text = "; ".join(teams[user_id])
            person = part((name, email, account_words[account_state(active, has_password)], teams_text))
            # who is on which path: the assignments' one rule (a deactivated person is on none)
            mine = tuple(sorted((a for a in on_paths.get(user_id, ()) if a in order), key=order.__getitem__))
            rows = own.get(user_id)
            if not rows and not mine:
                yield person, no_path, no_module, no_words, no_dates
                continue
            paths: dict[int, object] = {}
            path_of: dict[int, int] = {}
            if mine:
                state = states.get(user_id, EMPTY_STATE)
                for assignment_id in mine:
                    word = deadline_words.get(rule.state(assignment_id, state), "")
                    found = path_parts.get((assignment_id, word))
                    if found is None:
                        found = path_parts[(assignment_id, word)] = part(
                            (titles[assignment_id], due[assignment_id], word)
                        )
                    paths[assignment_id] = found
                path_of = paths_of_modules(mine)
            unstarted = dict(paths)
            if rows:
                rows.sort(key=lambda r: rank[r[1]])
                for _user, module_id, status, how, started, finished, score in rows:
                    path_id = path_of.get(module_id)
                    if path_id is not None:
                        unstarted.pop(path_id, None)
                    words = words_parts.get((status, how))
                    if words is None:
                        words = words_parts[(status, how)] = part(
                            (progress_words.get(status, ""), how_finished(status, how) or empty)
                        )
                    first = last = empty
                    if started:
                        first = days.get(started) or days.setdefault(started, _day(started, text))
                    if finished:
                        last = days.get(finished) or days.setdefault(finished, _day(finished, text))
                    if text:
                        dates: object = f"{first};{last};{'' if score is None else score}"
                    else:
                        dates = (first, last, score)
                    path = no_path if path_id is None else paths[path_id]
                    yield person, path, module_parts[module_id], words, dates
            for path in unstarted.values():
                yield person, path, no_module, no_words, no_dates
        if progress:
            done += len(batch)
            progress(done, total)
    if progress and not done:
        progress(0, total)


def export_rows(
    organisation_id: int,
    team_id: int | None = None,
    *,
    on: dt.date | None = None,
    progress: ProgressCallback | None = None,
):
    """The export's rows, person by person: lists of cells (text, dates, numbers or None).
    ``progress`` is told after each batch how many people are done, of how many."""
    for person, path, module, words, dates in _export(
        organisation_id, team_id, on=on, text=False, part=tuple, progress=progress
    ):
        yield [*person, *path, *module, *words, *dates]


def export_csv_chunks(organisation_id: int, team_id: int | None = None, *, progress: ProgressCallback | None = None):
    """The export as streamed CSV text (``;``, a BOM); ``progress`` as in :func:`export_rows`.
    Every cell goes through :func:`kampus.exports.csv_cell` (the spreadsheet-safety rule)."""
    join = CSV_DELIMITER.join

    def encode(cells) -> str:
        return join(map(csv_cell, cells))

    rows = _export(organisation_id, team_id, on=None, text=True, part=encode, progress=progress)
    return csv_line_chunks(export_header(), (join(row) + "\r\n" for row in rows))


def export_xlsx_chunks(organisation_id: int, team_id: int | None = None, *, progress: ProgressCallback | None = None):
    """The export as a streamed .xlsx workbook; ``progress`` as in :func:`export_rows`."""
    return xlsx_chunks(export_header(), export_rows(organisation_id, team_id, progress=progress), sheet=_("Progress"))
