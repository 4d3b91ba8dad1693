"""Due-date reminders by e-mail: what ``kampus remind`` sends.

Learners get one mail per assignment that is due within
:data:`DUE_SOON_DAYS` days (``due_soon``) or overdue (``overdue``) and not yet
done; managers of an organisation with active assignments get a weekly
``summary``. Who is on an assignment is the one rule of
:func:`kampus.assignments.services.people_on`: whoever is in the team on the day (so
people who joined later are reminded too) and the people named, also those invited who have
not joined yet, never the deactivated. Withdrawn assignments are skipped.

Each mail is recorded as a :class:`ReminderSent` row, keyed by (person, kind,
key, day) with a unique constraint, and queued in the outbox
(:func:`kampus.jobs.outbox.queue_mail`, keyed by person × kind × key × day) in
the same transaction: it goes after the commit, once, even if a worker dies.
A learner's reminder (key: the assignment id) goes at most once a day, a
summary (key: the ISO week) at most once a week. Mails are written in the
recipient's language.

The work is lean and split in batches (:func:`plan_batches`): SQL picks only
the assignment × person pairs that are due (the assignment due within
:data:`DUE_SOON_DAYS` days or overdue, the person not yet reminded today) and
the organisations whose managers still lack this week's summary. Each batch of
at most :data:`BATCH_SIZE` people is planned in a bounded number of queries;
people whose progress is the same on the modules a path can need share one plan,
and each distinct mail is translated once per language (then the name is filled
in). The daily Celery task sends one task per batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kampus.assignments.models import Assignment, PathTemplate, ReminderSent, TemplateGoal
from kampus.assignments.services import (
    assigned_deadline,
    notify_reminded,
    people_on,
    template_goal_slugs,
)
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.catalogue.services import catalogue_graph
from kampus.extensions import db
from kampus.graph.deadlines import AT_RISK, DONE, ON_TRACK, OVERDUE
from kampus.graph.goals import required_closure
from kampus.graph.planner import Plan
from kampus.i18n import format_date
from kampus.jobs.outbox import queue_mail
from kampus.links import external_url
from kampus.orgs.models import Organisation
from kampus.progress.services import LearnerState, learner_states
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

#: People per batch: a worker plans and queues this many mails in a second or two.
BATCH_SIZE = 500
_NAME = "\x00name\x00"  # stands for the recipient's name in a mail translated once per language


@dataclass(frozen=True)
class Batch:
    """A unit of work: learners of one assignment (``kind`` "learners"), or the managers of one
    organisation who still lack this week's summary (``kind`` "summary")."""

    kind: str
    target_id: int  # the assignment id, or the organisation id
    user_ids: tuple[int, ...]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "target_id": self.target_id, "user_ids": list(self.user_ids)}

    @classmethod
    def from_dict(cls, data: dict) -> Batch:
        return cls(data["kind"], int(data["target_id"]), tuple(int(u) for u in data["user_ids"]))


@dataclass(frozen=True)
class _Person:
    id: int
    email: str
    display_name: str
    language: str


def plan_batches(on: dt.date) -> list[Batch]:
    """The work due on ``on``, in batches: only pairs not yet reminded, only unsent summaries. Changes nothing."""
    horizon = on + dt.timedelta(days=DUE_SOON_DAYS)
    active = Assignment.withdrawn_at.is_(None)
    kind_of = {
        aid: (DUE_SOON if due >= on else OVERDUE_KIND)
        for aid, due in db.session.execute(
            select(Assignment.id, Assignment.due)
            .where(active, Assignment.due <= horizon)
            .order_by(Assignment.due, Assignment.id)
        )
    }
    due = list(kind_of)
    people = people_on(due)
    reminded = set(
        db.session.execute(
            select(ReminderSent.user_id, ReminderSent.kind, ReminderSent.key).where(
                ReminderSent.sent_on == on, ReminderSent.kind != SUMMARY
            )
        )
    )
    batches = []
    for aid in due:
        todo = [uid for uid in people.get(aid, ()) if (uid, kind_of[aid], str(aid)) not in reminded]
        batches += [Batch("learners", aid, tuple(todo[i : i + BATCH_SIZE])) for i in range(0, len(todo), BATCH_SIZE)]
    summarised = select(ReminderSent.user_id).where(ReminderSent.kind == SUMMARY, ReminderSent.key == iso_week(on))
    managers: dict[int, list[int]] = defaultdict(list)
    for organisation_id, user_id in db.session.execute(
        select(User.organisation_id, User.id)
        .where(
            User.active.is_(True),
            User.is_manager.is_(True),
            User.organisation_id.in_(select(Assignment.organisation_id).where(active)),
            User.id.not_in(summarised),
        )
        .order_by(User.organisation_id, User.id)
    ):
        if organisation_id is not None:  # managers have an organisation (the query joins on it)
            managers[organisation_id].append(user_id)
    batches += [Batch(SUMMARY, oid, tuple(ids)) for oid, ids in managers.items()]
    return batches


def _assignments(query) -> list[Assignment]:
    return list(
        db.session.scalars(
            query.options(
                selectinload(Assignment.template).selectinload(PathTemplate.goals).selectinload(TemplateGoal.module),
                selectinload(Assignment.template).selectinload(PathTemplate.goals).selectinload(TemplateGoal.theme),
                selectinload(Assignment.team),
                selectinload(Assignment.people),
            ).order_by(Assignment.due, Assignment.id)
        )
    )


def _persons(user_ids) -> dict[int, _Person]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.email, User.name, User.language).where(User.id.in_(user_ids), User.active.is_(True))
    )
    return {uid: _Person(uid, email, name or email, language) for uid, email, name, language in rows}


class _Planned(NamedTuple):
    """What a learner's mail needs of a plan: its steps and minutes, and the deadline state."""

    plan: Plan
    state: str


class _Planner:
    """Plans an assignment once per distinct learner state on the modules its path can need;
    assignments of one template with one due date (one template given to many teams) share plans.
    Only the plan and the deadline state (:func:`assigned_deadline`, the one rule): a mail
    shows no coverage figures."""

    def __init__(self, graph, on: dt.date):
        self.graph, self.on = graph, on
        self._goals: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}
        self._plans: dict[tuple, _Planned] = {}
        self._states: dict[int, LearnerState] = {}

    def states(self, user_ids) -> dict[int, LearnerState]:
        """The learners' states, each read once per run (a learner's batch and the summary of
        their organisation share them); at most one query for those not read yet."""
        missing = [uid for uid in user_ids if uid not in self._states]
        if missing:
            self._states.update(learner_states(missing))
        return {uid: self._states[uid] for uid in user_ids}

    def goals(self, assignment: Assignment) -> tuple[tuple[str, ...], frozenset[str]]:
        """The assignment's goals and every module they require (computed once per assignment)."""
        found = self._goals.get(assignment.id)
        if found is None:
            goals = tuple(template_goal_slugs(assignment.template, self.graph))
            found = self._goals[assignment.id] = (goals, frozenset(required_closure(self.graph, goals)))
        return found

    def plan(self, assignment: Assignment, state: LearnerState) -> _Planned:
        goals, relevant = self.goals(assignment)
        key = (goals, assignment.due, state.satisfied & relevant, state.in_progress & relevant)
        found = self._plans.get(key)
        if found is None:
            result = assigned_deadline(self.graph, list(goals), assignment.due, state, self.on)
            found = self._plans[key] = _Planned(*result)
        return found


def reminders_for(batch: Batch, on: dt.date, *, planner: _Planner | None = None) -> list[Reminder]:
    """The mails of one batch not yet sent: planned, written, not recorded. Changes nothing.
    ``planner``: plans shared with other batches of the same run (a dry run plans them all)."""
    planner = planner or _Planner(catalogue_graph(), on)
    if batch.kind == SUMMARY:
        return _summary_batch(batch, on, planner)
    assignment = next(iter(_assignments(select(Assignment).where(Assignment.id == batch.target_id))), None)
    if assignment is None or assignment.withdrawn_at is not None:
        return []
    kind = DUE_SOON if assignment.due >= on else OVERDUE_KIND
    if (assignment.due - on).days > DUE_SOON_DAYS:
        return []
    persons = _persons(batch.user_ids)
    states = planner.states(persons)
    sent = _already_sent(set(persons), on)
    mails = []
    for uid in batch.user_ids:
        if uid in persons and (uid, kind, str(assignment.id)) not in sent:
            assigned = planner.plan(assignment, states[uid])
            if assigned.state != DONE:
                mails.append((persons[uid], assigned))
    titles = _module_titles({step.slug for _p, assigned in mails for step in assigned.plan.steps})
    written: dict[tuple, tuple[str, str]] = {}
    step_lines: dict[tuple, str] = {}
    reminders = []
    for person, assigned in mails:
        key = (id(assigned), person.language)
        if key not in written:  # translated once per language and plan, the name filled in below
            written[key] = _learner_mail(_NAME, person.language, assignment, assigned, kind, on, titles, step_lines)
        subject, body = written[key]
        reminders.append(
            Reminder(
                person.id, person.email, kind, str(assignment.id), subject, body.replace(_NAME, person.display_name)
            )
        )
    return reminders


def _summary_batch(batch: Batch, on: dt.date, planner: _Planner) -> list[Reminder]:
    organisation = db.session.get(Organisation, batch.target_id)
    managers = _persons(batch.user_ids)
    sent = _already_sent(set(managers), on)
    managers = {uid: m for uid, m in managers.items() if (uid, SUMMARY, iso_week(on)) not in sent}
    if organisation is None or not managers:
        return []
    assignments = _assignments(
        select(Assignment).where(Assignment.organisation_id == organisation.id, Assignment.withdrawn_at.is_(None))
    )
    people = people_on(a.id for a in assignments)
    learners = _persons({uid for ids in people.values() for uid in ids})
    states = planner.states(learners)
    rows = []
    for a in assignments:
        counts = {DONE: 0, ON_TRACK: 0, AT_RISK: 0, OVERDUE: 0}
        overdue = []
        for uid in people.get(a.id, ()):
            if uid not in learners:
                continue
            state = planner.plan(a, states[uid]).state
            counts[state] += 1
            if state == OVERDUE:
                overdue.append(learners[uid].display_name)
        rows.append(_SummaryRow(a, counts, sorted(overdue, key=str.casefold)))
    return [_summary_mail(managers[uid], organisation, rows, on) for uid in batch.user_ids if uid in managers]


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
    return {(user_id, kind, key) for user_id, kind, key in rows}


def plan_reminders(on: dt.date) -> list[Reminder]:
    """The reminders due on ``on`` that have not been sent yet: learners' first (by assignment
    due date), then the managers' summaries. Changes nothing."""
    planner = _Planner(catalogue_graph(), on)
    return [reminder for batch in plan_batches(on) for reminder in reminders_for(batch, on, planner=planner)]


def _module_titles(slugs: set[str]) -> dict[str, dict]:
    if not slugs:
        return {}
    return dict(db.session.execute(select(Module.slug, Module.title).where(Module.slug.in_(slugs))).all())


@dataclass
class _SummaryRow:
    assignment: Assignment
    counts: dict[str, int]
    overdue_names: list[str]


# --- writing the mails ------------------------------------------------------------


def _learner_mail(
    name: str,
    lang: str,
    assignment: Assignment,
    assigned: _Planned,
    kind: str,
    on: dt.date,
    titles: dict,
    step_lines: dict | None = None,
) -> tuple[str, str]:
    """(subject, body) of a learner's reminder in ``lang``; ``step_lines`` keeps the modules' lines
    written so far (by slug, minutes and language) for the next mails."""
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
        lines = [_("Hello %(name)s,", name=name), "", opening, ""]
        lines.append(
            ngettext(
                "Still to study: %(num)d module, about %(minutes)d minutes.",
                "Still to study: %(num)d modules, about %(minutes)d minutes in all.",
                len(steps),
                minutes=assigned.plan.total_minutes,
            )
        )
        for step in steps:  # a module's line is written once per language and run (many plans share steps)
            line = step_lines.get((step.slug, step.minutes, lang)) if step_lines is not None else None
            if line is None:
                title = localized(titles.get(step.slug), lang) or step.slug
                line = "- " + _("%(title)s (%(minutes)s min)", title=title, minutes=step.minutes)
                if step_lines is not None:
                    step_lines[(step.slug, step.minutes, lang)] = line
            lines.append(line)
        if assignment.note:
            lines += ["", _("Note from your manager:"), assignment.note]
        lines += [
            "",
            _("Open your path:"),
            external_url("paths.assigned", assignment_id=assignment.id),
            "",
            _("Kampus"),
        ]
    return subject, "\n".join(lines) + "\n"


def _summary_mail(manager: _Person, organisation: Organisation, rows: list[_SummaryRow], on: dt.date) -> Reminder:
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


def reminder_mail_key(reminder: Reminder, on: dt.date) -> str:
    """The outbox key of a reminder: person × kind × assignment (or week) × day, so it is queued once."""
    return f"reminder:{reminder.kind}:{reminder.key}:{reminder.user_id}:{on.isoformat()}"


def send_batch(batch: Batch, on: dt.date) -> list[Reminder]:
    """Record and queue the mails of one batch (flushed, not committed: the caller commits).

    Returns the batch's reminders, with ``sent`` True for those queued now. The unique
    (person, kind, key, day) row is claimed before queueing, so two workers on the same
    batch (a retry, a worker that died) queue each mail once; the outbox key guards it too.
    """
    result = []
    for reminder in reminders_for(batch, on):
        notify_reminded(reminder.user_id, reminder.kind, reminder.key)  # in-app notification (kampus.notifications)
        queued = False
        try:
            with db.session.begin_nested():
                db.session.add(ReminderSent(user_id=reminder.user_id, kind=reminder.kind, key=reminder.key, sent_on=on))
                db.session.flush()
            message = queue_mail(reminder.email, reminder.subject, reminder.body, key=reminder_mail_key(reminder, on))
            queued = message is not None
        except IntegrityError:
            pass
        result.append(dataclasses.replace(reminder, sent=queued))
    return result


def send_reminders(on: dt.date, *, dry_run: bool) -> list[Reminder]:
    """Plan the reminders due on ``on`` and, unless ``dry_run``, record and queue each one in the outbox.

    Returns every planned reminder, with ``sent`` True for those queued (they are
    e-mailed after the caller commits). In one process, batch after batch; the
    daily Celery task sends one task per batch instead.
    """
    if dry_run:
        return plan_reminders(on)
    return [reminder for batch in plan_batches(on) for reminder in send_batch(batch, on)]
