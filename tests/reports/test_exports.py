"""Progress exports through the pages: everyone covered (also who has not started),
due date, deadline state and provenance, in the reader's language; CSV with ``;``
and a BOM, and .xlsx with typed cells, a frozen header and an autofilter."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from kampus.extensions import db
from kampus.i18n import localized
from kampus.progress import services as progress
from tests.factories import PASSWORD, login, make_org, make_team, make_user
from tests.paths.helpers import module
from tests.reports.test_pages import add_members, assign_team

pytestmark = pytest.mark.db

GOAL = "oppimateriaalin-tuottaminen"
FIRST = "oppimateriaalin-laatu"


def csv_rows(response) -> list[dict]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode()), "a UTF-8 BOM, so Excel reads ä and ö"
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].count(";") == 13, "separated by ; so Finnish Excel opens it in columns"
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def xlsx_sheet(response):
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return workbook.worksheets[0]


def sheet_dicts(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def team_world():
    org, other = make_org(), make_org()
    manager = make_user(org, manager=True)
    anna = make_user(org, name="Anna Aalto")
    bert = make_user(org, name="Bert Berg")  # has started nothing
    cecilia = make_user(org, name="Cecilia Invited", password=None)  # invited, never joined
    stranger = make_user(other, name="Stranger")
    team = make_team(org, "Tiimi", [anna, bert, cecilia])
    progress.recognise(anna.id, module(FIRST), "self_assessment")
    progress.recognise(stranger.id, module(FIRST), "manager")
    db.session.commit()
    assignment = assign_team(org, manager, team, (GOAL,), days=365)
    return dict(org=org, manager=manager, anna=anna, bert=bert, cecilia=cecilia, team=team, assignment=assignment)


def test_team_csv_lists_every_member_with_due_date_status_and_provenance_in_finnish(client, team_world):
    w = team_world
    login(client, w["manager"].email, PASSWORD)
    response = client.get(f"/org/teams/{w['team'].id}/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert {r["Nimi"] for r in rows} == {"Anna Aalto", "Bert Berg", "Cecilia Invited"}  # also who never started
    [bert] = [r for r in rows if r["Nimi"] == "Bert Berg"]  # one row: the path he has not started
    assert bert["Osoitettu polku"] == "Tuottaminen" and bert["Moduuli"] == "" and bert["Edistyminen"] == ""
    assert bert["Määräaika"] == w["assignment"].due.isoformat()
    assert bert["Tila"] == "Aikataulussa"
    [anna_first] = [r for r in rows if r["Nimi"] == "Anna Aalto"]  # her module row names the path it belongs to
    assert anna_first["Moduulin tunnus"] == FIRST and anna_first["Osoitettu polku"] == "Tuottaminen"
    assert anna_first["Miten suoritettu"] == "tunnustettu (itsearviointi)"
    assert anna_first["Edistyminen"] == "Tunnustettu"
    assert anna_first["Moduuli"] == localized(module(FIRST).title, "fi")[0]
    assert anna_first["Tila"] == "Aikataulussa"
    assert {r["Tilin tila"] for r in rows if r["Nimi"] == "Cecilia Invited"} == {"Kutsu odottaa"}
    assert "Stranger" not in response.get_data(as_text=True)


def test_organisation_export_lists_people_without_assignments_or_progress_once(client, team_world):
    w = team_world
    loner = make_user(w["org"], name="Lone Learner")
    db.session.commit()
    login(client, w["manager"].email, PASSWORD)
    rows = csv_rows(client.get("/org/export.csv"))
    mine = [r for r in rows if r["Nimi"] == "Lone Learner"]
    assert len(mine) == 1 and mine[0]["Sähköposti"] == loner.email and mine[0]["Moduuli"] == ""
    assert {r["Nimi"] for r in rows} >= {"Anna Aalto", "Bert Berg", "Cecilia Invited", w["manager"].name}
    assert "Stranger" not in {r["Nimi"] for r in rows}


def test_overdue_assignment_shows_overdue_in_the_export(client, team_world):
    w = team_world
    w["assignment"].due = dt.date.today() - dt.timedelta(days=1)
    db.session.commit()
    login(client, w["manager"].email, PASSWORD)
    rows = csv_rows(client.get(f"/org/teams/{w['team'].id}/export.csv"))
    assert {r["Tila"] for r in rows if r["Nimi"] == "Bert Berg"} == {"Myöhässä"}


def test_export_speaks_the_managers_language_and_titles_modules_in_it(client, team_world):
    w = team_world
    w["manager"].language = "sv"
    db.session.commit()
    login(client, w["manager"].email, PASSWORD)
    rows = csv_rows(client.get(f"/org/teams/{w['team'].id}/export.csv"))
    anna_first = next(r for r in rows if r["Namn"] == "Anna Aalto" and r["Modulens kod"] == FIRST)
    assert anna_first["Hur avklarad"] == "erkänd (självvärdering)"
    assert anna_first["Modul"] == localized(module(FIRST).title, "sv")[0]
    assert {r["Status"] for r in rows if r["Namn"] == "Bert Berg"} == {"Enligt tidtabell"}


def test_xlsx_export_has_typed_dates_and_numbers_a_frozen_header_and_an_autofilter(client, team_world):
    w = team_world
    from kampus.progress.models import Progress

    now = dt.datetime(2026, 11, 2, 10, 0)
    db.session.add(
        Progress(
            user_id=w["bert"].id,
            module_id=module(FIRST).id,
            status="completed",
            best_score=87,
            started_at=now,
            finished_at=now,
        )
    )
    db.session.commit()
    login(client, w["manager"].email, PASSWORD)
    team_page = client.get(f"/org/teams/{w['team'].id}").get_data(as_text=True)
    assert f"/org/teams/{w['team'].id}/export.xlsx" in team_page
    assert "/org/export.xlsx" in client.get("/org").get_data(as_text=True)
    sheet = xlsx_sheet(client.get(f"/org/teams/{w['team'].id}/export.xlsx"))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:N")
    assert sheet["A1"].value == "Nimi" and sheet["A1"].font.b
    rows = sheet_dicts(sheet)
    assert {r["Nimi"] for r in rows} == {"Anna Aalto", "Bert Berg", "Cecilia Invited"}
    everyone = sheet_dicts(xlsx_sheet(client.get("/org/export.xlsx")))
    assert "Stranger" not in {r["Nimi"] for r in everyone}  # another organisation's people never
    assert sheet.auto_filter.ref == f"A1:N{len(rows) + 1}"
    bert_first = next(r for r in rows if r["Nimi"] == "Bert Berg" and r["Moduulin tunnus"] == FIRST)
    assert isinstance(bert_first["Määräaika"], dt.datetime)  # a date cell, not text
    assert bert_first["Määräaika"].date() == w["assignment"].due
    assert isinstance(bert_first["Valmistunut"], dt.datetime)
    assert bert_first["Miten suoritettu"] == "Suoritettu"
    assert bert_first["Paras tulos (%)"] == 87  # a number cell


def test_xlsx_and_csv_never_carry_a_formula_in_a_name(client, team_world):
    w = team_world
    evil = make_user(w["org"], name='=HYPERLINK("http://evil.example/","x")', email="evil@example.fi")
    make_team(w["org"], "+cmd|' /C calc'!A0", [evil])
    db.session.commit()
    login(client, w["manager"].email, PASSWORD)
    workbook_bytes = client.get("/org/export.xlsx").get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == evil.name]
    assert cells and all(c.data_type == "s" for c in cells)  # text, not a formula
    assert b"<f>" not in workbook_bytes  # no formula anywhere
    rows = [r for r in csv_rows(client.get("/org/export.csv")) if r["Sähköposti"] == "evil@example.fi"]
    assert rows and rows[0]["Nimi"] == "'" + evil.name and rows[0]["Tiimit"].startswith("'+cmd")


def test_export_queries_do_not_grow_with_the_number_of_people(app, count_queries):
    counts = {}
    for people in (20, 200):
        org = make_org()
        manager = make_user(org, manager=True)
        team = make_team(org, "Kaikki")
        add_members(org, team, people)
        assign_team(org, manager, team, (GOAL,))
        client = app.test_client()
        login(client, manager.email, PASSWORD)
        client.get("/org/export.csv").get_data()  # warm the per-process caches (catalogue graph, session)
        for fmt in ("csv", "xlsx"):
            with count_queries(app) as counter:
                response = client.get(f"/org/export.{fmt}")
                body = response.get_data()
            assert response.status_code == 200 and body
            counts[(people, fmt)] = counter.count
    assert counts[(20, "csv")] == counts[(200, "csv")], counts
    assert counts[(20, "xlsx")] == counts[(200, "xlsx")], counts


@pytest.mark.slow
def test_xlsx_export_memory_does_not_grow_with_its_size(app):
    import tracemalloc

    from sqlalchemy import select

    from kampus.catalogue.models import Module
    from tests.reports.test_pages import _big_organisation

    modules = list(db.session.scalars(select(Module).order_by(Module.id).limit(5)))
    peaks = {}
    for people in (500, 2000):  # 2,500 and 10,000 rows: both more than a batch (EXPORT_BATCH)
        org, manager = _big_organisation(people, modules)
        client = app.test_client()
        login(client, manager.email, PASSWORD)
        client.get("/org/export.xlsx").get_data()  # warm (imports, caches)
        tracemalloc.start()
        response = client.get("/org/export.xlsx")
        assert response.is_streamed
        size = sum(len(chunk) for chunk in response.response)
        peaks[people] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        response.close()
        assert size > 0
    # Four times the rows; rows go to a temporary file, so the peak grows far less than
    # fourfold (what remains is openpyxl's zip step; bench/exports.py measures RSS at 10,000 staff).
    assert peaks[2000] < 2 * peaks[500], peaks
