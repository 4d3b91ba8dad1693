"""Material in three languages in the authoring tools: the editor edits fi, sv and
en side by side and says exactly what a language lacks; the overview shows each
language's completeness per module and theme; publishing never needs sv or en;
import reads the old plain strings as Finnish, export writes maps; import errors
are in the reader's language."""

from __future__ import annotations

import yaml

from kampus.catalogue.loader import CatalogueData, dump_catalogue, parse_text
from kampus.extensions import db
from tests.authoring.helpers import admin_client, get_module, module_data, token
from tests.authoring.test_import_export import upload
from tests.factories import drop_language

NEW = "/admin/content/modules/new"
EDIT = "/admin/content/modules/{}/edit"


def test_the_editor_saves_every_part_in_three_languages_side_by_side(app):
    client, _admin = admin_client(app)
    html = client.get(NEW).get_data(as_text=True)
    for name in (
        "sections-0-title",
        "sections-0-title_sv",
        "sections-0-title_en",
        "sections-0-body_sv",
        "sections-0-body_en",
    ):
        assert f'name="{name}"' in html
    assert 'id="sections-0-body_sv-preview"' in html and 'lang="sv"' in html
    data = module_data(
        token(client, NEW),
        status="published",
        questions=[("Mikä?", ["Yksi", "Kaksi"], [1], "Siksi.")],
        **{
            "sections-0-title_sv": "Inledning",
            "sections-0-body_sv": "Välkommen **hit**.",
            "sections-0-title_en": "Introduction",
            "questions-0-prompt_sv": "Vad?",
            "questions-0-choices-0-text_sv": "Ett",
            "questions-0-choices-1-text_sv": "Två",
            "questions-0-explanation_sv": "Därför.",
            "reflection": "Mitä opit?",
            "reflection_sv": "Vad lärde du dig?",
        },
    )
    response = client.post(NEW, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    module = get_module("uusi-moduuli")
    assert module.status == "published"  # no English anywhere, Swedish partly: publishing needs neither
    assert module.sections[0].title == {"fi": "Johdanto", "sv": "Inledning", "en": "Introduction"}
    assert module.sections[0].body == {"fi": "Tervetuloa **kurssille**.\n", "sv": "Välkommen **hit**.\n"}
    q = module.questions[0]
    assert (q.prompt, q.choices, q.explanation) == (
        {"fi": "Mikä?", "sv": "Vad?"},
        [{"fi": "Yksi", "sv": "Ett"}, {"fi": "Kaksi", "sv": "Två"}],
        {"fi": "Siksi.", "sv": "Därför."},
    )
    assert module.reflection == {"fi": "Mitä opit?", "sv": "Vad lärde du dig?"}

    page = client.get(EDIT.format("uusi-moduuli")).get_data(as_text=True)
    assert 'value="Inledning"' in page and "Välkommen **hit**." in page  # shown again for editing
    panel = page.split('id="completeness"')[1].split("</section>")[0]
    swedish = panel.split('data-lang="sv"')[1].split("</li>")[0]
    assert "otsikko" in swedish and "tiivistelmä" in swedish  # the module's title and summary lack sv
    assert "kysymyksen 1 vaihtoehto" not in swedish and "osion 1" not in swedish  # those parts have it
    english = panel.split('data-lang="en"')[1].split("</li>")[0]
    assert "osion 1 materiaali" in english and "kysymyksen 1 vaihtoehto 2" in english and "pohdintatehtävä" in english
    assert "osion 1 otsikko" not in english  # the section title has English


def test_a_choice_needs_its_finnish_text(app):
    client, _admin = admin_client(app)
    data = module_data(
        token(client, NEW),
        questions=[("Mikä?", ["Yksi", "Kaksi"], [1], "")],
        **{"questions-0-choices-2-text_sv": "Tre utan finska"},
    )
    html = client.post(NEW, data=data).get_data(as_text=True)
    assert "tarvitsee myös suomenkielisen tekstin" in html and get_module("uusi-moduuli") is None


def test_the_overview_shows_each_languages_completeness_per_module_and_theme(app):
    drop_language("digipedagogiikka", "sv")
    client, _admin = admin_client(app)
    html = client.get("/admin/content").get_data(as_text=True)
    translated = html.split('data-slug="digikyvykkyyden-itsearviointi"')[1].split("</tr>")[0]
    assert translated.count("✓") == 2  # complete in Swedish and English
    finnish_only = html.split('data-slug="digipedagogiikka"')[1].split("</tr>")[0]
    sv_cell = finnish_only.split('data-lang="sv"')[1].split("</td>")[0]
    assert "✓" not in sv_cell and "osaa" in sv_cell
    theme = html.split('id="theme-digistrategia"')[1].split("</table>")[0]
    assert "Ruotsi: 100" in theme.replace("\xa0", " ") or "100 %" in theme.replace("\xa0", " ")


def test_a_missing_choice_translation_makes_the_module_incomplete_in_the_overview(app):
    client, _admin = admin_client(app)
    module = get_module("digikyvykkyyden-itsearviointi")
    question = module.questions[0]
    second = {k: v for k, v in question.choices[1].items() if k != "sv"}
    question.choices = [question.choices[0], second, *question.choices[2:]]
    db.session.commit()
    html = client.get("/admin/content").get_data(as_text=True)
    row = html.split('data-slug="digikyvykkyyden-itsearviointi"')[1].split("</tr>")[0]
    assert row.count("✓") == 1  # English still complete, Swedish not
    editor = client.get(EDIT.format("digikyvykkyyden-itsearviointi")).get_data(as_text=True)
    swedish = editor.split('id="completeness"')[1].split('data-lang="sv"')[1].split("</li>")[0]
    assert "1 osa puuttuu" in swedish and "kysymyksen 1 vaihtoehto 2" in swedish


def test_plain_strings_are_read_as_finnish_and_export_writes_maps():
    old = {
        "modules": [
            {
                "slug": "vanha",
                "theme": "t",
                "position": 1,
                "title": "Vanha",
                "level": "A1",
                "minutes": 5,
                "reflection": "Pohdi.",
                "sections": [{"title": "Osa", "body": "Teksti."}],
                "self_check": {
                    "questions": [{"prompt": "Kumpi?", "choices": ["A", 2], "correct": [0], "explanation": "Koska."}]
                },
            }
        ]
    }
    data, errors = CatalogueData(), []
    assert parse_text(yaml.safe_dump(old, allow_unicode=True), "vanha.yaml", data, errors) and errors == []
    [m] = data.modules
    assert m["sections"] == [{"title": {"fi": "Osa"}, "body": {"fi": "Teksti.\n"}}]
    assert m["self_check"]["questions"][0]["choices"] == [{"fi": "A"}, {"fi": "2"}]
    assert m["self_check"]["questions"][0]["explanation"] == {"fi": "Koska."} and m["reflection"] == {"fi": "Pohdi."}
    exported = yaml.safe_load(dump_catalogue(data))["modules"][0]
    assert exported["sections"][0]["body"] == {"fi": "Teksti.\n"} and exported["reflection"] == {"fi": "Pohdi."}
    again = CatalogueData()
    parse_text(dump_catalogue(data), "uusi.yaml", again, [])
    assert again.modules == data.modules


def test_a_section_without_finnish_is_refused_naming_the_field():
    bad = {
        "modules": [
            {
                "slug": "x",
                "theme": "t",
                "position": 1,
                "title": "X",
                "level": "A1",
                "minutes": 5,
                "sections": [{"title": {"sv": "Bara svenska"}, "body": "Teksti."}],
            }
        ]
    }
    errors = []
    parse_text(yaml.safe_dump(bad, allow_unicode=True), "x.yaml", CatalogueData(), errors)
    assert [(e.item, e.field) for e in errors] == [("x", "sections[1].title.fi")]


def test_import_errors_are_in_the_readers_language(app):
    client, admin = admin_client(app)
    text = yaml.safe_dump(
        {
            "modules": [
                {"slug": "rikki", "theme": "pedagogiikka", "position": 1, "title": "Rikki", "level": "Z9", "minutes": 0}
            ]
        },
        allow_unicode=True,
    )
    for lang, expected in (
        ("fi", "pitää olla kokonaisluku"),
        ("sv", "ska vara ett heltal"),
        ("en", "must be a whole number"),
    ):
        admin.language = lang
        db.session.commit()
        html = upload(client, text).get_data(as_text=True)
        assert expected in html and "rikki" in html and "minutes" in html, lang
    admin.language = "sv"
    db.session.commit()
    html = upload(client, "modules: [\n").get_data(as_text=True)
    assert "felaktig YAML vid rad" in html
