"""Due-date reminders by e-mail: what ``kampus remind`` sends.

Learners get one mail per assignment that is due within
:data:`DUE_SOON_DAYS` days (``due_soon``) or overdue (``overdue``) and not yet
done; managers of an organisation with active assignments get a weekly
``summary``. A team assignment reaches whoever is in the team on the day, so
people who joined later are reminded too; withdrawn assignments and inactive
people are skipped.

Each mail sent is recorded as a :class:`ReminderSent` row, keyed by
(person, kind, key, day) with a unique constraint: a learner's reminder (key:
the assignment id) goes at most once a day, a summary (key: the ISO week) at
most once a week. Mails are written in the recipient's language.

Planning loads everything in a bounded number of queries (assignments with
their templates, named people, team memberships, people, progress, module
titles, reminders already sent), whatever the number of learners.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kampus.assignments.models import Assignment, PathTemplate, ReminderSent, TemplateGoal
from kampus.assignments.services import AssignedPlan, notify_reminded, plan_assignment
from kampus.auth.mail import send_mail
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.catalogue.services import catalogue_graph
from kampus.extensions import db
from kampus.graph.coverage import AT_RISK, DONE, ON_TRACK, OVERDUE
from kampus.i18n import format_date
from kampus.links import external_url
from kampus.orgs.models import Organisation, TeamMembership
from kampus.progress.models import SATISFIED, Progress
from kampus.progress.services import LearnerState
from kampus.templating import localized

#: A learner is reminded when this many days or fewer are left (and on the day itself).
DUE_SOON_DAYS = 7
DUE_SOON, OVERDUE_KIND, SUMMARY = "due_soon", "overdue", "summary"


@dataclass(frozen=True)
class Reminder:
    """One e-mail to one person. ``key`` is the assignment id (learners) or the ISO week (summaries)."""

    user_id: int
    email: str
    kind: str
    key: str
    subject: str
    body: str
    sent: bool = False


def iso_week(on: dt.date) -> str:
    """``on``'s ISO year and week, e.g. ``2025-W07``: the key of a weekly summary."""
    year, week, _day = on.isocalendar()
    return f"{year}-W{week:02d}"


# --- planning -----------------------------------------------------------------


@dataclass
class _Data:
    """Everything the mails need, loaded in bulk."""

    assignments: list[Assignment]
    people: dict[int, list[int]]  # assignment id -> user ids (active people, team members now or named)
    users: dict[int, User]
    states: dict[int, LearnerState]
    managers: dict[int, list[User]]  # organisation id -> active managers
    organisations: dict[int, Organisation]


def _load(on: dt.date) -> _Data:
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.withdrawn_at.is_(None))
            .options(
                selectinload(Assignment.template).selectinload(PathTemplate.goals).selectinload(TemplateGoal.module),
                selectinload(Assignment.template).selectinload(PathTemplate.goals).selectinload(TemplateGoal.theme),
                selectinload(Assignment.team),
                selectinload(Assignment.people),
            )
            .order_by(Assignment.due, Assignment.id)
        )
    )
    team_ids = {a.team_id for a in assignments if a.team_id is not None}
    members: dict[int, list[int]] = defaultdict(list)
    if team_ids:
        for team_id, user_id in db.session.execute(
            select(TeamMembership.team_id, TeamMembership.user_id).where(TeamMembership.team_id.in_(team_ids))
        ):
            members[team_id].append(user_id)
    candidates: dict[int, list[int]] = {}
    for a in assignments:
        ids = list(members.get(a.team_id, ())) if a.team_id is not None else []
        ids.extend(p.user_id for p in a.people)
        candidates[a.id] = list(dict.fromkeys(ids))
    organisation_ids = {a.organisation_id for a in assignments}
    learner_ids = {uid for ids in candidates.values() for uid in ids}
    users: dict[int, User] = {}
    managers: dict[int, list[User]] = defaultdict(list)
    if learner_ids or organisation_ids:
        for user in db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                or_(
                    User.id.in_(learner_ids),
                    and_(User.is_manager.is_(True), User.organisation_id.in_(organisation_ids)),
                ),
            )
            .order_by(User.id)
        ):
            users[user.id] = user
            if user.is_manager and user.organisation_id in organisation_ids:
                managers[user.organisation_id].append(user)
    people = {aid: [uid for uid in ids if uid in users] for aid, ids in candidates.items()}
    active_learners = {uid for ids in people.values() for uid in ids}
    satisfied: dict[int, set[str]] = defaultdict(set)
    in_progress: dict[int, set[str]] = defaultdict(set)
    if active_learners:
        for user_id, slug, status in db.session.execute(
            select(Progress.user_id, Module.slug, Progress.status)
            .join(Module, Progress.module_id == Module.id)
            .where(Progress.user_id.in_(active_learners))
        ):
            (satisfied if status in SATISFIED else in_progress)[user_id].add(slug)
    states = {uid: LearnerState(frozenset(satisfied[uid]), frozenset(in_progress[uid])) for uid in active_learners}
    organisations = (
        {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids)))}
        if organisation_ids
        else {}
    )
    return _Data(assignments, people, users, states, managers, organisations)


def _already_sent(user_ids: set[int], on: dt.date) -> set[tuple[int, str, str]]:
    """(user, kind, key) of today's reminders and of this week's summaries already sent."""
    if not user_ids:
        return set()
    rows = db.session.execute(
        select(ReminderSent.user_id, ReminderSent.kind, ReminderSent.key).where(
            ReminderSent.user_id.in_(user_ids),
            or_(ReminderSent.sent_on == on, and_(ReminderSent.kind == SUMMARY, ReminderSent.key == iso_week(on))),
        )
    )
    return {tuple(row) for row in rows}


def plan_reminders(on: dt.date) -> list[Reminder]:
    """The reminders due on ``on`` that have not been sent yet: learners' first (by assignment
    due date), then the managers' summaries. Changes nothing."""
    data = _load(on)
    graph = catalogue_graph()
    plans: dict[tuple[int, int], AssignedPlan] = {}
    for a in data.assignments:
        for uid in data.people[a.id]:
            plans[(a.id, uid)] = plan_assignment(a, data.states[uid], graph, on=on)
    learner_mails = []  # (assignment, user, plan, kind)
    for a in data.assignments:
        days_left = (a.due - on).days
        if days_left > DUE_SOON_DAYS:
            continue
        kind = DUE_SOON if days_left >= 0 else OVERDUE_KIND
        for uid in data.people[a.id]:
            assigned = plans[(a.id, uid)]
            if assigned.state != DONE:
                learner_mails.append((a, data.users[uid], assigned, kind))
    summaries = _summaries(data, plans)
    recipients = {u.id for _a, u, _p, _k in learner_mails} | {m.id for ms in data.managers.values() for m in ms}
    sent = _already_sent(recipients, on)
    titles = _module_titles({step.slug for _a, _u, p, _k in learner_mails for step in p.plan.steps})
    week = iso_week(on)
    reminders = []
    for a, user, assigned, kind in learner_mails:
        if (user.id, kind, str(a.id)) not in sent:
            reminders.append(_learner_mail(user, a, assigned, kind, on, titles))
    for organisation_id, rows in summaries.items():
        for manager in data.managers.get(organisation_id, ()):
            if (manager.id, SUMMARY, week) not in sent:
                reminders.append(_summary_mail(manager, data.organisations[organisation_id], rows, on))
    return reminders


def _module_titles(slugs: set[str]) -> dict[str, dict]:
    if not slugs:
        return {}
    return dict(db.session.execute(select(Module.slug, Module.title).where(Module.slug.in_(slugs))).all())


@dataclass
class _SummaryRow:
    assignment: Assignment
    counts: dict[str, int]
    overdue_names: list[str]


def _summaries(data: _Data, plans: dict[tuple[int, int], AssignedPlan]) -> dict[int, list[_SummaryRow]]:
    """Per organisation, one row per active assignment: people per deadline state."""
    result: dict[int, list[_SummaryRow]] = defaultdict(list)
    for a in data.assignments:
        counts = {DONE: 0, ON_TRACK: 0, AT_RISK: 0, OVERDUE: 0}
        overdue = []
        for uid in data.people[a.id]:
            state = plans[(a.id, uid)].state
            counts[state] += 1
            if state == OVERDUE:
                overdue.append(data.users[uid].display_name)
        result[a.organisation_id].append(_SummaryRow(a, counts, sorted(overdue, key=str.casefold)))
    return result


# --- writing the mails ------------------------------------------------------------


def _learner_mail(
    user: User, assignment: Assignment, assigned: AssignedPlan, kind: str, on: dt.date, titles: dict[str, dict]
) -> Reminder:
    lang = user.language
    with force_locale(lang):
        path = localized(assignment.template.title, lang)
        due = format_date(assignment.due)
        if kind == DUE_SOON:
            subject = _("Reminder: the path %(path)s is due on %(date)s", path=path, date=due)
            opening = _("your path %(path)s is due on %(date)s and is not finished yet.", path=path, date=due)
        else:
            subject = _("Overdue: the path %(path)s was due on %(date)s", path=path, date=due)
            opening = _("your path %(path)s was due on %(date)s and is not finished yet.", path=path, date=due)
        steps = assigned.plan.steps
        lines = [_("Hello %(name)s,", name=user.display_name), "", opening, ""]
        lines.append(
            ngettext(
                "Still to study: %(num)d module, about %(minutes)d minutes.",
                "Still to study: %(num)d modules, about %(minutes)d minutes in all.",
                len(steps),
                minutes=assigned.plan.total_minutes,
            )
        )
        lines.extend(
            "- "
            + _(
                "%(title)s (%(minutes)s min)",
                title=localized(titles.get(step.slug), lang) or step.slug,
                minutes=step.minutes,
            )
            for step in steps
        )
        if assignment.note:
            lines += ["", _("Note from your manager:"), assignment.note]
        lines += [
            "",
            _("Open your path:"),
            external_url("paths.assigned", assignment_id=assignment.id),
            "",
            _("Kampus"),
        ]
    return Reminder(user.id, user.email, kind, str(assignment.id), subject, "\n".join(lines) + "\n")


def _summary_mail(manager: User, organisation: Organisation, rows: list[_SummaryRow], on: dt.date) -> Reminder:
    lang = manager.language
    week = iso_week(on)
    with force_locale(lang):
        subject = _("Weekly summary of assigned paths, week %(week)s", week=week)
        lines = [
            _("Hello %(name)s,", name=manager.display_name),
            "",
            _(
                "the assigned paths of %(organisation)s on %(date)s:",
                organisation=organisation.name,
                date=format_date(on),
            ),
        ]
        for row in rows:
            a = row.assignment
            who = ", ".join(([a.team.name] if a.team is not None else []) + ([_("named people")] if a.people else []))
            lines += [
                "",
                _(
                    "%(path)s (%(who)s), due on %(date)s",
                    path=localized(a.template.title, lang),
                    who=who,
                    date=format_date(a.due),
                ),
                "  "
                + " · ".join(
                    f"{label}: {row.counts[state]}"
                    for state, label in (
                        (DONE, _("Done")),
                        (ON_TRACK, _("On track")),
                        (AT_RISK, _("At risk")),
                        (OVERDUE, _("Overdue")),
                    )
                ),
            ]
            if row.overdue_names:
                lines.append("  " + _("Overdue: %(names)s", names=", ".join(row.overdue_names)))
        lines += ["", _("See the assignments:"), external_url("assignments.org_assignments"), "", _("Kampus")]
    return Reminder(manager.id, manager.email, SUMMARY, week, subject, "\n".join(lines) + "\n")


# --- sending ------------------------------------------------------------------------


class _NotSent(Exception):
    pass


def send_reminders(on: dt.date, *, dry_run: bool) -> list[Reminder]:
    """Plan the reminders due on ``on`` and, unless ``dry_run``, send each one.

    Returns every planned reminder, with ``sent`` True for those the mail server
    accepted. A reminder is recorded (flushed, not committed: the caller
    commits) only when sent; the unique (person, kind, key, day) constraint is
    claimed before sending, so two runs at once do not both send it.
    """
    reminders = plan_reminders(on)
    if dry_run:
        return reminders
    result = []
    for reminder in reminders:
        notify_reminded(reminder.user_id, reminder.kind, reminder.key)  # in-app notification (kampus.notifications)
        sent = False
        try:
            with db.session.begin_nested():
                db.session.add(ReminderSent(user_id=reminder.user_id, kind=reminder.kind, key=reminder.key, sent_on=on))
                db.session.flush()
                if not send_mail(reminder.email, reminder.subject, reminder.body):
                    raise _NotSent
            sent = True
        except (IntegrityError, _NotSent):
            pass
        result.append(dataclasses.replace(reminder, sent=sent))
    return result
