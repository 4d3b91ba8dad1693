"""The route × role matrix of background jobs: a job of organisation A's manager is seen by
that manager (and A's other managers); B's manager, A's learner and the administrator get 404,
visitors the sign-in page. The export's start button (POST) is in the same matrix: A's and
B's managers each start their own organisation's export; a team of A's is 404 for B's."""

from __future__ import annotations

import datetime as dt

import pytest

from kampus.db import utcnow
from kampus.extensions import db
from kampus.jobs.models import DONE, Job
from kampus.jobs.progress import files_folder
from kampus.orgs.models import InvitationList
from tests.security.test_route_matrix import (
    LOGIN,
    ROLES,
    Route,
    check_csrf_refused,
    check_route,
    routes_missing,
    world_ids,
)


def only_manager_a(code, others=404) -> dict:
    return {"anonymous": LOGIN, "learner_a": others, "manager_a": code, "manager_b": others, "admin": others}


def _start(ids):
    return {"submit_key": "matrix-key-0123456789"}


ROUTES = [
    # The links of an import that ran as a job: once, for the manager who started it only.
    Route(
        "POST",
        "/org/staff/import/jobs/{import_job}/invitations",
        {"anonymous": LOGIN, "learner_a": 403, "manager_a": 200, "manager_b": 404, "admin": 403},
        writes=frozenset({"manager_a"}),
    ),
    Route("GET", "/jobs/{job}", only_manager_a(200)),
    Route("GET", "/jobs/{job}.json", only_manager_a(200)),
    Route("GET", "/jobs/{job}/download", only_manager_a(200)),
    # Starting an export, of the organisation or of a team, in either format.
    *(
        Route(
            "POST",
            f"{where}/export.{fmt}",
            {"anonymous": LOGIN, "learner_a": 403, "manager_a": 302, "manager_b": other, "admin": 403},
            data=_start,
            writes=writes,
        )
        for where, other, writes in (
            ("/org", 302, frozenset({"manager_a", "manager_b"})),
            ("/org/teams/{team_a}", 404, frozenset({"manager_a"})),
        )
        for fmt in ("csv", "xlsx")
    ),
]


@pytest.fixture
def app(make_app, tmp_path):
    """The app ``world`` is made in, with the job files in the test's folder."""
    app = make_app("catalogue", KAMPUS_JOB_FILES=str(tmp_path))
    with app.app_context():
        yield app


@pytest.fixture
def jobs_app(app):
    return app


@pytest.fixture
def ids(jobs_app, world):
    (files_folder() / "stored-result").write_bytes(b"\xef\xbb\xbfNimi\r\nLiisa Oppija\r\n")
    job = Job(
        kind="progress_export",
        key="matrix:job",
        user_id=world.manager_a.id,
        organisation_id=world.org_a.id,
        params={"format": "csv", "file_name": "kampus-org-a-progress.csv", "locale": "fi"},
        state=DONE,
        done=5,
        total=5,
        file_name="kampus-org-a-progress.csv",
        file_mimetype="text/csv",
        file_path="stored-result",
        finished_at=utcnow(),
    )
    db.session.add(job)
    links = InvitationList(
        organisation_id=world.org_a.id,
        manager_id=world.manager_a.id,
        secret_hash="0" * 64,
        user_ids=[world.invited_a.id],
        created_at=utcnow(),
        expires_at=utcnow() + dt.timedelta(minutes=30),
    )
    db.session.add(links)
    db.session.flush()
    import_job = Job(
        kind="staff_import",
        key="matrix:import",
        user_id=world.manager_a.id,
        organisation_id=world.org_a.id,
        params={"data": "", "locale": "fi"},
        state=DONE,
        result={"created": 1, "memberships": 0, "present": 0, "mailed": 0, "invitation_list": links.id},
        finished_at=utcnow(),
    )
    db.session.add(import_job)
    db.session.commit()
    return {**world_ids(world), "job": job.id, "import_job": import_job.id}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_matrix_of_jobs(jobs_app, world, ids, route, role):
    check_route(jobs_app, world, route, role, ids)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST"], ids=str)
def test_every_job_post_needs_a_csrf_token(jobs_app, world, ids, route):
    check_csrf_refused(jobs_app, world, route, "manager_a", ids)


def test_the_matrix_covers_every_jobs_route(jobs_app):
    missing = routes_missing(jobs_app, ROUTES, ("jobs",))
    assert not missing, "routes missing from ROUTES: " + ", ".join(sorted(missing))
