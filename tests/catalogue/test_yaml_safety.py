"""Catalogue YAML that attacks the reader is refused before it is expanded: aliases
(the "billion laughs"), deep nesting and huge values give a short error, never a
500 or a page of megabytes; a key the format does not know is refused by name."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
import yaml

from kampus.catalogue.loader import CatalogueData, parse_text
from tests.authoring.helpers import admin_client, token
from tests.catalogue.test_import import new_module, run_import, write
from tests.catalogue.test_seed import snapshot
from tests.conftest import snapshot_database

IMPORT = "/admin/content/import"


def bomb(levels: int = 9) -> str:
    """The classic alias bomb (a few hundred bytes, 9**levels strings when expanded) under a module's level."""
    names = "abcdefghij"
    lines = ['x: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]")
    lines.append(f"modules: [{{slug: pommi, theme: digistrategia, level: *{names[levels - 1]}}}]")
    return "\n".join(lines) + "\n"


def upload(client, text: str, name: str = "catalogue.yaml"):
    return client.post(
        IMPORT,
        data={"csrf_token": token(client, IMPORT), "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def parse(text: str):
    errors = []
    data = CatalogueData()
    parse_text(text, "tuonti.yaml", data, errors)
    return data, [str(e) for e in errors]


def test_the_alias_bomb_is_refused_quickly_with_a_short_page(app):
    client, _admin = admin_client(app)
    text = bomb()
    assert len(text) < 700
    before = snapshot_database()
    tracemalloc.start()
    started = time.perf_counter()
    response = upload(client, text)
    elapsed = time.perf_counter() - started
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ankkurit ja viittaukset (&amp; ja *) eivät ole sallittuja" in page
    assert len(page) < 20_000
    assert elapsed < 5 and peak < 20 * 1024 * 1024
    assert snapshot_database() == before


def test_the_alias_bomb_is_refused_by_the_command_too(app, runner, tmp_path):
    before = snapshot()
    result = run_import(runner, write(tmp_path, bomb()))
    assert result.exit_code != 0
    assert "line 1, column 4" in result.output and len(result.output) < 2_000
    assert snapshot() == before


def test_any_anchor_is_refused_even_without_an_alias():
    _data, errors = parse("themes: &t []\n")
    assert len(errors) == 1 and "line 1" in errors[0]


@pytest.mark.parametrize("style", ["block", "flow"])
def test_three_thousand_levels_of_nesting_give_a_clear_error(app, style):
    # block style: "- - - x" is a list in a list in a list
    text = "modules: " + "[" * 3000 + "]" * 3000 + "\n" if style == "flow" else "modules:\n" + "- " * 3000 + "x\n"
    client, _admin = admin_client(app)
    response = upload(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "virheellistä YAMLia" in page and (
        "sisäkkäisiä tasoja on enemmän kuin 20" in page or "nesting depth" in page
    )
    assert len(page) < 20_000


def test_a_huge_value_is_quoted_in_an_error_only_in_part(app):
    client, _admin = admin_client(app)
    record = new_module("pitka-taso", level="B" * 200_000)
    response = upload(client, yaml.safe_dump({"modules": [record]}, allow_unicode=True))
    page = response.get_data(as_text=True)
    assert "pitää olla jokin näistä: A1" in page and "B" * 79 + "…" in page  # in the admin's language
    assert "B" * 81 not in page and len(page) < 20_000
    _data, errors = parse(yaml.safe_dump({"prerequisites": [{"before": "a" * 5000, "after": "b", "kind": "x" * 5000}]}))
    assert errors and all(len(e) < 400 for e in errors)


# --- unknown keys ---------------------------------------------------------------------------


def test_a_self_check_typo_fails_the_import_naming_key_item_and_file(app):
    client, _admin = admin_client(app)
    record = new_module("kirjoitusvirhe")
    record["self-check"] = record.pop("self_check")
    before = snapshot_database()
    page = upload(client, yaml.safe_dump({"modules": [record]}, allow_unicode=True), name="virhe.yaml")
    text = page.get_data(as_text=True)
    assert (
        "<tr><td>virhe.yaml</td><td>kirjoitusvirhe</td><td>self-check</td>"
        "<td>tuntematon avain kohteessa module (sallitut: slug, theme,"
    ) in text
    assert "/import/confirm" not in text  # no button to import a file with errors
    assert snapshot_database() == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(colour="red"), "tuonti.yaml: uusi: colour: unknown key in a module"),
        (
            lambda m: m["sections"][0].update(titel="x"),
            "tuonti.yaml: uusi: sections[1].titel: unknown key in a section",
        ),
        (
            lambda m: m["self_check"].update(passmark=80),
            "tuonti.yaml: uusi: self_check.passmark: unknown key in a self_check",
        ),
        (
            lambda m: m["self_check"]["questions"][0].update(hint="x"),
            "tuonti.yaml: uusi: self_check.questions[1].hint: unknown key in a question",
        ),
    ],
)
def test_unknown_keys_inside_items_are_refused_by_name(change, expected):
    record = new_module("uusi")
    change(record)
    _data, errors = parse(yaml.safe_dump({"modules": [record]}, allow_unicode=True))
    assert any(e.startswith(expected) for e in errors), errors


def test_unknown_keys_in_themes_and_prerequisites_are_refused_by_name():
    document = {
        "themes": [{"slug": "uusi-teema", "position": 9, "title": {"fi": "Teema"}, "colour": "red"}],
        "prerequisites": [{"before": "a", "after": "b", "knd": "required"}],
    }
    _data, errors = parse(yaml.safe_dump(document, allow_unicode=True))
    assert any(e.startswith("tuonti.yaml: uusi-teema: colour: unknown key in a theme") for e in errors), errors
    assert any(e.startswith("tuonti.yaml: a → b: knd: unknown key in a prerequisite") for e in errors), errors


@pytest.mark.slow
def test_the_seed_and_an_export_still_read_without_errors(app, runner, tmp_path):
    path = tmp_path / "vienti.yaml"
    assert runner.invoke(args=["catalogue", "export", str(path)]).exit_code == 0
    data, errors = parse(path.read_text(encoding="utf-8"))
    assert not errors and len(data.modules) > 20
