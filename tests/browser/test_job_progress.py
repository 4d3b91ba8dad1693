"""In a real browser: a job's page moves its progress bar as the job goes on (the script polls
the job's JSON) and shows the download link when it is done; without JavaScript the page
reloads itself until then. axe checks the page running and done."""

from __future__ import annotations

from sqlalchemy import update

MANAGER = "sari.manninen@jarvilaakso.example"
PASSWORD = "kampus-demo"


def make_running_job(app, folder) -> int:
    from sqlalchemy import select

    from kampus.auth.models import User
    from kampus.extensions import db
    from kampus.jobs.models import RUNNING, Job

    app.config["KAMPUS_JOB_FILES"] = str(folder)
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == MANAGER))
        job = Job(
            kind="progress_export",
            key=f"browser:{folder.name}",
            user_id=manager.id,
            organisation_id=manager.organisation_id,
            params={"format": "csv", "file_name": "kampus-progress.csv", "locale": "fi"},
            state=RUNNING,
            done=3,
            total=10,
        )
        db.session.add(job)
        db.session.commit()
        return job.id


def move(app, job_id: int, **values) -> None:
    from kampus.extensions import db
    from kampus.jobs.models import Job

    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(**values))
        db.session.commit()


def finish(app, job_id: int, folder) -> None:
    from kampus.db import utcnow
    from kampus.jobs.models import DONE

    (folder / "stored-file").write_bytes(b"\xef\xbb\xbfNimi\r\n")
    move(
        app,
        job_id,
        state=DONE,
        done=10,
        finished_at=utcnow(),
        file_name="kampus-progress.csv",
        file_mimetype="text/csv",
        file_path="stored-file",
    )


def sign_in(page, base_url):
    page.goto(base_url + "/login")
    page.fill("#email", MANAGER)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_bar_moves_to_done_and_the_download_appears(page, base_url, live_server, axe, tmp_path):
    app = live_server.app_for_tests
    job_id = make_running_job(app, tmp_path)
    sign_in(page, base_url)
    page.goto(f"{base_url}/jobs/{job_id}")
    bar = page.locator("progress#job-progress")
    assert bar.get_attribute("value") == "30"
    assert "3 / 10 henkilöä" in page.locator("#job-status").inner_text()
    assert page.locator("#job-status").get_attribute("aria-live") == "polite"
    download = page.get_by_role("link", name="Lataa kampus-progress.csv")
    assert not download.is_visible()
    axe(page)

    move(app, job_id, done=7)
    page.wait_for_function("() => document.getElementById('job-progress').value === 70", timeout=10_000)
    assert "7 / 10 henkilöä" in page.locator("#job-status").inner_text()

    finish(app, job_id, tmp_path)
    download.wait_for(state="visible", timeout=10_000)
    assert page.evaluate("() => document.getElementById('job-progress').value") == 100
    assert "Valmis." in page.locator("#job-status").inner_text()
    assert download.get_attribute("href") == f"/jobs/{job_id}/download"
    axe(page)


def test_without_javascript_the_page_reloads_itself_until_the_job_is_done(
    browser, browser_context_args, base_url, live_server, tmp_path
):
    app = live_server.app_for_tests
    job_id = make_running_job(app, tmp_path)
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    page = context.new_page()
    try:
        sign_in(page, base_url)
        page.goto(f"{base_url}/jobs/{job_id}")
        assert page.locator("noscript").count() >= 1
        assert page.get_by_role("link", name="Päivitä sivu").is_visible()
        finish(app, job_id, tmp_path)
        page.get_by_role("link", name="Lataa kampus-progress.csv").wait_for(state="visible", timeout=10_000)
        assert page.locator("progress#job-progress").get_attribute("value") == "100"
        assert 'http-equiv="refresh"' not in page.content()  # a finished job's page stays put
    finally:
        context.close()
