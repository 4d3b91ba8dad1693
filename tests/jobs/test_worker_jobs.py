"""Real Redis, a real Celery worker: a large export started from its page runs in the worker,
the job's JSON moves to done, and the download (from the folder the web app and the worker
share) is the same file as the streamed export."""

from __future__ import annotations

import re
import time

import pytest

from kampus.jobs.models import DONE
from tests.factories import login, make_user
from tests.jobs.test_worker import wait_ready

pytestmark = pytest.mark.slow


@pytest.fixture
def broker_app(make_app, redis_url, sink, workers, tmp_path):
    files = tmp_path / "job-files"
    app = make_app(
        "catalogue",
        REDIS_URL=redis_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=sink.port,
        KAMPUS_EXPORT_INLINE_MAX=3,
        KAMPUS_JOB_FILES=str(files),
    )
    workers.env["KAMPUS_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    workers.env["KAMPUS_JOB_FILES"] = str(files)  # production: a folder shared by web and workers
    with app.app_context():
        assert app.extensions["celery"].conf.task_always_eager is False
        yield app


def test_a_worker_runs_an_export_started_from_its_page_to_done(broker_app, workers):
    from tests.factories import make_world

    world = make_world()
    for n in range(5):
        make_user(world.org_a, email=f"extra{n}@example.fi", name=f"Ekstra {n}")
    workers.start("w1")
    wait_ready(workers, "w1")
    client = broker_app.test_client()
    login(client, world.manager_a.email)
    html = client.get("/org/export.csv").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|submit_key)"[^>]*value="([^"]+)"', html))
    job_url = client.post("/org/export.csv", data=fields).headers["Location"]
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(job_url + ".json").get_json()
        seen.append(status["state"])
        if status["state"] == DONE:
            break
        time.sleep(0.2)
    assert seen[-1] == DONE, (seen, (workers.folder / "w1.log").read_text(errors="replace")[-3000:])
    assert seen[0] in ("queued", "running")  # the request did not run the job itself
    assert status["done"] == status["total"] == 9
    download = client.get(status["download_url"])
    broker_app.config["KAMPUS_EXPORT_INLINE_MAX"] = 10_000
    streamed = client.get("/org/export.csv")
    assert download.data == streamed.data and "Ekstra 4" in download.data.decode("utf-8")
