"""In a real browser: a failed submit moves focus to the error summary and the title says
"Virhe:"; a destructive action (revoking an API token) goes through its confirmation page.
axe checks every page on the way."""

import uuid

LEARNER = "maija.virtanen@jarvilaakso.example"
PASSWORD = "kampus-demo"


def test_a_failed_submit_focuses_the_summary_and_revoking_needs_confirmation(page, base_url, axe):
    page.goto(base_url + "/login")
    page.fill("#email", LEARNER)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(base_url + "/account/tokens")
    assert not page.title().startswith("Virhe")
    page.get_by_role("button", name="Luo tunniste").click()  # without a name
    page.wait_for_load_state()
    assert page.title().startswith("Virhe: ")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, role: document.activeElement.getAttribute('role')})"
    )
    assert focused == {"cls": "error-summary", "role": "alert"}
    page.locator(".error-summary a[href='#name']").click()  # the summary leads to the field
    assert page.evaluate("() => document.activeElement.id") == "name"
    axe(page)

    name = f"Testi {uuid.uuid4().hex[:6]}"
    page.fill("#name", name)
    page.get_by_role("button", name="Luo tunniste").click()
    page.wait_for_load_state()
    assert not page.title().startswith("Virhe")

    page.get_by_role("link", name=f"Peru tunniste {name}").click()  # a link to the confirmation page, not a form
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == f"Perutaanko tunniste {name}?"
    axe(page)
    page.get_by_role("link", name="Peruuta").click()  # cancel: back, nothing revoked
    page.wait_for_load_state()
    row = page.locator("tr", has_text=name)
    assert "Peruttu" not in row.inner_text()

    page.get_by_role("link", name=f"Peru tunniste {name}").click()
    page.wait_for_load_state()
    page.locator("form.confirm-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/account/tokens")
    assert "Peruttu" in page.locator("tr", has_text=name).inner_text()
    axe(page)
