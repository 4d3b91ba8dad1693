"""Completion per assignment on the assignments page, the overview's staff figures
(one population: joined and not deactivated; pending invitations apart) and the
overdue list the overview links to."""

import datetime as dt
import re

import pytest

from kampus.extensions import db
from kampus.progress import services as progress
from tests.factories import PASSWORD, login, make_org, make_team, make_user
from tests.paths.helpers import module
from tests.reports.test_pages import add_members, assign_team

pytestmark = pytest.mark.db

GOAL = "oppimateriaalin-tuottaminen"
PATH_MODULES = ("oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus", GOAL)


def finish_path(user):
    for slug in PATH_MODULES:
        progress.recognise(user.id, module(slug), "manager")


def test_assignments_page_shows_how_many_are_done_and_at_risk(client):
    org = make_org()
    manager = make_user(org, manager=True)
    anna, bert, cecilia = (make_user(org, name=n) for n in ("Anna", "Bert", "Cecilia"))
    team = make_team(org, "Tiimi", [anna, bert, cecilia])
    finish_path(anna)
    db.session.commit()
    tight = assign_team(org, manager, team, (GOAL,), days=1)  # three modules in a day: at risk
    roomy = assign_team(org, manager, team, (GOAL,), days=365)
    login(client, manager.email, PASSWORD)
    html = client.get("/org/assignments").get_data(as_text=True)

    def cell(assignment):
        row = re.search(rf'<tr data-assignment="{assignment.id}">(.*?)</tr>', html, re.S).group(1)
        return re.search(r'<td class="completion">(.*?)</td>', row, re.S).group(1).strip()

    assert cell(tight) == "1/3 valmiina, 2 vaarassa myöhästyä"
    assert cell(roomy) == "1/3 valmiina"


def test_assignments_page_queries_do_not_grow_with_assignments_or_people(app, count_queries):
    counts = []
    for size in (1, 4):
        org = make_org()
        manager = make_user(org, manager=True)
        for n in range(size):
            team = make_team(org, f"Tiimi {n}")
            add_members(org, team, 10 * size)
            assign_team(org, manager, team, (GOAL,), days=30 + n)
        client = app.test_client()
        login(client, manager.email, PASSWORD)
        client.get("/org/assignments")
        with count_queries(app) as counter:
            html = client.get("/org/assignments").get_data(as_text=True)
        assert html.count('class="completion"') == size
        assert f"0/{10 * size} valmiina" in html
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_overview_counts_joined_staff_and_shows_pending_invitations_apart(app, client):
    org = make_org()
    manager = make_user(org, manager=True)
    learner = make_user(org)
    make_user(org, password=None)  # invited, never joined
    make_user(org, password=None)
    make_user(org, active=False)  # deactivated
    for slug in ("oppimateriaalin-laatu", "oppimateriaalin-tuottaminen", "tekijanoikeudet-ja-avoimuus"):
        progress.recognise(learner.id, module(slug), "manager")
    progress.recognise(learner.id, module("tekoaly-oppimisessa"), "manager")
    db.session.commit()
    login(client, manager.email, PASSWORD)
    html = client.get("/org").get_data(as_text=True)
    assert re.search(r'<dd id="active-staff">2</dd>', html)  # the manager and the learner
    assert re.search(r'<dd id="pending-invitations">2</dd>', html)
    row = re.search(r'<tr data-theme="digitaaliset-sisallot">(.*?)</tr>', html, re.S).group(1)
    assert "50\xa0% (1)" in row  # one of the two who joined, not one of four
    admin = make_user(None, admin=True)
    db.session.commit()
    client = app.test_client()
    login(client, admin.email, PASSWORD)
    network = client.get("/admin/network").get_data(as_text=True)
    assert re.search(rf"<th scope=\"row\">{re.escape(org.name)}</th><td>2</td>", network)
    organisations = client.get("/admin/organisations").get_data(as_text=True)
    assert re.search(rf"{re.escape(org.slug)}</td><td>2</td><td>2</td>", organisations)


def test_overdue_on_the_overview_links_to_the_people_not_done(client):
    org, other = make_org(), make_org()
    manager = make_user(org, manager=True)
    anna, bert = make_user(org, name="Anna Aalto"), make_user(org, name="Bert Berg")
    team = make_team(org, "Tiimi", [anna, bert])
    finish_path(anna)
    db.session.commit()
    late = assign_team(org, manager, team, (GOAL,), days=10)
    late.due = dt.date.today() - dt.timedelta(days=2)
    other_manager = make_user(other, manager=True)
    other_team = make_team(other, "Muut", [make_user(other, name="Stranger")])
    stranger_late = assign_team(other, other_manager, other_team, (GOAL,), days=10)
    stranger_late.due = late.due
    db.session.commit()
    login(client, manager.email, PASSWORD)
    overview = client.get("/org").get_data(as_text=True)
    link = re.search(r'<dd id="overdue"><a href="([^"]+)">1', overview)
    assert link, "the overdue count links somewhere"
    page = client.get(link.group(1)).get_data(as_text=True)
    section = re.search(rf'data-assignment="{late.id}">(.*?)</section>', page, re.S).group(1)
    assert "Bert Berg" in section and f"/org/people/{bert.id}" in section
    assert "Anna Aalto" not in section  # done
    assert "1/2 ei valmiina" in section
    assert "Stranger" not in page and f'data-assignment="{stranger_late.id}"' not in page
