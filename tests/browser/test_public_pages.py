"""Public pages in a real browser, in three languages, with axe on each."""

import pytest


@pytest.mark.parametrize(
    ("language", "heading", "statement"),
    [
        ("Suomi", "Kampus – virtuaalinen osaamiskampus", "Saavutettavuusseloste"),
        ("Svenska", "Kampus – virtuellt kompetenscampus", "Tillgänglighetsutlåtande"),
        ("English", "Kampus – the virtual competence campus", "Accessibility statement"),
    ],
)
def test_landing_and_statement_in_each_language(page, base_url, axe, language, heading, statement):
    page.goto(base_url + "/")
    page.get_by_role("button", name=language).click()
    expect_lang = {"Suomi": "fi", "Svenska": "sv", "English": "en"}[language]
    # During the navigation the document may not exist yet: wait for the new page's lang.
    page.wait_for_function(f"document.documentElement !== null && document.documentElement.lang === '{expect_lang}'")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    axe(page)
    page.get_by_role("link", name=statement).click()
    assert page.get_by_role("heading", level=1).inner_text() == statement
    axe(page)


def test_skip_link_moves_focus_to_main(page, base_url):
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Siirry sisältöön"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
