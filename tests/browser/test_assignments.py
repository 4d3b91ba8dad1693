"""In a real browser, with axe on every page: a manager assigns a template to a
team with a due date; a member signs in and sees it; after the member completes
a module the team page shows it; the CSV downloads and parses."""

import csv
import datetime as dt
import io
import re

from sqlalchemy import select

from kampus.catalogue.models import Module
from kampus.extensions import db
from tests.browser.test_accounts import DEMO_MANAGER, DEMO_PASSWORD, sign_in

MEMBER = "anne.koskinen@jarvilaakso.example"  # the only member of team Opinto-ohjaus


def correct_answers(app, slug):
    with app.app_context():
        m = db.session.scalar(select(Module).where(Module.slug == slug))
        answers = {q.id: list(q.correct) for q in m.questions}
        db.session.remove()
    return answers


def sign_out(page):
    page.locator("form[action='/logout'] button").click()
    page.wait_for_load_state()


def test_assign_a_path_see_it_complete_a_module_and_follow_it(page, base_url, axe, live_server):
    sign_in(page, base_url, axe, DEMO_MANAGER, DEMO_PASSWORD)
    page.goto(base_url + "/org/assignments")
    axe(page)
    page.select_option("#template", label="Saavutettava digitaalinen materiaali")
    page.select_option("#team", label="Opinto-ohjaus")
    due = dt.date.today() + dt.timedelta(days=60)
    page.fill("#due", due.isoformat())
    page.fill("#note", "Tämä kuuluu kaikille ohjaajille.")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/org/assignments")
    assert page.locator(".flash-success").count() == 1
    axe(page)
    team_link = page.locator("tr", has_text="Saavutettava digitaalinen materiaali").get_by_role(
        "link", name="Opinto-ohjaus"
    )
    team_url = base_url + team_link.first.get_attribute("href")
    sign_out(page)

    # the member sees the assigned path on the dashboard, personalised by their own progress
    sign_in(page, base_url, axe, MEMBER, DEMO_PASSWORD)
    card = page.locator(".path-list li", has_text="Saavutettava digitaalinen materiaali")
    assert card.locator(".tag").inner_text() == "Osoitettu"
    assert "Tämä kuuluu kaikille ohjaajille." in card.inner_text()
    axe(page)
    card.get_by_role("link", name="Saavutettava digitaalinen materiaali").click()
    page.wait_for_url(re.compile(r".*/me/assignments/\d+$"))
    axe(page)
    first = page.locator("tbody tr", has=page.locator(".status-available, .status-in_progress")).first
    slug = first.get_attribute("data-slug")
    first.locator("a").first.click()
    page.wait_for_url(f"**/modules/{slug}/study")
    if page.locator('a[href$="/test-out"]').count():  # not started yet: test out of it
        page.locator('a[href$="/test-out"]').click()
        page.wait_for_url(f"**/modules/{slug}/test-out")
    answers = correct_answers(live_server.app_for_tests, slug)
    for fieldset in page.locator("fieldset.question").all():  # choices are shuffled: answer by choice id
        question_id = int(fieldset.locator("input").first.get_attribute("name")[1:])
        for choice in answers[question_id]:
            fieldset.locator(f'input[value="{choice}"]').check()
    page.locator('form[action*="/check"] button[type=submit]').click()
    page.wait_for_selector(".result-pass")
    axe(page)
    sign_out(page)

    # the manager's team page shows the module done, and the CSV holds the row
    sign_in(page, base_url, axe, DEMO_MANAGER, DEMO_PASSWORD)
    page.goto(team_url)
    axe(page)
    row = page.locator("tr", has=page.get_by_role("link", name="Anne Koskinen"))
    column = [a.get_attribute("href") for a in page.locator("th.module-col a").all()].index(f"/modules/{slug}")
    assert row.locator("td.cell").nth(column).get_attribute("data-status") in ("completed", "recognised")
    with page.expect_download() as download:
        page.get_by_role("link", name="Lataa CSV-tiedostona").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert any(
        r["Sähköposti"] == MEMBER and r["Moduulin tunnus"] == slug and r["Edistyminen"] in ("Suoritettu", "Tunnustettu")
        for r in rows
    )
