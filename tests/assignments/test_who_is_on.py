"""Who is on an assignment, one answer everywhere (:func:`kampus.assignments.services.people_on`):
its team's members now and the people it names; the deactivated never, the invited who have not
joined yet always. Each page and service that asks is checked on the same people, so a copy of
the rule that came back with another answer on either kind of person fails here."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from kampus.assignments import services as assignments
from kampus.assignments.reminders import plan_reminders
from kampus.authoring.prerequisites import learner_states
from kampus.catalogue.services import catalogue_graph
from kampus.extensions import db
from kampus.notifications import services as notifications
from kampus.notifications.models import Notification
from tests.factories import PASSWORD, login, make_org, make_team, make_user
from tests.reports.test_exports import csv_rows

pytestmark = pytest.mark.db

GOAL = "oppimateriaalin-tuottaminen"


@pytest.fixture
def world():
    org = make_org()
    manager = make_user(org, manager=True)
    anna = make_user(org, name="Anna Joined")
    paula = make_user(org, name="Paula Pending", password=None)  # invited, never joined
    dani = make_user(org, name="Dani Deactivated")
    pia = make_user(org, name="Pia Named Pending", password=None)
    nils = make_user(org, name="Nils Named Deactivated")
    team = make_team(org, "Tiimi", [anna, paula, dani])
    template = assignments.save_template(
        None,
        organisation_id=org.id,
        title={"fi": "Tuottaminen"},
        description={},
        target_group=None,
        module_slugs=[GOAL],
        theme_slugs=[],
    )
    assignment = assignments.assign(
        org.id,
        manager.id,
        template_id=template.id,
        team_id=team.id,
        user_ids=[pia.id, nils.id],
        due=dt.date.today() + dt.timedelta(days=5),
    )
    dani.active = nils.active = False  # deactivated after they were given the path
    db.session.commit()
    return dict(org=org, manager=manager, team=team, assignment=assignment, on={anna, paula, pia}, off={dani, nils})


def test_the_rule_covers_the_invited_and_not_the_deactivated(app, world):
    a = world["assignment"]
    assert assignments.people_on([a.id]) == {a.id: sorted(u.id for u in world["on"])}
    assert assignments.people_covered(a) == sorted(u.id for u in world["on"])
    assert assignments.people_on([]) == {}
    everyone = world["on"] | world["off"]
    mine = assignments.assignments_of(u.id for u in everyone)  # the same rule from the people's side
    assert {u for u in everyone if mine[u.id] == [a.id]} == world["on"]
    assert all(mine[u.id] == [] for u in world["off"])
    assignments.withdraw(a)
    assert assignments.assignments_of(u.id for u in world["on"]) == {u.id: [] for u in world["on"]}


def test_the_completion_column_counts_the_same_people(client, world):
    login(client, world["manager"].email, PASSWORD)
    html = client.get("/org/assignments").get_data(as_text=True)
    row = re.search(rf'<tr data-assignment="{world["assignment"].id}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(r'<td class="completion">(.*?)</td>', row, re.S).group(1).strip()
    assert cell.startswith("0/3 valmiina"), cell


def test_reminders_mail_the_same_people(app, world):
    key = str(world["assignment"].id)
    mailed = {r.email for r in plan_reminders(dt.date.today()) if r.key == key}
    assert mailed == {u.email for u in world["on"]}


def test_a_notification_reaches_the_same_people(app, world):
    assignment = world["assignment"]
    assignments.extend(assignment, assignment.due + dt.timedelta(days=7))
    db.session.commit()
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == notifications.ASSIGNMENT_EXTENDED))
    )
    assert told == {u.id for u in world["on"]}


def test_the_impact_of_a_catalogue_edit_counts_the_same_people(app, world):
    graph = catalogue_graph()
    key = f"a{world['assignment'].id}"
    assert {user_id for user_id, path in learner_states(graph, graph) if path == key} == {u.id for u in world["on"]}


def test_the_export_gives_the_path_to_the_same_people(client, world):
    login(client, world["manager"].email, PASSWORD)
    rows = csv_rows(client.get("/org/export.csv"))
    with_path = {r["Nimi"] for r in rows if r["Osoitettu polku"] == "Tuottaminen"}
    assert with_path == {u.name for u in world["on"]}
    assert {r["Nimi"] for r in rows} >= {u.name for u in world["off"]}  # listed, as deactivated, without the path
