"""Importing staff from CSV: read and check every row first (the preview), then
write all valid rows at once.

The file has the columns ``name,email,team`` (Finnish and Swedish headings
are understood too), UTF-8 with or without a byte-order mark, separated by
commas or semicolons (Excel in Finland saves with semicolons). Importing the
same file twice changes nothing the second time: people already in the
organisation are matched by e-mail, memberships by team and person.

The new people's invitations go by mail through the outbox, in the import's
transaction. Without a mail server the importing manager may download the
links once, within :data:`INVITATION_LIST_LIFETIME` (:func:`keep_invitation_list`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from kampus.auth import services as auth_services
from kampus.auth.models import User, normalise_email
from kampus.db import rows_changed, utcnow
from kampus.exports import safe_cell
from kampus.extensions import db
from kampus.orgs import services
from kampus.orgs.models import InvitationList, Organisation, Team

MAX_ROWS = 2000
MAX_BYTES = 1024 * 1024
COLUMN_NAMES = {
    "name": "name",
    "nimi": "name",
    "namn": "name",
    "email": "email",
    "e-mail": "email",
    "sähköposti": "email",
    "e-post": "email",
    "team": "team",
    "tiimi": "team",
}


@dataclass
class ImportRow:
    line: int
    name: str = ""
    email: str = ""
    team: str = ""
    errors: list[str] = field(default_factory=list)
    existing: bool = False  # already a member of this organisation

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [] if self.file_errors else [r for r in self.rows if r.ok]

    @property
    def error_rows(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def can_import(self) -> bool:
        return bool(self.valid_rows)


@dataclass
class ImportResult:
    created: list[User]
    memberships_added: int
    already_present: int


def _decode_lines(data: bytes) -> list[tuple[int, str | None]]:
    """(line number, text or None when the line is not UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines: list[tuple[int, str | None]] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            lines.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError:
            lines.append((number, None))
    return lines


def _delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def read_staff_csv(data: bytes, organisation: Organisation) -> ImportPreview:
    """Check every row against the file itself and the database; writes nothing."""
    preview = ImportPreview()
    if len(data) > MAX_BYTES:
        preview.file_errors.append(_("The file is larger than 1 MB. Split it into smaller files."))
        return preview
    lines = [(n, text) for n, text in _decode_lines(data) if text is None or text.strip()]
    if not lines:
        preview.file_errors.append(_("The file is empty."))
        return preview
    header_line, header = lines[0]
    if header is None:
        preview.file_errors.append(_('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'))
        return preview
    delimiter = _delimiter(header)
    try:
        columns = [COLUMN_NAMES.get(c.strip().lower()) for c in next(csv.reader([header], delimiter=delimiter))]
    except csv.Error:
        columns = []
    if "email" not in columns:
        preview.file_errors.append(
            _("The first row must name the columns: name,email,team (the team column may be left empty).")
        )
        return preview
    if len(lines) - 1 > MAX_ROWS:
        preview.file_errors.append(_("At most %(num)d people per file.", num=MAX_ROWS))
        return preview

    teams = {
        services.team_name_key(t.name): t
        for t in db.session.scalars(select(Team).where(Team.organisation_id == organisation.id))
    }
    rows: list[ImportRow] = []
    for number, text in lines[1:]:
        row = ImportRow(line=number)
        rows.append(row)
        if text is None:
            row.errors.append(_('This row is not UTF-8 text. Save the file as "CSV UTF-8" and try again.'))
            continue
        try:
            values = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error:  # e.g. a field longer than the csv module's limit (131,072 characters)
            row.errors.append(_("This row could not be read: a value is too long or its quotes do not match."))
            continue
        for column, value in zip(columns, values, strict=False):
            if column:
                setattr(row, column, value.strip())
        row.email = normalise_email(row.email)

    addresses = {r.email for r in rows if r.email}
    existing = (
        {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(addresses)))} if addresses else {}
    )
    first_seen: dict[str, int] = {}
    for row in rows:
        if row.errors:
            continue
        if not row.email:
            row.errors.append(_("The e-mail address is missing."))
        else:
            try:
                validate_email(row.email, check_deliverability=False)
            except EmailNotValidError:
                row.errors.append(_("%(email)s is not an e-mail address.", email=row.email))
        if row.email and row.email in first_seen:
            row.errors.append(_("The same e-mail address is on row %(line)d.", line=first_seen[row.email]))
        elif row.email:
            first_seen[row.email] = row.line
        user = existing.get(row.email)
        if user is not None:
            if user.organisation_id != organisation.id:
                row.errors.append(_("%(email)s already has an account in another organisation.", email=row.email))
            else:
                row.existing = True
        if len(row.name) > 200:
            row.errors.append(_("The name is longer than 200 characters."))
        if row.team and services.team_name_key(row.team) not in teams:
            row.errors.append(_("There is no team called %(team)s. Create it on the Teams page first.", team=row.team))
    preview.rows = rows
    return preview


def apply_staff_import(organisation: Organisation, preview: ImportPreview) -> ImportResult:
    """Write every valid row of a preview: new people (invited) and team memberships. Flushes only.

    The rows are written together in one savepoint: the people already there and their
    memberships are read in one query each, and nothing is checked row by row. When the
    savepoint fails on a unique address or membership (the same file confirmed twice at
    once), it is rolled back and the rows are written one by one, each in its own savepoint,
    so that the other request's rows count as already present."""
    teams = {
        services.team_name_key(t.name): t
        for t in db.session.scalars(select(Team).where(Team.organisation_id == organisation.id))
    }
    rows = preview.valid_rows
    try:
        with db.session.begin_nested():
            result = _apply_together(organisation, teams, rows)
    except IntegrityError:
        result = _apply_one_by_one(organisation, teams, rows)
    return result


def _apply_together(organisation: Organisation, teams: dict, rows: list[ImportRow]) -> ImportResult:
    addresses = [normalise_email(row.email) for row in rows]
    people = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(addresses)))}
    created, present, pending = [], 0, []
    with db.session.no_autoflush:
        for row, address in zip(rows, addresses, strict=True):
            user = people.get(address)
            if user is None:  # the preview checked the address; the savepoint catches one taken meanwhile
                user = people[address] = auth_services.new_user(address, name=row.name, organisation=organisation)
                created.append(user)
            else:
                present += 1
            if row.team:
                pending.append((teams[services.team_name_key(row.team)], user))
    added = services.add_members(organisation, pending)  # flushes the new people first
    db.session.flush()  # the new people when no row names a team
    return ImportResult(created, added, present)


def _apply_one_by_one(organisation: Organisation, teams: dict, rows: list[ImportRow]) -> ImportResult:
    created, added, present = [], 0, 0
    for row in rows:
        user = auth_services.find_user_by_email(row.email)
        if user is None:
            try:
                with db.session.begin_nested():  # the same file confirmed twice at once
                    user = auth_services.create_user(row.email, name=row.name, organisation=organisation)
                created.append(user)
            except IntegrityError:
                user = auth_services.find_user_by_email(row.email)
                assert user is not None  # the IntegrityError was another request creating this address
                present += 1
        else:
            present += 1
        if row.team:
            added += services.add_member(organisation, teams[services.team_name_key(row.team)], user)
    return ImportResult(created, added, present)


# --- the invitations of an import -------------------------------------------------------

#: How long the importing manager may download the links when no mail server is configured.
INVITATION_LIST_LIFETIME = dt.timedelta(minutes=30)


def invite_imported(people: list[User], *, inviter: User | None) -> int:
    """Queue an invitation mail for each new person (they leave after the caller commits).

    Returns how many were queued: 0 without a mail server (then :func:`keep_invitation_list`).
    """
    return sum(auth_services.send_invitation(user, inviter=inviter).mailed for user in people)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def keep_invitation_list(organisation: Organisation, manager: User, people: list[User], *, now=None) -> str:
    """Remember whom an import invited, for one download of their links by ``manager``; flushes.

    Returns the download's secret (kept in the manager's session; only its hash is stored).
    """
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    db.session.add(
        InvitationList(
            organisation_id=organisation.id,
            manager_id=manager.id,
            secret_hash=_hash(secret),
            user_ids=[u.id for u in people],
            created_at=now,
            expires_at=now + INVITATION_LIST_LIFETIME,
        )
    )
    db.session.flush()
    return secret


def _list_query(organisation: Organisation, manager: User, secret: str, now):
    return (
        InvitationList.secret_hash == _hash(secret or ""),
        InvitationList.organisation_id == organisation.id,
        InvitationList.manager_id == manager.id,
        InvitationList.downloaded_at.is_(None),
        InvitationList.expires_at > now,
    )


def waiting_invitation_list(organisation: Organisation, manager: User, secret: str | None, *, now=None):
    """The list ``secret`` opens for ``manager`` when it is still there to download, else None. Reads only."""
    if not secret:
        return None
    return db.session.scalar(select(InvitationList).where(*_list_query(organisation, manager, secret, now or utcnow())))


def take_invitation_list(organisation: Organisation, manager: User, secret: str | None, *, now=None):
    """Claim the list for its one download: the people still waiting to sign up, with their links,
    as CSV text (``;``, a byte-order mark, spreadsheet-safe cells). None when it is gone, expired,
    or not this manager's. Flushes; the caller commits before answering."""
    now = now or utcnow()
    if not secret:
        return None
    return _claim_list(organisation, _list_query(organisation, manager, secret, now), now)


def _job_list_query(organisation: Organisation, manager: User, list_id: int, now):
    return (
        InvitationList.id == list_id,
        InvitationList.organisation_id == organisation.id,
        InvitationList.manager_id == manager.id,
        InvitationList.downloaded_at.is_(None),
        InvitationList.expires_at > now,
    )


def waiting_job_invitation_list(organisation: Organisation, manager: User, list_id: int | None, *, now=None):
    """The list an import job kept (by its id, for the manager who started the job) when it is still
    there to download, else None. Reads only."""
    if not list_id:
        return None
    return db.session.scalar(
        select(InvitationList).where(*_job_list_query(organisation, manager, list_id, now or utcnow()))
    )


def take_job_invitation_list(organisation: Organisation, manager: User, list_id: int | None, *, now=None):
    """:func:`take_invitation_list` for the list of an import that ran as a job: the job's page
    (only the manager who started it) names the list by id instead of a secret in the session."""
    now = now or utcnow()
    if not list_id:
        return None
    return _claim_list(organisation, _job_list_query(organisation, manager, list_id, now), now)


def _claim_list(organisation: Organisation, conditions, now):
    row = db.session.scalar(select(InvitationList).where(*conditions))
    if row is None:
        return None
    claimed = rows_changed(
        db.session.execute(
            update(InvitationList).where(InvitationList.id == row.id, *conditions).values(downloaded_at=now)
        )
    )
    if claimed != 1:
        return None
    people = db.session.scalars(
        select(User)
        .where(User.id.in_(row.user_ids), User.organisation_id == organisation.id, User.active.is_(True))
        .order_by(User.email)
    ).all()
    waiting = [u for u in people if not u.has_signed_up]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [safe_cell(c) for c in (_("Name"), _("E-mail address"), _("Invitation link (valid for seven days)"))]
    )
    for user in waiting:
        writer.writerow([safe_cell(c) for c in (user.name, user.email, auth_services.invitation_url(user))])
    return "\ufeff" + buffer.getvalue()
