"""Browsing the catalogue in a real browser: landing → theme → module, axe clean on each page."""

import re


def test_landing_theme_module_journey(page, base_url, axe, live_server):
    page.goto(base_url + "/")
    axe(page)
    page.get_by_role("link", name=re.compile("^Digitaalisten sisältöjen hyödyntäminen")).click()
    page.wait_for_url("**/themes/digitaaliset-sisallot")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Digitaalisten sisältöjen")
    own_nodes = page.locator("svg.graph g.graph-node:not(.node-external)")
    assert own_nodes.count() == 6
    assert page.locator("ol.module-list > li").count() == 6
    axe(page)
    page.locator('svg.graph g[data-slug="saavutettava-sisalto"] a').click()
    page.wait_for_url("**/modules/saavutettava-sisalto")
    assert page.get_by_role("heading", level=1).inner_text() == "Saavutettava digitaalinen sisältö"
    assert page.get_by_role("link", name=re.compile("Digitaalisen oppimateriaalin tuottaminen")).count() >= 1
    axe(page)
