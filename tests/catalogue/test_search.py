"""Searching the catalogue: words in the reader's language, filters, hostile input, and an
index that follows every write (the editor, the rebuild command)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from kampus.catalogue.models import SearchDocument
from kampus.extensions import db
from tests.authoring.helpers import admin_client, module_data, token
from tests.conftest import POSTGRES_URL

NEW = "/admin/content/modules/new"


def found(html: str) -> list[str]:
    """The module slugs in the results, in order."""
    results = html.split('class="search-results"')
    return re.findall(r'<li data-slug="([^"]+)"', results[1]) if len(results) > 1 else []


def status_text(html: str) -> str:
    return re.sub(r"\s+", " ", html.split('role="status" class="search-status">')[1].split("</div>")[0]).strip()


def test_a_finnish_stem_finds_the_finnish_module_with_the_words_marked(client):
    html = client.get("/search?q=digistrat").get_data(as_text=True)
    assert "digistrategian-laatiminen" in found(html)
    assert "<mark>" in html
    assert re.search(r"\d+ moduulia? löytyi", status_text(html))


def test_words_in_the_material_are_found(client):
    # "painopiste" is in a section body of digistrategian-laatiminen only, not in its title or summary
    html = client.get("/search?q=painopiste").get_data(as_text=True)
    assert "digistrategian-laatiminen" in found(html)


@pytest.mark.skipif(not POSTGRES_URL, reason="SQLite's FTS5 matches word beginnings only; PostgreSQL stems")
def test_postgresql_finds_an_inflected_form_that_is_not_in_the_text(client):
    # "painopisteillä" (adessive plural) is nowhere in the seed; the Finnish stemmer makes it "painopist"
    assert "digistrategian-laatiminen" in found(client.get("/search?q=painopisteillä").get_data(as_text=True))


def test_a_search_is_a_few_queries_whatever_it_finds(app, client, count_queries):
    client.get("/search?q=ydinasiat")
    with count_queries(app) as counter:
        client.get("/search?q=ydinasiat&group=teaching")
    assert counter.count <= 8


def test_swedish_readers_search_the_swedish_text(client):
    swedish = client.get("/search?q=förankra", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "digistrategian-laatiminen" in found(swedish)
    assert "hittades" in status_text(swedish)
    finnish = client.get("/search?q=förankra", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "digistrategian-laatiminen" not in found(finnish)


def test_ä_and_a_are_different_letters(client):
    with_umlaut = found(client.get("/search?q=ydinasiat").get_data(as_text=True))
    assert with_umlaut  # every seed module has a section "Ydinasiat"
    assert found(client.get("/search?q=ydinäsiat").get_data(as_text=True)) == []


def test_filters_narrow_the_results_and_keep_the_selection(client, app):
    from kampus.catalogue.models import Module

    everything = client.get("/search?q=digi").get_data(as_text=True)
    html = client.get("/search?q=digi&level=B2&theme=digistrategia&group=management").get_data(as_text=True)
    slugs = found(html)
    assert slugs
    total = int(re.search(r"\d+", status_text(html)).group())
    assert total < int(re.search(r"\d+", status_text(everything)).group())
    for slug in slugs:
        module = db.session.query(Module).filter_by(slug=slug).one()
        assert module.level == "B2" and module.theme.slug == "digistrategia" and "management" in module.target_groups
    assert '<option value="B2" selected>' in html and '<option value="management" selected>' in html
    # filters alone list the modules they leave
    only_filters = found(client.get("/search?level=A2&group=it").get_data(as_text=True))
    assert only_filters
    for slug in only_filters:
        module = db.session.query(Module).filter_by(slug=slug).one()
        assert module.level == "A2" and "it" in module.target_groups


def test_results_are_paged(client):
    first = client.get("/search?q=ydinasiat").get_data(as_text=True)
    assert len(found(first)) == 10 and 'rel="next"' in first
    second = client.get("/search?q=ydinasiat&page=2").get_data(as_text=True)
    assert found(second) and not set(found(second)) & set(found(first))
    past_the_end = client.get("/search?q=ydinasiat&page=9999").get_data(as_text=True)
    assert found(past_the_end) and 'rel="prev"' in past_the_end


def test_empty_blank_and_too_long_queries(client):
    empty = client.get("/search").get_data(as_text=True)
    assert found(empty) == [] and "Kirjoita sana" in status_text(empty)
    blank = client.get("/search?q=%22*%20-").get_data(as_text=True)
    assert found(blank) == [] and "ei ole sanoja" in status_text(blank)
    long = client.get("/search?q=" + "digistrat " * 60)
    assert long.status_code == 200
    assert "200 ensimmäistä merkkiä" in long.get_data(as_text=True)


HOSTILE = [
    '"',
    '""',
    "*",
    "digi*",
    '"digi',
    "NEAR(digi strategia)",
    "digi NEAR strategia",
    "-digi",
    "digi -strategia",
    "AND",
    "OR OR",
    "NOT digi",
    "digi:*",
    "'",
    "\\",
    "&|!():*<->",
    "title:digi",
    "^digi",
    "digi_strategia",
    "{digi}",
    "🙂 digi",
    "中文",
    "a\u0308",
    "\u200b",
    "x" * 5000,
]


def test_hostile_queries_never_fail(client):
    for query in HOSTILE:
        response = client.get("/search", query_string={"q": query})
        assert response.status_code == 200, query


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=250))
def test_any_text_is_a_query_that_answers(client, query):
    response = client.get("/search", query_string={"q": query, "level": query[:3], "theme": query[:5]})
    assert response.status_code == 200


def test_the_index_follows_an_editor_save_and_leaves_drafts_out(app):
    client, _admin = admin_client(app)
    sections = [("Johdanto", "Kvanttihyppy <script>alert(1)</script> on uusi **käsite**.")]
    data = module_data(token(client, NEW), slug="kvantti", status="published", sections=sections)
    assert client.post(NEW, data=data).status_code == 302
    html = client.get("/search?q=kvanttihyp").get_data(as_text=True)
    assert found(html) == ["kvantti"]
    assert "<script>alert(1)" not in html  # escaped (SQLite) or dropped as a tag (PostgreSQL's ts_headline)
    assert "<mark>Kvanttihyppy</mark>" in html

    edit = "/admin/content/modules/kvantti/edit"
    page = client.get(edit).get_data(as_text=True)
    from tests.authoring.helpers import editor_data

    changed = editor_data(page) | {"sections-0-body": "Nyt aiheena on lumiukko."}
    assert client.post(edit, data=changed).status_code == 302
    assert found(client.get("/search?q=kvanttihyp").get_data(as_text=True)) == []
    assert found(client.get("/search?q=lumiukko").get_data(as_text=True)) == ["kvantti"]

    draft = module_data(token(client, NEW), slug="luonnos", title="Salainen luonnos", status="draft")
    assert client.post(NEW, data=draft).status_code == 302
    assert found(client.get("/search?q=salainen").get_data(as_text=True)) == []


def test_the_rebuild_command_restores_the_index(app, client):
    db.session.execute(delete(SearchDocument))
    db.session.commit()
    assert found(client.get("/search?q=digistrat").get_data(as_text=True)) == []
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    assert "digistrategian-laatiminen" in found(client.get("/search?q=digistrat").get_data(as_text=True))


def test_seeding_fills_an_empty_index(app, client):
    db.session.execute(delete(SearchDocument))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "search index: " in result.output
    assert "digistrategian-laatiminen" in found(client.get("/search?q=digistrat").get_data(as_text=True))


def test_the_landing_page_and_the_navigation_offer_search(client):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in html and 'href="/search"' in html
