"""Manager reports over HTTP: the team matrix, the overview, CSV exports; query counts that do not grow."""

import csv
import datetime as dt
import io
import re

import pytest

from kampus.auth.models import User
from kampus.extensions import db
from kampus.orgs.models import TeamMembership
from kampus.progress import services as progress
from tests.factories import PASSWORD, login, make_assignment, make_org, make_team, make_user
from tests.paths.helpers import module


def assign_team(org, manager, team, template_slugs=("oppimateriaalin-tuottaminen",), days=30):
    return make_assignment(org, manager, team, title="Tuottaminen", module_slugs=template_slugs, due_in_days=days)[1]


def add_members(org, team, count):
    """Many members at once (bulk insert: argon2 per person would be slow)."""
    users = [
        User(email=f"m{team.id}-{i}@example.fi", name=f"Jäsen {i:03d}", organisation_id=org.id) for i in range(count)
    ]
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
    by_progress = re.findall(
        r'<tr data-user="(\d+)"', client.get(f"/org/teams/{team.id}?sort=progress").get_data(as_text=True)
    )
    assert by_name == [str(anna.id), str(bert.id)] and by_progress == [str(bert.id), str(anna.id)]


@pytest.mark.slow
def test_team_page_query_count_is_the_same_for_5_and_300_members_and_the_matrix_is_paged(app, client, count_queries):
    org = make_org()
    manager = make_user(org, manager=True)
    small, large = make_team(org, "Pieni"), make_team(org, "Suuri")
    for team, size in ((small, 5), (large, 300)):
        members = add_members(org, team, size)
        for member in members[::2]:
            progress.recognise(member.id, module("oppimateriaalin-laatu"), "manager")
        assign_team(org, manager, team)
    outsiders = add_members(org, make_team(org, "Muut"), 400)  # the organisation grows, not the team
    db.session.commit()
    login(client, manager.email, PASSWORD)
    counts, pages = {}, {}
    from kampus import cache

    for team in (small, large):
        client.get(f"/org/teams/{team.id}")
        cache.clear()  # count the page as computed (kampus.cache keeps its blocks otherwise)
        with count_queries(app) as counter:
            html = client.get(f"/org/teams/{team.id}").get_data(as_text=True)
        counts[team.name] = counter.count
        pages[team.name] = html
        with count_queries(app) as counter:
            client.get(f"/org/teams/{team.id}")
        assert counter.count <= 4  # cached: the manager, the organisation, the catalogue version
    assert counts["Pieni"] == counts["Suuri"] <= 12, counts
    assert pages["Pieni"].count("<tr data-user=") == 5
    big = pages["Suuri"]
    assert big.count("<tr data-user=") == 50 and "Sivu 1 / 6" in big and 'rel="next"' in big
    assert outsiders[0].email not in big and "<option" not in big  # no list of the whole staff
    # The per-module summary counts the whole team (150 of 300 recognised), not the page.
    assert re.search(r'data-satisfied="oppimateriaalin-laatu">150<', big)
    last = client.get(f"/org/teams/{large.id}?page=6").get_data(as_text=True)
    assert last.count("<tr data-user=") == 50 and "Jäsen 299" in last and "Jäsen 000" not in last
    with count_queries(app) as counter:
        by_progress = client.get(f"/org/teams/{large.id}?sort=progress").get_data(as_text=True)
    assert counter.count == counts["Suuri"]
    # Sorted by progress, the first page holds the members with nothing yet (the odd ones).
    names = re.findall(r'<tr data-user="\d+">\s*<th scope="row"><a [^>]+>Jäsen (\d+)<', by_progress)
    assert len(names) == 50 and all(int(n) % 2 == 1 for n in names)


def test_overview_query_count_does_not_grow_with_the_organisation(app, client, count_queries):
    org = make_org()
    manager = make_user(org, manager=True)
    for member in add_members(org, make_team(org, "Pieni"), 3)[::2]:
        progress.recognise(member.id, module("oppimateriaalin-laatu"), "manager")
    db.session.commit()
    login(client, manager.email, PASSWORD)
    client.get("/org")  # shows the flashed "signed in": the whole page is not stored
    client.get("/org")
    with count_queries(app) as small:
        client.get("/org")
    for member in add_members(org, make_team(org, "Suuri"), 300)[::3]:
        progress.recognise(member.id, module("oppimateriaalin-laatu"), "manager")
    db.session.commit()
    client.get("/org")  # the test's commit expired the signed-in user in the shared session
    with count_queries(app) as large:
        client.get("/org")
    assert small.count == large.count <= 20, large.statements


def test_overview_shows_the_radar_and_the_table_with_real_values(client):
    org = make_org()
    manager = make_user(org, manager=True)
    learner = make_user(org)
    for m in (
        "oppimateriaalin-laatu",
        "oppimateriaalin-tuottaminen",
        "tekijanoikeudet-ja-avoimuus",
        "tekoaly-oppimisessa",
    ):
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
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [(r["Nimi"], r["Moduulin tunnus"], r["Edistyminen"], r["Tiimit"]) for r in rows] == [
        ("Äijä Öhman", "digcomp-perusteet", "Kesken", "Tiimi"),
        ("Äijä Öhman", "oppimateriaalin-laatu", "Tunnustettu", "Tiimi"),
    ]
    everyone = client.get("/org/export.csv").get_data().decode("utf-8")
    assert stranger.email not in everyone and learner.email in everyone


def test_overview_figures_are_reused_until_a_write_moves_the_organisations_report_version(app, client, count_queries):
    from kampus.orgs.models import Organisation

    org, other = make_org(), make_org()
    manager = make_user(org, manager=True)
    learner, _stranger = make_user(org), make_user(other)
    login(client, manager.email, PASSWORD)
    client.get("/org")
    with count_queries(app) as again:
        html = client.get("/org").get_data(as_text=True)
    assert not [s for s in again.statements if "learning_events" in s or "progress" in s], again.statements
    row = re.search(r'<tr data-theme="digitaaliset-sisallot">(.*?)</tr>', html, re.S).group(1)
    assert "0\xa0% (0)" in row
    before = db.session.get(Organisation, org.id).report_version, db.session.get(Organisation, other.id).report_version
    for m in (
        "oppimateriaalin-laatu",
        "oppimateriaalin-tuottaminen",
        "tekijanoikeudet-ja-avoimuus",
        "tekoaly-oppimisessa",
    ):
        progress.recognise(learner.id, module(m), "manager")
    db.session.commit()
    after = db.session.get(Organisation, org.id).report_version, db.session.get(Organisation, other.id).report_version
    assert after[0] > before[0] and after[1] == before[1]  # only the learner's organisation moved
    row = re.search(
        r'<tr data-theme="digitaaliset-sisallot">(.*?)</tr>', client.get("/org").get_data(as_text=True), re.S
    ).group(1)
    assert "50\xa0% (1)" in row  # recomputed: one of two active people


def test_network_overview_recomputes_only_the_organisations_whose_version_moved(app, client, count_queries):
    orgs = [make_org() for _ in range(3)]
    people = [make_user(o) for o in orgs]
    admin = make_user(None, admin=True)
    login(client, admin.email, PASSWORD)
    client.get("/admin/network")
    progress.recognise(people[1].id, module("oppimateriaalin-laatu"), "manager")
    db.session.commit()
    client.get("/me")  # the commit expired the signed-in admin in the test's shared session
    with count_queries(app) as counter:
        assert client.get("/admin/network").status_code == 200
    capability = [s for s in counter.statements if "FROM progress" in s]
    assert len(capability) == 1, counter.statements
    ids = re.search(r"users\.organisation_id IN \(([^)]*)\)", capability[0]).group(1)
    assert "," not in ids  # one organisation recomputed, not three
    with count_queries(app) as cached:
        client.get("/admin/network")
    assert not [s for s in cached.statements if "FROM progress" in s]


def _big_organisation(people: int, modules: list):
    """An organisation of ``people`` with a progress row per person and module (bulk core inserts)."""
    from sqlalchemy import insert

    from kampus.progress.models import Progress

    org = make_org()
    manager = make_user(org, manager=True)
    team = make_team(org, "Kaikki")
    users = add_members(org, team, people)
    now = dt.datetime(2026, 11, 1, 12, 0)
    db.session.execute(
        insert(Progress),
        [
            {
                "user_id": u.id,
                "module_id": m.id,
                "status": "completed",
                "section_position": 0,
                "best_score": 90,
                "started_at": now,
                "finished_at": now,
                "updated_at": now,
            }
            for u in users
            for m in modules
        ],
    )
    db.session.commit()
    return org, manager


@pytest.mark.slow
def test_csv_export_streams_in_batches_with_memory_that_does_not_grow_with_its_size(app, count_queries):
    import tracemalloc

    from sqlalchemy import select

    from kampus.catalogue.models import Module

    modules = list(db.session.scalars(select(Module).order_by(Module.id).limit(5)))
    peaks, sizes = {}, {}
    for people in (400, 1600):  # 2,000 and 8,000 rows
        org, manager = _big_organisation(people, modules)
        client = app.test_client()
        login(client, manager.email, PASSWORD)
        tracemalloc.start()
        response = client.get("/org/export.csv")
        assert response.is_streamed and response.mimetype == "text/csv"
        lines = 0
        for chunk in response.response:
            lines += (chunk if isinstance(chunk, str) else chunk.decode("utf-8")).count("\r\n")
        peaks[people] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        response.close()
        sizes[people] = lines
    # The header, every person's rows and the manager's one row (no progress).
    assert sizes == {400: 1 + 1 + 400 * 5, 1600: 1 + 1 + 1600 * 5}
    # Four times the rows; the peak stays about the same (a batch), where a
    # buffered export's would grow about fourfold.
    assert peaks[1600] < 1.5 * peaks[400], peaks
