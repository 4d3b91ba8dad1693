"""In a real browser: a manager invites a person, who opens the link, chooses a
name and password and signs in. axe checks every page on the way."""

import re
import uuid

DEMO_MANAGER = "sari.manninen@jarvilaakso.example"
DEMO_PASSWORD = "kampus-demo"


def sign_in(page, base_url, axe, email, password):
    page.goto(base_url + "/login")
    axe(page)
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_label("Salasana", exact=True).fill(password)
    page.get_by_role("button", name="Kirjaudu sisään", exact=True).click()
    page.wait_for_load_state()


def test_a_manager_invites_a_person_who_signs_up_and_signs_in(page, browser, base_url, axe):
    sign_in(page, base_url, axe, DEMO_MANAGER, DEMO_PASSWORD)
    assert "Tervetuloa, Sari Manninen." in page.content()
    axe(page)

    page.get_by_role("link", name="Organisaatio", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Järvilaakson ammattiopisto"
    axe(page)
    page.get_by_role("link", name="Kutsu henkilö").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Kutsu henkilö"
    axe(page)

    email = f"uusi.{uuid.uuid4().hex[:8]}@jarvilaakso.example"
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_label("Tiimi (valinnainen)").select_option(label="Tekniikka ja logistiikka")
    page.get_by_role("button", name="Lähetä kutsu").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Henkilöstö"
    axe(page)
    flash = page.locator(".flashes").inner_text()
    link = re.search(r"http://\S+/invitation/\S+", flash).group(0)
    assert email in page.locator("table").inner_text()

    # The invitee, in a browser of their own.
    context = browser.new_context(bypass_csp=True, locale="fi-FI")
    newcomer = context.new_page()
    try:
        newcomer.goto(link)
        assert newcomer.get_by_role("heading", level=1).inner_text() == "Luo tilisi"
        assert email in newcomer.content()
        axe(newcomer)
        # A mistake first: the page says what is wrong and keeps the name.
        newcomer.get_by_label("Nimi").fill("Uusi Opettaja")
        newcomer.get_by_label("Uusi salasana", exact=True).fill("lyhyt")
        newcomer.get_by_label("Uusi salasana uudelleen").fill("lyhyt")
        newcomer.get_by_role("button", name="Luo tili").click()
        newcomer.wait_for_load_state()
        assert "vähintään 10 merkkiä" in newcomer.content()
        assert newcomer.get_by_label("Nimi").input_value() == "Uusi Opettaja"
        axe(newcomer)
        newcomer.get_by_label("Uusi salasana", exact=True).fill("oma-salasana-123")
        newcomer.get_by_label("Uusi salasana uudelleen").fill("oma-salasana-123")
        newcomer.get_by_role("button", name="Luo tili").click()
        newcomer.wait_for_load_state()
        assert "Tilisi on valmis. Tervetuloa, Uusi Opettaja." in newcomer.content()  # signed in at once
        axe(newcomer)
        newcomer.get_by_role("link", name="Oma tili").click()
        assert newcomer.get_by_label("Nimi").input_value() == "Uusi Opettaja"
        axe(newcomer)
        # The link is spent.
        newcomer.goto(link)
        assert newcomer.get_by_role("heading", level=1).inner_text() == "Linkki ei toimi"
        axe(newcomer)
    finally:
        context.close()


def test_manager_pages_and_admin_pages_are_accessible(page, base_url, axe):
    sign_in(page, base_url, axe, DEMO_MANAGER, DEMO_PASSWORD)
    for path in ("/org/staff?status=all", "/org/teams", "/org/staff/import", "/account"):
        page.goto(base_url + path)
        axe(page)
    page.goto(base_url + "/org/teams")
    page.get_by_role("link", name="Tekniikka ja logistiikka").click()
    axe(page)
    page.goto(base_url + "/org/staff/import")
    page.get_by_label("CSV-tiedosto").set_input_files(
        files=[
            {
                "name": "henkilosto.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "name;email;team\nVirhe Rivi;ei-osoite;\nHyvä Rivi;hyva.rivi@jarvilaakso.example;Olematon\n"
                ).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Tarkista tiedosto").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Tarkista tuonti"
    assert "ei-osoite ei ole sähköpostiosoite." in page.content()
    axe(page)
    page.get_by_role("button", name="Kirjaudu ulos").click()
    sign_in(page, base_url, axe, "admin@kampus.example", DEMO_PASSWORD)
    for path in ("/admin", "/admin/organisations", "/admin/users"):
        page.goto(base_url + path)
        axe(page)
    page.goto(base_url + "/admin/organisations")
    page.get_by_role("link", name="Rannikon koulutuskuntayhtymä").click()
    axe(page)


def test_a_failed_sign_in_page_is_accessible(page, base_url, axe):
    page.goto(base_url + "/login")
    page.get_by_label("Sähköpostiosoite").fill("nobody@example.fi")
    page.get_by_label("Salasana", exact=True).fill("väärä")
    page.get_by_role("button", name="Kirjaudu sisään", exact=True).click()
    page.wait_for_load_state()
    assert "Sähköpostiosoite tai salasana ei ole oikein." in page.content()
    axe(page)
