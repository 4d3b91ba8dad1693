"""A large export runs as a background job (in-process here, no broker): the export page offers
a button, the button starts one job (even when pressed twice), the job's page and JSON show its
progress and its download, which is the same file as the streamed export. Only the person who
started it and the other managers of that organisation see a job; everyone else gets 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kampus.extensions import db
from kampus.jobs.models import DONE, Job
from tests.factories import login, make_user


@pytest.fixture
def small_limit_app(make_app, tmp_path):
    app = make_app(
        "catalogue", KAMPUS_EXPORT_INLINE_MAX=3, KAMPUS_EXPORT_XLSX_INLINE_MAX=3, KAMPUS_JOB_FILES=str(tmp_path)
    )
    with app.app_context():
        yield app


@pytest.fixture
def big_world(small_limit_app):
    from tests.factories import make_world

    world = make_world()
    for n in range(4):
        make_user(world.org_a, email=f"extra{n}@example.fi", name=f"Ekstra {n}")
    return world


def signed_in(app, email):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def start_export(client, url="/org/export.csv"):
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Aloita vienti" in html  # "Start the export", Finnish
    fields = dict(re.findall(r'name="(csrf_token|submit_key)"[^>]*value="([^"]+)"', html))
    return client, fields


def test_a_large_export_runs_as_one_job_whose_download_is_the_streamed_export(small_limit_app, big_world):
    client, fields = start_export(signed_in(small_limit_app, "manager.a@example.fi"))
    first = client.post("/org/export.csv", data=fields)
    again = client.post("/org/export.csv", data=fields)  # a double submit
    assert first.status_code == 302 and again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    job_url = first.headers["Location"]
    assert re.fullmatch(r"/jobs/\d+", job_url)

    page = client.get(job_url).get_data(as_text=True)
    assert "<progress" in page and 'value="100"' in page
    assert 'aria-live="polite"' in page
    assert "8 / 8 henkilöä" in page  # everyone in A, counted through Babel
    status = client.get(job_url + ".json").get_json()
    assert status["state"] == DONE and status["percent"] == 100 and status["done"] == status["total"] == 8
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"] == 'attachment; filename="kampus-org-a-progress.csv"'

    inline_limit = small_limit_app.config["KAMPUS_EXPORT_INLINE_MAX"]
    small_limit_app.config["KAMPUS_EXPORT_INLINE_MAX"] = 10_000
    try:
        streamed = client.get("/org/export.csv")
    finally:
        small_limit_app.config["KAMPUS_EXPORT_INLINE_MAX"] = inline_limit
    assert streamed.headers["Content-Disposition"] == download.headers["Content-Disposition"]
    assert download.data == streamed.data
    assert "Ekstra 3" in download.data.decode("utf-8")


def test_a_small_export_still_streams(small_limit_app, big_world):
    client = signed_in(small_limit_app, "manager.a@example.fi")
    response = client.get(f"/org/teams/{big_world.team_a.id}/export.csv")  # one member
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_start_button_needs_its_key_and_a_csrf_token(small_limit_app, big_world):
    client, fields = start_export(signed_in(small_limit_app, "manager.a@example.fi"))
    assert client.post("/org/export.csv", data={"csrf_token": fields["csrf_token"]}).status_code == 400
    assert client.post("/org/export.csv", data={"submit_key": fields["submit_key"]}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_an_xlsx_job_downloads_a_workbook(small_limit_app, big_world):
    client, fields = start_export(signed_in(small_limit_app, "manager.a@example.fi"), "/org/export.xlsx")
    job_url = client.post("/org/export.xlsx", data=fields).headers["Location"]
    status = client.get(job_url + ".json").get_json()
    download = client.get(status["download_url"])
    assert download.data[:2] == b"PK"
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_other_managers_of_the_organisation_see_the_job_others_get_404(small_limit_app, big_world):
    client, fields = start_export(signed_in(small_limit_app, "manager.a@example.fi"))
    job_url = client.post("/org/export.csv", data=fields).headers["Location"]
    download_url = client.get(job_url + ".json").get_json()["download_url"]
    make_user(big_world.org_a, manager=True, email="manager2.a@example.fi")
    colleague = signed_in(small_limit_app, "manager2.a@example.fi")
    assert colleague.get(job_url).status_code == 200
    for email in ("manager.b@example.fi", "learner.a@example.fi", "admin@example.fi"):
        other = signed_in(small_limit_app, email)
        for url in (job_url, job_url + ".json", download_url):
            assert other.get(url).status_code == 404, (email, url)
    anonymous = small_limit_app.test_client()
    assert anonymous.get(job_url).headers["Location"].startswith("/login")


def test_the_export_adapter_passes_progress_only_to_an_export_that_takes_it():
    from kampus.reports.jobs import chunks_with_progress

    calls: list[tuple[int, int]] = []

    def before_the_merge(organisation_id, team_id=None):
        return ["old"]

    def after_the_merge(organisation_id, team_id=None, *, progress=None):
        progress(2000, 10010)
        return ["new"]

    assert chunks_with_progress(before_the_merge, 1, None, lambda d, t: calls.append((d, t))) == ["old"]
    assert chunks_with_progress(after_the_merge, 1, None, lambda d, t: calls.append((d, t))) == ["new"]
    assert calls == [(2000, 10010)]


def test_the_job_page_counts_in_the_readers_language(small_limit_app, big_world):
    from kampus.jobs.views import counted

    job = Job(kind="progress_export", state="running", done=1234, total=10010)
    with small_limit_app.test_request_context():
        from flask_babel import force_locale

        with force_locale("fi"):
            assert counted(job) == "1\xa0234 / 10\xa0010 henkilöä"
        with force_locale("sv"):
            assert counted(job) == "1\xa0234 / 10\xa0010 personer"
