"""After passing a module, in a real browser with axe on every page: the result page
offers the next module on the learner's path, that link opens it, and the path page
lists the passed module among the finished ones, collapsed until opened, with how it
was finished; the weekly study time is set on the path page itself."""

import re

from sqlalchemy import select

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.notifications.services import notify

PASSWORD = "seuraava-salasana-1"
FIRST, THEN = "oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"


def make_learner(app, email):
    with app.app_context():
        user = User(email=email, name="Seppo Seuraava", password_hash=hash_password(PASSWORD), language="fi")
        db.session.add(user)
        db.session.flush()
        notify(user.id, "assignment_withdrawn", {"assignment": 1, "path": {"fi": "Vanha polku", "sv": "Gammal stig"}})
        db.session.commit()
        m = db.session.scalar(select(Module).where(Module.slug == FIRST))
        answers = {q.id: list(q.correct) for q in m.questions}
        titles = {
            slug: db.session.scalar(select(Module.title).where(Module.slug == slug))["fi"] for slug in (FIRST, THEN)
        }
        db.session.remove()
    return answers, titles


def test_pass_a_module_follow_next_module_and_see_it_finished_on_the_path(page, base_url, axe, live_server):
    answers, titles = make_learner(live_server.app_for_tests, "seppo.seuraava@example.fi")
    page.goto(base_url + "/login")
    page.fill("#email", "seppo.seuraava@example.fi")
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/me")

    # a notification waits: the nav counts it, the list shows it, marking it read clears the count
    assert page.locator("nav.site-nav .nav-count").inner_text() == "1 lukematon"
    page.locator('nav.site-nav a[href="/me/notifications"]').click()
    page.wait_for_url("**/me/notifications")
    assert "Vanha polku" in page.locator("ol.notifications").inner_text()
    axe(page)
    page.locator("ol.notifications form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/me/notifications.*"))
    assert page.locator("nav.site-nav .nav-count").count() == 0
    axe(page)

    page.goto(base_url + "/paths/new?module=oppimateriaalin-tuottaminen")  # as the module page's button links
    page.fill("#title", "Tuottaminen")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/paths/\d+$"))
    path_url = page.url

    # the weekly time, set on the path page itself
    page.fill("#minutes_per_week", "0")
    page.locator('form[action="/me/weekly-time"] button[type=submit]').click()
    assert page.locator("#minutes_per_week[aria-invalid=true]").count() == 1
    assert page.input_value("#minutes_per_week") == "0"
    axe(page)
    page.fill("#minutes_per_week", "60")
    page.locator('form[action="/me/weekly-time"] button[type=submit]').click()
    page.wait_for_url(re.compile(r".*/paths/\d+#weekly-time$"))
    assert page.locator("table.steps th", has_text="Viikko").count() == 1

    # test out of the first module
    page.goto(base_url + f"/modules/{FIRST}/test-out")
    for fieldset in page.locator("fieldset.question").all():
        question_id = int(fieldset.locator("input").first.get_attribute("name")[1:])
        for choice in answers[question_id]:
            fieldset.locator(f'input[value="{choice}"]').check()
    page.locator('form[action$="/check"] button[type=submit]').click()
    page.wait_for_url(re.compile(rf".*/modules/{FIRST}/attempts/\d+$"))
    assert page.locator(".result-pass").count() == 1
    axe(page)
    assert page.locator("nav.after-module a", has_text="Takaisin polulleni").get_attribute("href") == path_url.replace(
        base_url, ""
    )
    page.locator("nav.after-module a[rel=next]").click()
    page.wait_for_url(f"**/modules/{THEN}/study")
    assert page.locator("h1").inner_text() == titles[THEN]

    # the path page: the finished module is listed, collapsed, with how it was finished
    page.goto(path_url)
    assert page.locator(f'tr[data-slug="{FIRST}"]').count() == 0
    finished = page.locator(f'details.done-modules li[data-slug="{FIRST}"]')
    assert not finished.is_visible()
    page.locator("details.done-modules summary").click()
    assert finished.is_visible()
    assert titles[FIRST] in finished.inner_text()
    assert "Tunnustettu" in finished.inner_text() and "itsetestillä" in finished.inner_text()
    axe(page)
