"""Manager reports over HTTP: the team matrix, the overview, CSV exports; query counts that do not grow."""

import csv
import datetime as dt
import io
import re

from kampus.assignments import services as assignments
from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import TeamMembership
from kampus.progress import services as progress
from tests.factories import PASSWORD, login, make_org, make_team, make_user
from tests.paths.helpers import module


def assign_team(org, manager, team, template_slugs=("oppimateriaalin-tuottaminen",), days=30):
    template = assignments.save_template(
        None, organisation_id=org.id, title={"fi": "Tuottaminen"}, description={}, target_group=None,
        module_slugs=list(template_slugs), theme_slugs=[],
    )
    made = assignments.assign(org.id, manager.id, template_id=template.id, team_id=team.id, user_ids=[],
                              due=dt.date.today() + dt.timedelta(days=days))
    db.session.commit()
    return made


def add_members(org, team, count):
    """Many members at once (bulk insert: argon2 per person would be slow)."""
    users = [User(email=f"m{team.id}-{i}@example.fi", name=f"Jäsen {i:03d}", organisation_id=org.id) for i in range(count)]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(TeamMembership(team_id=team.id, user_id=u.id) for u in users)
    db.session.commit()
    return users


def test_team_matrix_shows_each_members_status_and_changes_when_they_complete(client):
    org = make_org()
    manager = make_user(org, manager=True)
    anna, bert = make_user(org, name="Anna"), make_user(org, name="Bert")
    team = make_team(org, "Tiimi", [anna, bert])
    assign_team(org, manager, team)
    login(client, manager.email, PASSWORD)
    html = client.get(f"/org/teams/{team.id}").get_data(as_text=True)
    columns = re.findall(r'<th scope="col" class="module-col"><a href="/modules/([^"]+)"', html)
    assert set(columns) == {"oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus", "oppimateriaalin-tuottaminen"}
    assert columns[-1] == "oppimateriaalin-tuottaminen"  # the goal comes after what it needs
    progress.recognise(anna.id, module("oppimateriaalin-laatu"), "manager")
    db.session.commit()
    html = client.get(f"/org/teams/{team.id}").get_data(as_text=True)
    anna_row = re.search(rf'<tr data-user="{anna.id}">(.*?)</tr>', html, re.S).group(1)
    bert_row = re.search(rf'<tr data-user="{bert.id}">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r'data-status="(\w+)"', anna_row) == ["recognised", "available", "locked"]
    assert re.findall(r'data-status="(\w+)"', bert_row) == ["available", "available", "locked"]
    assert 'value="1"' in anna_row and "1/3" in anna_row and "0/3" in bert_row
    assert "Lukittu" in bert_row  # the status in words, not colour alone


def test_team_matrix_sorts_by_progress(client):
    org = make_org()
    manager = make_user(org, manager=True)
    anna, bert = make_user(org, name="Anna"), make_user(org, name="Bert")
    team = make_team(org, "Tiimi", [anna, bert])
    assign_team(org, manager, team)
    progress.recognise(anna.id, module("oppimateriaalin-laatu"), "manager")
    db.session.commit()
    login(client, manager.email, PASSWORD)
    by_name = re.findall(r'<tr data-user="(\d+)"', client.get(f"/org/teams/{team.id}").get_data(as_text=True))
    by_progress = re.findall(r'<tr data-user="(\d+)"', client.get(f"/org/teams/{team.id}?sort=progress").get_data(as_text=True))
    assert by_name == [str(anna.id), str(bert.id)] and by_progress == [str(bert.id), str(anna.id)]


def test_team_page_and_overview_query_counts_do_not_grow_with_the_team(app, client, count_queries):
    org = make_org()
    manager = make_user(org, manager=True)
    small, large = make_team(org, "Pieni"), make_team(org, "Suuri")
    for team, size in ((small, 5), (large, 200)):
        members = add_members(org, team, size)
        for member in members[::2]:
            progress.recognise(member.id, module("oppimateriaalin-laatu"), "manager")
        assign_team(org, manager, team)
    db.session.commit()
    login(client, manager.email, PASSWORD)
    counts = {}
    for team in (small, large):
        client.get(f"/org/teams/{team.id}")
        with count_queries(app) as counter:
            html = client.get(f"/org/teams/{team.id}").get_data(as_text=True)
        counts[team.name] = counter.count
        assert html.count("<tr data-user=") == (5 if team is small else 200)
    assert counts["Pieni"] == counts["Suuri"] <= 20, counts
    with count_queries(app) as overview:
        client.get("/org")
    assert overview.count <= 20, overview.statements


def test_overview_shows_the_radar_and_the_table_with_real_values(client):
    org = make_org()
    manager = make_user(org, manager=True)
    learner = make_user(org)
    for m in ("oppimateriaalin-laatu", "oppimateriaalin-tuottaminen", "tekijanoikeudet-ja-avoimuus", "tekoaly-oppimisessa"):
        progress.recognise(learner.id, module(m), "manager")
    db.session.commit()
    login(client, manager.email, PASSWORD)
    html = client.get("/org").get_data(as_text=True)
    assert html.count('class="radar-ring"') >= 4 and 'class="radar-series series-share"' in html
    row = re.search(r'<tr data-theme="digitaaliset-sisallot">(.*?)</tr>', html, re.S).group(1)
    assert "50\xa0% (1)" in row  # one of two active people (the manager counts too); Finnish percent, Babel's space


def test_csv_export_has_a_header_one_row_per_person_and_module_and_stays_in_the_organisation(client):
    org, other = make_org(), make_org()
    manager = make_user(org, manager=True)
    learner = make_user(org, name="Äijä Öhman")
    team = make_team(org, "Tiimi", [learner])
    stranger = make_user(other)
    for person in (learner, stranger):
        progress.recognise(person.id, module("oppimateriaalin-laatu"), "manager")
    progress.start_module(learner.id, module("digcomp-perusteet"))
    db.session.commit()
    login(client, manager.email, PASSWORD)
    response = client.get(f"/org/teams/{team.id}/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs then read ä and ö right
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["name"], r["module"], r["status"], r["teams"]) for r in rows] == [
        ("Äijä Öhman", "digcomp-perusteet", "in_progress", "Tiimi"),
        ("Äijä Öhman", "oppimateriaalin-laatu", "recognised", "Tiimi"),
    ]
    everyone = client.get("/org/export.csv").get_data().decode("utf-8")
    assert stranger.email not in everyone and learner.email in everyone
