"""A staff import above ``KAMPUS_IMPORT_INLINE_MAX`` rows runs as a job: the confirm step goes to
the job's page, which ends with the import's counts and (without a mail server) the one download
of the invitation links, for the manager who started it only."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.extensions import db
from kampus.jobs.models import DONE, Job
from tests.factories import csrf_token, login, make_user
from tests.orgs.test_staff_import import confirm, upload

ROWS = 7
FILE = ("name;email;team\n" + "".join(f"Uusi {n};uusi{n}@example.fi;Tiimi A\n" for n in range(ROWS))).encode()


@pytest.fixture
def import_app(make_app, tmp_path):
    app = make_app("catalogue", KAMPUS_IMPORT_INLINE_MAX=3, KAMPUS_JOB_FILES=str(tmp_path))
    with app.app_context():
        yield app


@pytest.fixture
def world(import_app):
    from tests.factories import make_world

    return make_world()


def test_a_large_import_runs_as_a_job_and_ends_with_its_counts_and_the_links(import_app, world):
    client = import_app.test_client()
    login(client, world.manager_a.email)
    preview = upload(client, FILE).get_data(as_text=True)
    response = confirm(client, preview)
    again = confirm(client, preview)  # a double submit
    assert response.headers["Location"] == again.headers["Location"]
    job_url = response.headers["Location"]
    assert job_url.startswith("/jobs/")
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
    assert db.session.scalar(select(func.count(User.id)).where(User.email.like("uusi%"))) == ROWS

    status = client.get(job_url + ".json").get_json()
    assert status["state"] == DONE and status["done"] == status["total"] == ROWS
    page = client.get(job_url).get_data(as_text=True)
    assert "7 / 7 riviä" in page
    assert "7 uutta henkilöä lisättiin." in page
    assert "Lataa kutsulinkit" in page  # no mail server: the links, once

    job_id = int(job_url.rsplit("/", 1)[1])
    colleague = import_app.test_client()
    make_user(world.org_a, manager=True, email="manager2.a@example.fi")
    login(colleague, "manager2.a@example.fi")
    assert "Lataa kutsulinkit" not in colleague.get(job_url).get_data(as_text=True)
    url = f"/org/staff/import/jobs/{job_id}/invitations"
    assert colleague.post(url, data={"csrf_token": csrf_token(colleague, "/")}).status_code == 404

    file = client.post(url, data={"csrf_token": csrf_token(client, "/")})
    assert file.status_code == 200 and file.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(file.get_data().decode("utf-8-sig")), delimiter=";"))
    assert sorted(r[1] for r in rows[1:]) == sorted(f"uusi{n}@example.fi" for n in range(ROWS))
    second = client.post(url, data={"csrf_token": csrf_token(client, "/")})
    assert second.status_code == 302 and second.headers["Location"] == job_url  # one-time


def test_a_small_import_still_runs_in_the_request(import_app, world):
    client = import_app.test_client()
    login(client, world.manager_a.email)
    small = b"name;email;team\nYksi;yksi@example.fi;Tiimi A\n"
    response = confirm(client, upload(client, small).get_data(as_text=True))
    assert response.headers["Location"] == "/org/staff/import/invitations"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


@pytest.fixture
def catalogue_job_app(make_app, tmp_path):
    app = make_app("catalogue", KAMPUS_CATALOGUE_IMPORT_INLINE_MAX=0, KAMPUS_JOB_FILES=str(tmp_path))
    with app.app_context():
        yield app


def test_a_large_catalogue_import_runs_as_a_job_for_the_admin_only(catalogue_job_app):
    import yaml

    from kampus.authoring.import_jobs import KIND
    from tests.authoring.helpers import admin_client, get_module
    from tests.authoring.test_import_export import NEW_MODULE, upload_and_confirm

    client, admin = admin_client(catalogue_job_app)
    _html, response = upload_and_confirm(client, yaml.safe_dump({"modules": [NEW_MODULE]}, allow_unicode=True))
    job_url = response.headers["Location"]
    assert job_url.startswith("/jobs/")
    job = db.session.scalar(select(Job))
    assert job.kind == KIND and job.organisation_id is None
    status = client.get(job_url + ".json").get_json()
    assert status["state"] == DONE and status["done"] == status["total"] == 1
    page = client.get(job_url).get_data(as_text=True)
    assert "Luettelo tuotiin." in page and "1 / 1 moduuli" in page
    assert get_module("tuotu-moduuli") is not None
    other, _ = admin_client(catalogue_job_app, "toinen.admin@example.fi")
    assert other.get(job_url).status_code == 404  # another administrator: not theirs


def test_a_catalogue_job_fails_with_the_message_when_the_catalogue_moved(catalogue_job_app):
    import yaml

    from kampus.jobs import progress
    from tests.authoring.helpers import admin_client

    _client, admin = admin_client(catalogue_job_app)
    text = yaml.safe_dump({"modules": [NEW_MODULE_B]}, allow_unicode=True)
    job = progress.start(
        "catalogue_import",
        key="moved",
        user_id=admin.id,
        organisation_id=None,
        params={"text": text, "name": "c.yaml", "version": "-1", "locale": "fi"},
    )
    job_id = job.id
    db.session.commit()
    db.session.expire_all()
    failed = db.session.get(Job, job_id)
    assert failed.state == "failed" and failed.error.startswith("Luettelo muuttui tarkistuksen jälkeen.")


NEW_MODULE_B = {
    "slug": "toinen-tuotu",
    "theme": "pedagogiikka",
    "position": 21,
    "title": {"fi": "Toinen"},
    "summary": {"fi": "Tiedostosta."},
    "level": "B1",
    "minutes": 30,
    "target_groups": ["teaching"],
    "status": "published",
    "sections": [{"title": "Osa", "body": "Tekstiä."}],
}


def test_a_worker_outside_any_request_queues_the_invitations_of_a_staff_import(make_app, smtp_sink, tmp_path):
    """A worker runs the job in an app context only (no request): the invitation mails, rendered
    from templates, are queued all the same, one a person (no RuntimeError from the template context)."""
    from flask import has_request_context

    from kampus.jobs import progress
    from kampus.jobs.models import OutboxMessage
    from kampus.orgs import import_jobs

    app = make_app("catalogue", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port, KAMPUS_JOB_FILES=str(tmp_path))
    with app.app_context():
        from tests.factories import make_world

        world = make_world()
        manager = db.session.get(User, world.manager_a.id)
        job = progress.start(
            import_jobs.KIND,
            key="worker",
            user_id=manager.id,
            organisation_id=manager.organisation_id,
            params={"data": import_jobs.encode(FILE), "locale": "fi", "back_url": "/org/staff"},
        )
        db.session.commit()  # dispatched (eagerly in the tests) in this context: no request
        assert not has_request_context()
        db.session.expire_all()
        finished = db.session.get(Job, job.id)
        assert finished.state == DONE, finished.error
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "mail"))
        assert mails == ROWS


def test_a_catalogue_job_reports_its_progress_after_every_batch_of_modules(catalogue_job_app, monkeypatch):
    import yaml

    from kampus.catalogue import importer
    from kampus.catalogue.services import current_version
    from kampus.jobs import progress
    from tests.authoring.helpers import admin_client

    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    reported = []
    real = progress.JobRun.report

    def recording(self, done, total):
        reported.append((done, total))
        real(self, done, total)

    monkeypatch.setattr(progress.JobRun, "report", recording)
    _client, admin = admin_client(catalogue_job_app)
    from tests.catalogue.test_import import new_module

    modules = [new_module(f"erassa-{n}", position=30 + n) for n in range(3)]
    job = progress.start(
        "catalogue_import",
        key="batches",
        user_id=admin.id,
        organisation_id=None,
        params={
            "text": yaml.safe_dump({"modules": modules}, allow_unicode=True),
            "name": "c.yaml",
            "version": str(current_version()),
            "locale": "fi",
        },
    )
    job_id = job.id
    db.session.commit()
    db.session.expire_all()
    finished = db.session.get(Job, job_id)
    assert finished.state == DONE, finished.error
    assert reported[:4] == [(0, 3), (1, 3), (2, 3), (3, 3)]
