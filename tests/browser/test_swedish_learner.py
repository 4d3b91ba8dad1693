"""A Swedish-speaking learner in a real browser, with axe on every page: a
module of theme 1 entirely in Swedish, a module whose Swedish material is taken out
(drop_language) in Finnish marked lang="fi" with one notice; a screenshot of each is saved for the closing note."""

from pathlib import Path

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.extensions import db
from tests.factories import drop_language

PASSWORD = "elev-losenord-1"
SHOTS = Path("/tmp/kampus-i18n-screens")


def test_a_swedish_learner_studies_in_swedish_and_sees_finnish_marked(page, base_url, axe, live_server):
    with live_server.app_for_tests.app_context():
        db.session.add(
            User(email="elsa@example.fi", name="Elsa Elev", password_hash=hash_password(PASSWORD), language="sv")
        )
        db.session.commit()
        drop_language("digipedagogiikka", "sv")  # a module whose material is not translated yet
        db.session.remove()
    SHOTS.mkdir(exist_ok=True)
    page.goto(base_url + "/login")
    page.fill("#email", "elsa@example.fi")
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url("**/me")

    page.goto(base_url + "/modules/digikyvykkyyden-itsearviointi/study")
    page.locator('form[action$="/start"] button[type=submit]').click()
    page.wait_for_url("**/modules/digikyvykkyyden-itsearviointi/study")
    assert page.locator("#section-title").inner_text() == "Det centrala"
    assert page.locator("#language-fallback").count() == 0
    assert page.locator("main [lang='fi']").count() == 0
    assert page.locator("#check legend").first.inner_text().startswith("1. ")
    axe(page)
    page.screenshot(path=str(SHOTS / "sv-theme1-study.png"), full_page=True)

    page.goto(base_url + "/modules/digipedagogiikka/study")
    page.locator('form[action$="/start"] button[type=submit]').click()
    page.wait_for_url("**/modules/digipedagogiikka/study")
    assert page.locator("#language-fallback").inner_text() == "Denna del finns bara på finska"
    assert page.locator("#section-title [lang='fi']").count() == 1
    assert page.locator("section.material div[lang='fi']").count() == 1
    axe(page)
    page.screenshot(path=str(SHOTS / "sv-theme5-fallback.png"), full_page=True)
