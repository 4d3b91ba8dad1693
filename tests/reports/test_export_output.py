"""The progress export's exact output on a fixed organisation (byte for byte, kept
from before the export was made faster), and the progress callback background
jobs use to show how far an export has come."""

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.progress.models import Progress
from kampus.reports import progress_export
from tests.factories import PASSWORD, login, make_assignment, make_org, make_team, make_user

pytestmark = pytest.mark.db

GOLDEN = Path(__file__).parent / "data"


def _assign(org, manager, slugs, *, title, team=None, people=(), due=dt.date(2099, 6, 1)):
    return make_assignment(org, manager, team, title=title, module_slugs=slugs, people=people, due=due)[1]


@pytest.fixture
def fixed_world():
    """An organisation with every kind of row the export writes, nothing depending on the clock
    (due dates far in the past or the future, fixed timestamps)."""
    org, other = make_org(), make_org()
    manager = make_user(org, manager=True, name="Maija Manager", email="maija@example.fi")
    names = [
        ("Aino Ääninen", "aino@example.fi", True, True),
        ("Bertil Berg", "bertil@example.fi", True, True),
        ("Bertil Berg", "bertil2@example.fi", True, True),  # same name: the e-mail orders them
        ("Cecilia Invited", "cecilia@example.fi", True, False),
        ("Dan Deactivated", "dan@example.fi", False, True),
        ('=HYPERLINK("http://evil.example/","x")', "evil@example.fi", True, True),
        ("Öljy Östman", "oljy@example.fi", True, True),
        ("aapeli alku", "aapeli@example.fi", True, True),
        ("", "noname@example.fi", True, True),
    ]
    people = [make_user(org, name=n, email=e, active=a, password=PASSWORD if p else None) for n, e, a, p in names]
    stranger = make_user(other, name="Stranger", email="stranger@example.fi")
    tiimi = make_team(org, "Tiimi", people[:5])
    make_team(org, "+cmd|' /C calc'!A0", [people[1], people[5]])
    make_team(org, "Ääni", [people[0], people[6]])
    modules = {m.slug: m for m in db.session.scalars(select(Module))}
    slugs = sorted(modules)
    goal, first = "oppimateriaalin-tuottaminen", "oppimateriaalin-laatu"
    _assign(org, manager, (goal,), title={"fi": "Tuottaminen", "sv": "Produktion"}, team=tiimi)
    _assign(
        org,
        manager,
        (slugs[3],),
        title={"fi": "Myöhässä oleva", "sv": "Försenad"},
        people=[people[0], people[6], people[7]],
        due=dt.date(2020, 1, 1),
    )
    when = dt.datetime(2026, 3, 4, 5, 6)
    rows = []
    for index, person in enumerate(people + [stranger]):
        for n, slug in enumerate([first, goal, slugs[3], slugs[0], slugs[7]][: index % 6]):
            status = ("completed", "recognised", "in_progress")[(index + n) % 3]
            rows.append(
                {
                    "user_id": person.id,
                    "module_id": modules[slug].id,
                    "status": status,
                    "recognised_by": ("manager", "self_assessment", "self_check")[n % 3]
                    if status == "recognised"
                    else None,
                    "section_position": 0,
                    "best_score": (index * 7 + n) % 101 if status == "completed" and n % 2 else None,
                    "started_at": when + dt.timedelta(days=index + n),
                    "finished_at": when + dt.timedelta(days=index + n + 1) if status != "in_progress" else None,
                    "updated_at": when,
                }
            )
    db.session.execute(insert(Progress), rows)
    db.session.commit()
    return dict(org=org, manager=manager, team=tiimi, people=people)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_csv_export_is_byte_for_byte_what_it_was(client, fixed_world, language):
    fixed_world["manager"].language = language
    db.session.commit()
    login(client, "maija@example.fi", PASSWORD)
    for name, path in (("org", "/org/export.csv"), ("team", f"/org/teams/{fixed_world['team'].id}/export.csv")):
        response = client.get(path)
        assert response.status_code == 200
        expected = (GOLDEN / f"progress_export_{name}_{language}.csv").read_bytes()
        assert response.get_data() == expected, name


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_progress_callback_counts_people_batch_by_batch_up_to_everyone(app, fixed_world, monkeypatch, fmt):
    monkeypatch.setattr(progress_export, "EXPORT_BATCH", 4)  # several batches of the 10 people
    seen: list[tuple[int, int]] = []
    export = progress_export.export_csv_chunks if fmt == "csv" else progress_export.export_xlsx_chunks
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        body = list(export(fixed_world["org"].id, progress=lambda done, total: seen.append((done, total))))
    assert body and len(seen) > 2, seen
    assert {total for _done, total in seen} == {10}  # the nine people and their manager
    assert [done for done, _total in seen] == sorted({done for done, _total in seen})  # rising, never repeated
    assert seen[-1] == (10, 10)
    if fmt == "csv":  # batches never change what is written
        assert "".join(body).encode() == (GOLDEN / "progress_export_org_fi.csv").read_bytes()


def test_progress_callback_of_a_team_counts_only_its_members(app, fixed_world):
    seen: list[tuple[int, int]] = []
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        chunks = progress_export.export_csv_chunks(
            fixed_world["org"].id, fixed_world["team"].id, progress=lambda done, total: seen.append((done, total))
        )
        list(chunks)
    assert seen and {total for _done, total in seen} == {5} and seen[-1] == (5, 5)  # the team's five members


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "a;b",
        'say "hi"',
        "=1+2",
        "-3",
        "+cmd",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "two\nlines",
        " ",
        87,
        -5,
        2.5,
        None,
    ],
)
def test_a_cell_encoded_alone_is_what_the_csv_writer_writes_in_a_line(value):
    from kampus.exports import csv_cell, csv_text

    line = csv_text(["h"], [["a", value, "b"]], bom=False).split("\r\n", 1)[1]
    assert line == f"a;{csv_cell(value)};b\r\n"
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        assert csv_cell(value).lstrip('"').startswith("'")  # the spreadsheet-safety rule holds
