"""The learner's whole journey in a real browser, with axe on every page:
sign in → self-assess → build a path toward a theme → start a module and study
its sections → pass its self-check → see the next module unlock and the bar
move → rate it."""

import re

from sqlalchemy import select

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.catalogue.models import Module
from kampus.extensions import db

PASSWORD = "matka-salasana-1"


def make_journey_learner(app, email):
    with app.app_context():
        db.session.add(User(email=email, name="Jaana Journey", password_hash=hash_password(PASSWORD), language="fi"))
        db.session.commit()
        m = db.session.scalar(select(Module).where(Module.slug == "oppimateriaalin-laatu"))
        answers = {q.id: list(q.correct) for q in m.questions}
        sections = [s.title["fi"] for s in m.sections]  # a Finnish learner
        db.session.remove()
    return answers, sections


def progress_value(page):
    bar = page.locator("progress").first
    return int(bar.get_attribute("value")), int(bar.get_attribute("max"))


def test_from_sign_in_to_a_completed_module(page, base_url, axe, live_server):
    answers, sections = make_journey_learner(live_server.app_for_tests, "jaana.journey@example.fi")
    page.goto(base_url + "/login")
    axe(page)
    page.fill("#email", "jaana.journey@example.fi")
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/me")
    axe(page)

    # self-assessment: A1 in the digital-content theme proposes nothing (its modules are A2 and up) …
    page.locator('a[href="/me/assessment"]').first.click()
    page.wait_for_url("**/me/assessment")
    axe(page)
    page.select_option("#level-verkostoituminen", "A1")
    page.locator("form.assessment-form button[type=submit]").click()
    page.wait_for_url("**/me/assessment*")
    assert page.locator('input[name="modules"][value="jakamisen-kulttuuri"]').is_checked()
    axe(page)
    page.locator('form[action="/me/assessment/confirm"] button[type=submit]').click()
    page.wait_for_url("**/me")

    # build a path toward a whole theme
    page.goto(base_url + "/paths/new")
    axe(page)
    page.fill("#title", "Digitaaliset sisällöt")
    page.check("#theme-digitaaliset-sisallot")
    page.fill("#minutes_per_week", "90")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/paths/\d+$"))
    path_url = page.url
    axe(page)
    assert page.locator('tr[data-slug="oppimateriaalin-tuottaminen"] .status-locked').count() == 1
    before = progress_value(page)

    # open the first module: nothing is started until the learner presses Start studying
    page.locator('tr[data-slug="oppimateriaalin-laatu"] a').first.click()
    page.wait_for_url("**/modules/oppimateriaalin-laatu/study")
    assert page.locator('form[action$="/test-out"], a[href$="/test-out"]').count() == 1
    axe(page)
    page.locator('form[action$="/start"] button[type=submit]').click()
    page.wait_for_url("**/modules/oppimateriaalin-laatu/study")
    assert page.locator("#section-title").inner_text() == sections[0]
    axe(page)
    page.locator("button.pager-next").click()
    page.wait_for_url("**/study?section=1")
    assert page.locator("#section-title").inner_text() == sections[1]
    axe(page)

    # pass the self-check: the choices are shuffled, so answer by choice id, never by position
    for fieldset in page.locator("fieldset.question").all():
        question_id = int(fieldset.locator("input").first.get_attribute("name")[1:])
        for choice in answers[question_id]:
            fieldset.locator(f'input[value="{choice}"]').check()
    page.locator('form[action*="/check"] button[type=submit]').click()
    page.wait_for_url(re.compile(r".*/modules/oppimateriaalin-laatu/attempts/\d+$"))
    assert page.locator(".result-pass").count() == 1
    assert page.locator("#module-status.status-completed").count() == 1
    axe(page)
    page.locator('a.button[href$="/oppimateriaalin-laatu/study"]').click()
    page.wait_for_url("**/modules/oppimateriaalin-laatu/study")

    # rate it
    page.check('input[name="rating"][value="5"]')
    page.fill("#comment", "Selkeä ja käytännöllinen.")
    page.locator('form[action*="/rating"] button[type=submit]').click()
    page.wait_for_url("**/study#rating")
    assert page.locator('input[name="rating"][value="5"]').is_checked()

    # the path: the bar moved, and the module that needed it is one step closer
    page.goto(path_url)
    after = progress_value(page)
    assert after[0] == before[0] + 1 and after[1] == before[1]
    assert page.locator('tr[data-slug="oppimateriaalin-laatu"]').count() == 0
    blocked = page.locator('tr[data-slug="oppimateriaalin-tuottaminen"] .blocked a')
    assert [a.get_attribute("href") for a in blocked.all()] == ["/modules/tekijanoikeudet-ja-avoimuus/study"]
    axe(page)

    # the dashboard shows the progress and the next module to continue with
    page.goto(base_url + "/me")
    assert progress_value(page)[0] == after[0]
    assert page.locator('a.button[href$="/study"]').count() >= 1
    axe(page)
