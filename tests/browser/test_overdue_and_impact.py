"""A manager follows "Overdue" from the overview to the people behind it; the page
and the assignments page with their completion figures pass axe."""

from tests.browser.test_accounts import DEMO_MANAGER, DEMO_PASSWORD, sign_in


def test_overdue_list_and_completion_pass_axe(page, base_url, axe, live_server):
    sign_in(page, base_url, axe, DEMO_MANAGER, DEMO_PASSWORD)
    page.goto(base_url + "/org")
    overdue = page.locator("#overdue a")
    if overdue.count():
        overdue.click()
        page.wait_for_url("**/org/assignments/overdue")
    else:
        page.goto(base_url + "/org/assignments/overdue")
    assert page.locator("h1").inner_text() == "Myöhässä olevat tehtävänannot"
    axe(page)
    page.goto(base_url + "/org/assignments")
    assert page.locator("td.completion").count() >= 1
    assert "valmiina" in page.locator("td.completion").first.inner_text()
    axe(page)
