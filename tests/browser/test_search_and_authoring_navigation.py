"""Searching the catalogue and finding one's way in the authoring pages, in a real browser:
axe on each page, no sideways scrolling at 320 px, and the page heights printed (run with -s)."""

from __future__ import annotations

DEMO_ADMIN = "admin@kampus.example"
DEMO_PASSWORD = "kampus-demo"


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_a_visitor_searches_from_the_landing_page(page, base_url, axe):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(base_url + "/")
    page.get_by_label("Hae moduuleja sanoilla").fill("digistrat")
    page.get_by_label("Hae moduuleja sanoilla").press("Enter")
    page.wait_for_url("**/search?q=digistrat")
    assert "löytyi" in page.get_by_role("status").first.inner_text()
    assert page.locator(".search-results mark").count() > 0
    axe(page)
    no_sideways_scroll(page)
    page.get_by_label("Taso").select_option("B2")
    page.get_by_role("button", name="Hae", exact=True).click()
    page.wait_for_url("**level=B2**")
    assert page.get_by_label("Taso").input_value() == "B2"
    assert page.get_by_label("Hakusanat").input_value() == "digistrat"
    axe(page)
    no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(base_url + "/search?q=" + "%22NEAR*-" * 40)
    assert page.get_by_role("heading", level=1).inner_text() == "Hae moduuleja"
    axe(page)


def sign_in_admin(page, base_url) -> None:
    page.goto(base_url + "/login")
    page.fill("#email", DEMO_ADMIN)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_an_admin_filters_the_overview_and_moves_through_the_editor(page, base_url, axe):
    sign_in_admin(page, base_url)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(base_url + "/admin/content")
    full = height(page)
    page.get_by_label("Teema", exact=True).select_option("digistrategia")
    page.get_by_label("Varoitukset", exact=True).select_option("without")
    page.get_by_role("button", name="Suodata").click()
    page.wait_for_url("**theme=digistrategia**")
    assert page.get_by_label("Teema", exact=True).input_value() == "digistrategia"
    assert "moduulia" in page.locator("#overview-count").inner_text()
    filtered = height(page)
    axe(page)
    print(f"\n/admin/content at 1280 px: {full} px tall; filtered to one theme without warnings: {filtered} px")
    assert filtered < full

    page.goto(base_url + "/admin/content/modules/digistrategian-laatiminen/edit")
    print(f"module editor at 1280 px: {height(page)} px tall")
    axe(page)
    toc = page.get_by_role("navigation", name="Tällä sivulla")
    toc.get_by_role("link", name="Itsetesti").click()
    page.wait_for_url("**#check-title")
    assert page.locator("#check-title").is_visible()
    page.locator("a[href='#editor-toc']").last.click()
    page.wait_for_url("**#editor-toc")

    page.goto(base_url + "/admin/content/audit")
    axe(page)
    assert "module.update" not in page.locator("main").inner_text()
