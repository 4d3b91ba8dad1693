"""Testing out in a real browser, with axe on every page: a new learner builds
a path, opens an unstarted module, fails the test-out once, passes it on the
second attempt, and sees the module recognised by self-check on the path page
and the dashboard — without ever starting it."""

import re

from sqlalchemy import select

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.catalogue.models import Module
from kampus.extensions import db
from kampus.progress.models import Progress

PASSWORD = "testaus-salasana-1"
SLUG = "oppimateriaalin-laatu"


def make_learner(app, email):
    with app.app_context():
        db.session.add(User(email=email, name="Tiina Testaaja", password_hash=hash_password(PASSWORD), language="fi"))
        db.session.commit()
        m = db.session.scalar(select(Module).where(Module.slug == SLUG))
        answers = {q.id: (list(q.correct), len(q.choices)) for q in m.questions}
        db.session.remove()
    return answers


def progress_of(app, email):
    with app.app_context():
        row = db.session.execute(
            select(Progress.status, Progress.recognised_by)
            .join(User, User.id == Progress.user_id)
            .join(Module, Module.id == Progress.module_id)
            .where(User.email == email, Module.slug == SLUG)
        ).first()
        db.session.remove()
    return tuple(row) if row else None


def answer(page, answers, *, right: bool):
    for fieldset in page.locator("fieldset.question").all():
        question_id = int(fieldset.locator("input").first.get_attribute("name")[1:])
        correct, n = answers[question_id]
        chosen = correct if right else [next(i for i in range(n) if i not in correct)]
        for choice in chosen:
            fieldset.locator(f'input[value="{choice}"]').check()
    page.locator('form[action$="/check"] button[type=submit]').click()
    page.wait_for_url(re.compile(rf".*/modules/{SLUG}/attempts/\d+$"))


def test_a_new_learner_tests_out_of_a_module_and_sees_it_recognised(page, base_url, axe, live_server):
    app = live_server.app_for_tests
    email = "tiina.testaaja@example.fi"
    answers = make_learner(app, email)
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/me")

    # a path toward a module that needs this one first
    page.goto(base_url + "/paths/new?module=oppimateriaalin-tuottaminen")
    assert page.locator("#module-oppimateriaalin-tuottaminen").is_checked()
    page.fill("#title", "Oppimateriaalit")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/paths/\d+$"))
    path_url = page.url
    assert page.locator(f'tr[data-slug="{SLUG}"]').count() == 1
    axe(page)

    # the module page offers both Start studying and Test out
    page.goto(base_url + f"/modules/{SLUG}")
    assert page.get_by_role("button", name="Aloita opiskelu").count() == 1
    axe(page)
    page.get_by_role("link", name="Osoita osaamisesi").click()
    page.wait_for_url(f"**/modules/{SLUG}/test-out")
    assert page.locator("fieldset.question").count() == len(answers)
    axe(page)

    # a failed first attempt: explanations, and both ways on are still open
    answer(page, answers, right=False)
    assert page.locator(".result-fail").count() == 1
    assert progress_of(app, email) is None
    axe(page)
    page.get_by_role("link", name="Osoita osaamisesi").click()
    page.wait_for_url(f"**/modules/{SLUG}/test-out")
    axe(page)

    # the second attempt passes at the test-out mark: recognised by self-check, never started
    answer(page, answers, right=True)
    assert page.locator(".result-pass").count() == 1
    assert page.locator("#module-status.status-recognised").count() == 1
    axe(page)
    page.reload()  # reloading the result records nothing new
    assert page.locator(".result-pass").count() == 1
    assert progress_of(app, email) == ("recognised", "self_check")

    page.goto(path_url)
    assert page.locator(f'tr[data-slug="{SLUG}"]').count() == 0
    done = page.locator(f'.done-list li[data-slug="{SLUG}"]')
    assert not done.is_visible()  # finished modules are listed collapsed until opened
    page.locator("details.done-modules summary").click()
    assert "Tunnustettu" in done.inner_text() and "itsetestillä" in done.inner_text()
    axe(page)
    page.goto(base_url + "/me")
    assert page.locator(".activity .provenance", has_text="itsetestillä").count() == 1
    axe(page)
