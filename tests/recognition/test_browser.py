"""In a real browser, with axe on every page: a learner asks for two modules to
be recognised from the module pages; the organisation's manager finds them from
the overview, approves one and rejects the other with a comment; the learner
sees both outcomes, and the approved module is recognised (manager)."""

import re

from sqlalchemy import select

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.extensions import db
from kampus.orgs.models import Organisation
from tests.browser.test_accounts import DEMO_MANAGER, DEMO_PASSWORD, sign_in
from tests.browser.test_assignments import sign_out

LEARNER = "rita.tunnustus@jarvilaakso.example"
APPROVE, REJECT = "oppimateriaalin-laatu", "tekijanoikeudet-ja-avoimuus"
COMMENT = "Liitä mukaan esimerkki omasta materiaalistasi."


def make_learner(app):
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "jarvilaakso"))
        db.session.add(
            User(
                email=LEARNER,
                name="Rita Tunnustus",
                password_hash=hash_password(DEMO_PASSWORD),
                language="fi",
                organisation_id=org.id,
            )
        )
        db.session.commit()
        db.session.remove()


def ask(page, base_url, axe, slug, evidence):
    page.goto(f"{base_url}/modules/{slug}")
    axe(page)
    page.get_by_role("link", name="Osaatko jo tämän? Pyydä aiemmin hankitun osaamisen tunnustamista").click()
    page.wait_for_url(f"**/modules/{slug}/recognition")
    axe(page)
    page.get_by_label("Mikä osoittaa, että osaat jo tämän?").fill(evidence)
    page.get_by_label("Linkki näyttöön (valinnainen)").fill("https://example.fi/rita/portfolio")
    page.get_by_role("button", name="Lähetä pyyntö").click()
    page.wait_for_url("**/me/recognition")
    assert page.locator(".flash-success").count() == 1
    axe(page)


def open_request(page, slug_title):
    page.locator("table.requests tr", has_text=slug_title).get_by_role("link").click()
    page.wait_for_url(re.compile(r".*/org/recognition/\d+$"))


def test_a_manager_approves_one_request_and_rejects_another_and_the_learner_sees_both(page, base_url, axe, live_server):
    make_learner(live_server.app_for_tests)
    sign_in(page, base_url, axe, LEARNER, DEMO_PASSWORD)
    ask(page, base_url, axe, APPROVE, "Olen tehnyt saavutettavia materiaaleja kolme vuotta.")
    ask(page, base_url, axe, REJECT, "Tiedän tekijänoikeuksista.")
    assert page.locator('li[data-state="pending"]').count() == 2
    titles = [t.strip() for t in page.locator("li[data-state] h2").all_inner_texts()]
    sign_out(page)

    sign_in(page, base_url, axe, DEMO_MANAGER, DEMO_PASSWORD)
    page.goto(base_url + "/org")
    waiting = page.locator(".recognition-pending a")
    assert re.search(r"\d+ tunnustamispyyntö", waiting.inner_text())
    axe(page)
    waiting.click()
    page.wait_for_url("**/org/recognition")
    axe(page)
    approve_title, reject_title = titles[1], titles[0]  # newest first on the learner's page
    open_request(page, approve_title)
    axe(page)
    assert "Olen tehnyt saavutettavia materiaaleja kolme vuotta." in page.locator(".evidence").inner_text()
    page.get_by_role("button", name="Hyväksy").click()
    page.wait_for_url("**/org/recognition")
    assert "Hyväksytty" in page.locator(".flashes").inner_text()

    open_request(page, reject_title)
    page.get_by_role("button", name="Hylkää").click()  # without a comment: refused, beside the field
    assert page.locator("#comment-error").count() == 1
    axe(page)
    page.get_by_label("Kommentti oppijalle (pakollinen hylättäessä)").fill(COMMENT)
    page.get_by_role("button", name="Hylkää").click()
    page.wait_for_url("**/org/recognition")
    axe(page)
    sign_out(page)

    sign_in(page, base_url, axe, LEARNER, DEMO_PASSWORD)
    page.get_by_role("link", name="Omat tunnustamispyynnöt").click()
    page.wait_for_url("**/me/recognition")
    axe(page)
    approved = page.locator('li[data-state="approved"]')
    rejected = page.locator('li[data-state="rejected"]')
    assert approved.count() == 1 and rejected.count() == 1
    assert approve_title in approved.inner_text() and "Hyväksytty" in approved.inner_text()
    assert "Sari Manninen" in approved.inner_text()
    assert reject_title in rejected.inner_text() and COMMENT in rejected.inner_text()
    assert "Ei hyväksytty" in rejected.inner_text()
    approved.get_by_role("link", name=approve_title).click()
    page.wait_for_url(f"**/modules/{APPROVE}")
    assert page.locator(".status-recognised").count() == 1
    axe(page)
