"""Due-date reminders (``kampus remind``) queued in the outbox and delivered, after the commit, to a
local SMTP server started by the tests.

The scenario: an organisation with a team of three learners, one more person
named on an assignment, and a manager. Three team assignments: due in three
days (the named person too), overdue by two days, and due in a month. One
learner has already done the first path. "Today" is a Monday chosen so that
every due date was in the future when the paths were assigned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from babel.dates import format_date
from sqlalchemy import func, select, update

from kampus.assignments import services as assignments
from kampus.assignments.models import ReminderSent
from kampus.assignments.reminders import iso_week, plan_reminders, send_reminders
from kampus.auth.models import User
from kampus.catalogue.models import Module
from kampus.db import utcnow
from kampus.extensions import db
from kampus.jobs import outbox
from kampus.jobs.models import PENDING, OutboxMessage
from kampus.orgs.models import TeamMembership
from kampus.progress.services import recognise
from kampus.templating import localized
from tests.factories import make_org, make_team, make_user

BASE_URL = "https://kampus.example.fi"
SOON_GOAL, OVERDUE_GOAL, LATER_GOAL = "digcomp-perusteet", "digikyvykkyyden-itsearviointi", "uudistumisen-resurssit"


@pytest.fixture
def inbox(smtp_sink):
    """The shared test SMTP server: reminders go through the outbox and leave after the commit."""
    return smtp_sink


@pytest.fixture
def mail_app(make_app, inbox):
    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, KAMPUS_BASE_URL=BASE_URL)
    with app.app_context():
        yield app


@dataclass
class Scenario:
    on: dt.date
    org: object
    team: object
    manager: User
    aino: User  # fi
    bo: User  # sv
    cecilia: User  # en, has done the soon path
    noora: User  # named on the soon path, not in the team
    soon: object
    overdue: object
    later: object


def first_monday_after(day: dt.date, min_days: int) -> dt.date:
    day = day + dt.timedelta(days=min_days)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def make_template(org, name: str, goal: str):
    return assignments.save_template(
        None,
        organisation_id=org.id,
        title={"fi": f"{name} (fi)", "sv": f"{name} (sv)", "en": f"{name} (en)"},
        description={},
        target_group=None,
        module_slugs=[goal],
        theme_slugs=[],
    )


def module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def build(inbox=None) -> Scenario:
    """The scenario; with ``inbox``, the mails of the new assignments (kampus.notifications) are taken out of it."""
    on = first_monday_after(assignments.today(), 3)  # the overdue date (on - 2) must still be in the future now
    org = make_org("Järvilaakson ammattiopisto")
    manager = make_user(org, manager=True, name="Maija Manager", email="maija@example.fi", password=None, language="en")
    aino = make_user(org, name="Aino Aalto", email="aino@example.fi", password=None, language="fi")
    bo = make_user(org, name="Bo Berg", email="bo@example.fi", password=None, language="sv")
    cecilia = make_user(org, name="Cecilia Campbell", email="cecilia@example.fi", password=None, language="en")
    noora = make_user(org, name="Noora Nimetty", email="noora@example.fi", password=None, language="fi")
    team = make_team(org, "Opettajat", [aino, bo, cecilia])

    def give(name, goal, due, named=()):
        template = make_template(org, name, goal)
        return assignments.assign(
            org.id,
            manager.id,
            template_id=template.id,
            team_id=team.id,
            user_ids=[p.id for p in named],
            due=due,
            note="",
        )

    soon = give("Soon path", SOON_GOAL, on + dt.timedelta(days=3), named=[noora])
    overdue = give("Overdue path", OVERDUE_GOAL, on - dt.timedelta(days=2))
    later = give("Later path", LATER_GOAL, on + dt.timedelta(days=30))
    recognise(cecilia.id, module(SOON_GOAL), "manager")
    db.session.commit()
    if inbox is not None:
        inbox.take()
    return Scenario(on, org, team, manager, aino, bo, cecilia, noora, soon, overdue, later)


def by_recipient(messages) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for message in messages:
        result.setdefault(message["To"], []).append(message["Subject"])
    return {to: sorted(subjects) for to, subjects in result.items()}


def body(message) -> str:
    return message.get_content()


def date_in(lang: str, day: dt.date) -> str:
    # Finland's Finnish and Swedish, British English: 5.12.2026, 5.12.2026, 05/12/2026.
    return format_date(day, "short", locale={"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}[lang])


def sent_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ReminderSent))


# --- who gets what ---------------------------------------------------------------------


def test_learners_and_their_manager_get_the_right_mails_once(mail_app, inbox):
    s = build(inbox)
    sent = send_reminders(s.on, dry_run=False)
    db.session.commit()

    assert all(r.sent for r in sent) and len(sent) == 7
    messages = inbox.take()
    soon_fi = date_in("fi", s.soon.due)
    overdue_fi = date_in("fi", s.overdue.due)
    assert by_recipient(messages) == {
        "aino@example.fi": sorted(
            [
                f"Muistutus: polun Soon path (fi) määräaika on {soon_fi}",
                f"Myöhässä: polun Overdue path (fi) määräaika oli {overdue_fi}",
            ]
        ),
        "bo@example.fi": sorted(
            [
                f"Påminnelse: stigen Soon path (sv) ska vara klar {date_in('sv', s.soon.due)}",
                f"Försenad: stigen Overdue path (sv) skulle vara klar {date_in('sv', s.overdue.due)}",
            ]
        ),
        # Cecilia has done the soon path: only the overdue one reminds her.
        "cecilia@example.fi": [f"Overdue: the path Overdue path (en) was due on {date_in('en', s.overdue.due)}"],
        "noora@example.fi": [f"Muistutus: polun Soon path (fi) määräaika on {soon_fi}"],
        "maija@example.fi": [f"Weekly summary of assigned paths, week {iso_week(s.on)}"],
    }
    # Nobody is reminded of the path due in a month.
    assert not any("Later path" in m["Subject"] for m in messages)

    aino_soon = next(m for m in messages if m["To"] == "aino@example.fi" and "Soon" in m["Subject"])
    text = body(aino_soon)
    assert "Hei Aino Aalto," in text
    assert f"polkusi Soon path (fi) määräaika on {soon_fi}" in text
    goal = module(SOON_GOAL)
    assert f"Opiskeltavaa vielä: 1 moduuli, noin {goal.minutes} minuuttia." in text
    assert f"- {localized(goal.title, 'fi')} ({goal.minutes} min)" in text
    assert f"{BASE_URL}/me/assignments/{s.soon.id}" in text

    bo_overdue = next(m for m in messages if m["To"] == "bo@example.fi" and "Försenad" in m["Subject"])
    assert localized(module(OVERDUE_GOAL).title, "sv") in body(bo_overdue)
    assert f"{BASE_URL}/me/assignments/{s.overdue.id}" in body(bo_overdue)

    assert sent_rows() == 7
    # Again the same day: nothing new is sent or recorded.
    assert send_reminders(s.on, dry_run=False) == []
    db.session.commit()
    assert inbox.take() == [] and sent_rows() == 7


def summary_lines(text: str, path_title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(path_title))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return [line.strip() for line in lines[start:end]]


def test_the_weekly_summary_counts_people_by_deadline_state(mail_app, inbox):
    s = build(inbox)
    send_reminders(s.on, dry_run=False)
    db.session.commit()  # the mails leave through the outbox after the commit
    summary = next(m for m in inbox.take() if m["To"] == "maija@example.fi")
    text = body(summary)
    assert text.startswith("Hello Maija Manager,")
    # The soon path is 3 days away but takes a week at the sustainable pace: at risk, except Cecilia (done).
    assert summary_lines(text, "Soon path (en)") == [
        f"Soon path (en) (Opettajat, named people), due on {date_in('en', s.soon.due)}",
        "Done: 1 · On track: 0 · At risk: 3 · Overdue: 0",
    ]
    assert summary_lines(text, "Overdue path (en)") == [
        f"Overdue path (en) (Opettajat), due on {date_in('en', s.overdue.due)}",
        "Done: 0 · On track: 0 · At risk: 0 · Overdue: 3",
        "Overdue: Aino Aalto, Bo Berg, Cecilia Campbell",
    ]
    assert summary_lines(text, "Later path (en)")[1] == "Done: 0 · On track: 3 · At risk: 0 · Overdue: 0"
    assert f"{BASE_URL}/org/assignments" in text


def test_the_next_day_reminds_learners_again_but_the_summary_waits_for_next_week(mail_app, inbox):
    s = build(inbox)
    send_reminders(s.on, dry_run=False)
    db.session.commit()
    inbox.take()

    next_day = s.on + dt.timedelta(days=1)
    assert iso_week(next_day) == iso_week(s.on)
    send_reminders(next_day, dry_run=False)
    db.session.commit()
    received = by_recipient(inbox.take())
    assert sorted(received) == ["aino@example.fi", "bo@example.fi", "cecilia@example.fi", "noora@example.fi"]
    assert [len(received[to]) for to in sorted(received)] == [2, 2, 1, 1]

    next_week = s.on + dt.timedelta(days=7)
    send_reminders(next_week, dry_run=False)
    db.session.commit()
    received = by_recipient(inbox.take())
    assert received["maija@example.fi"] == [f"Weekly summary of assigned paths, week {iso_week(next_week)}"]


# --- the command ------------------------------------------------------------------------------


def test_dry_run_lists_the_same_recipients_and_sends_and_records_nothing(mail_app, inbox):
    s = build(inbox)
    runner = mail_app.test_cli_runner()

    dry = runner.invoke(args=["remind", "--dry-run", "--date", s.on.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert inbox.take() == [] and sent_rows() == 0
    planned = [line.split("\t") for line in dry.output.splitlines() if line.startswith("would send\t")]
    assert len(planned) == 7
    assert "7 mail(s) would be sent" in dry.output

    real = runner.invoke(args=["remind", "--date", s.on.isoformat()])
    assert real.exit_code == 0, real.output
    messages = inbox.take()
    assert sorted((m["To"], m["Subject"]) for m in messages) == sorted((to, subject) for _s, to, _k, subject in planned)
    assert sorted(kind for _s, _to, kind, _subject in planned) == ["due_soon"] * 3 + ["overdue"] * 3 + ["summary"]
    assert "7 of 7 mail(s) queued in the outbox" in real.output

    db.session.rollback()  # the command committed: what it recorded is there for anyone
    assert sent_rows() == 7
    again = runner.invoke(args=["remind", "--date", s.on.isoformat()])
    assert again.exit_code == 0 and "0 of 0 mail(s) queued" in again.output
    assert inbox.take() == []


def test_without_a_mail_server_the_mails_wait_in_the_outbox_and_go_once_one_is_configured(make_app, inbox):
    app = make_app("catalogue")  # no MAIL_SERVER yet
    with app.app_context():
        s = build()
        result = app.test_cli_runner().invoke(args=["remind", "--date", s.on.isoformat()])
        assert result.exit_code == 0
        assert (
            "7 of 7 mail(s) queued in the outbox" in result.output and "MAIL_SERVER is not configured" in result.output
        )
        db.session.rollback()
        assert sent_rows() == 7 and plan_reminders(s.on) == []
        waiting = db.session.scalars(select(OutboxMessage).where(OutboxMessage.state == PENDING)).all()
        assert len(waiting) == 7 and inbox.take() == []

        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port)
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))  # the back-off has run out
        db.session.commit()
        assert outbox.deliver_due() == {"sent": 7}
        assert len(inbox.take()) == 7
        assert outbox.deliver_due() == {} and inbox.take() == []  # and never twice


# --- who does not get mail, and who does although they came later ------------------------------


def test_a_withdrawn_assignment_gives_no_mail(mail_app, inbox):
    s = build(inbox)
    assignments.withdraw(s.soon)
    db.session.commit()
    assert "noora@example.fi" in by_recipient(inbox.take())  # told of the withdrawal (kampus.notifications)
    send_reminders(s.on, dry_run=False)
    db.session.commit()  # the mails leave through the outbox after the commit
    messages = inbox.take()
    assert not any("Soon path" in m["Subject"] for m in messages)
    assert "noora@example.fi" not in by_recipient(messages)  # she was named on the withdrawn one only
    summary = next(m for m in messages if m["To"] == "maija@example.fi")
    assert "Soon path" not in body(summary)


def test_an_inactive_person_gets_no_mail(mail_app, inbox):
    s = build(inbox)
    s.aino.active = False
    s.manager.active = False
    db.session.commit()
    send_reminders(s.on, dry_run=False)
    db.session.commit()  # the mails leave through the outbox after the commit
    received = by_recipient(inbox.take())
    assert "aino@example.fi" not in received and "maija@example.fi" not in received
    assert sorted(received) == ["bo@example.fi", "cecilia@example.fi", "noora@example.fi"]


def test_someone_who_joined_the_team_after_the_assignment_is_reminded_too(mail_app, inbox):
    s = build(inbox)
    newcomer = make_user(s.org, name="Uusi Tulokas", email="uusi@example.fi", password=None, language="fi")
    db.session.add(TeamMembership(team=s.team, user=newcomer))
    db.session.commit()
    send_reminders(s.on, dry_run=False)
    db.session.commit()  # the mails leave through the outbox after the commit
    messages = inbox.take()
    assert len(by_recipient(messages)["uusi@example.fi"]) == 2
    summary = next(m for m in messages if m["To"] == "maija@example.fi")
    assert "Overdue: Aino Aalto, Bo Berg, Cecilia Campbell, Uusi Tulokas" in body(summary)


def test_planning_runs_the_same_number_of_queries_for_a_bigger_team(mail_app, count_queries):
    s = build()
    plan_reminders(s.on)  # the catalogue graph is built once per process, outside the count

    def counted() -> tuple[int, int]:
        db.session.expire_all()
        with count_queries(mail_app) as counter:
            reminders = plan_reminders(s.on)
        return counter.count, len(reminders)

    small, small_mails = counted()
    for n in range(20):
        person = make_user(s.org, name=f"Lisä {n}", password=None)
        db.session.add(TeamMembership(team=s.team, user=person))
    db.session.commit()
    big, big_mails = counted()
    assert big_mails == small_mails + 40
    assert big == small, f"{small} queries for 3 learners, {big} for 23"


def test_people_in_the_same_state_share_one_plan_across_batches_and_summaries(mail_app, monkeypatch):
    """A run plans each assignment once per distinct relevant state: more people with nothing
    done, in the team's batch and in the manager's summary, add no plans."""
    from kampus.assignments import reminders

    s = build()
    calls = []
    real = reminders.assigned_deadline

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "assigned_deadline", counting)

    def planned() -> tuple[int, list]:
        calls.clear()
        db.session.expire_all()
        mails = plan_reminders(s.on)
        return len(calls), mails

    small, small_mails = planned()
    for n in range(30):
        db.session.add(TeamMembership(team=s.team, user=make_user(s.org, name=f"Lisä {n}", password=None)))
    db.session.commit()
    big, big_mails = planned()
    assert len(big_mails) == len(small_mails) + 60
    assert 0 < big == small, f"{small} plans for the scenario, {big} with 30 more people in the same state"


def test_a_mail_written_from_shared_lines_is_the_mail_written_alone(mail_app):
    """The modules' lines kept between mails give the same text as a mail written on its own."""
    from kampus.assignments import reminders
    from kampus.catalogue.services import catalogue_graph
    from kampus.progress.services import EMPTY_STATE

    s = build()
    planner = reminders._Planner(catalogue_graph(), s.on)
    assigned = planner.plan(s.soon, EMPTY_STATE)
    assert assigned.plan.steps
    titles = reminders._module_titles({step.slug for step in assigned.plan.steps})
    shared: dict = {}
    for lang in ("fi", "sv", "en", "fi"):
        alone = reminders._learner_mail("Aino", lang, s.soon, assigned, reminders.DUE_SOON, s.on, titles)
        together = reminders._learner_mail("Aino", lang, s.soon, assigned, reminders.DUE_SOON, s.on, titles, shared)
        assert together == alone
    assert {key[2] for key in shared} == {"fi", "sv", "en"}


def test_a_run_reads_each_learners_state_once(mail_app, monkeypatch):
    """The learners' batches and their organisation's summary share the states a run has read."""
    from kampus.assignments import reminders

    s = build()
    read: list[int] = []
    real = reminders.learner_states

    def recording(user_ids):
        ids = list(user_ids)
        read.extend(ids)
        return real(ids)

    monkeypatch.setattr(reminders, "learner_states", recording)
    mails = plan_reminders(s.on)
    assert any(m.kind == "summary" for m in mails) and any(m.kind != "summary" for m in mails)
    assert read and len(read) == len(set(read)), sorted(read)
