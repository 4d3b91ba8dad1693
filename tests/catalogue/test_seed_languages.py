"""The seed's Swedish (and English) material: every translatable part of the
modules of the translated theme files has the language.

Written as a function over all modules with the list of files it applies to:
every theme file is in SV_FILES; themes 1 and 5 (the international partners') in EN_FILES.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kampus.catalogue import languages
from kampus.catalogue.loader import read_catalogue

CATALOGUE = Path(__file__).resolve().parents[2] / "seed" / "catalogue"
#: Theme files whose every module must be complete in Swedish.
SV_FILES = [
    "01-digistrategia.yaml",
    "02-osaamisen-johtaminen.yaml",
    "03-digitaalinen-infrastruktuuri.yaml",
    "04-verkostoituminen.yaml",
    "05-pedagogiikka.yaml",
    "06-ohjaus-ja-tuki.yaml",
    "07-oppijoiden-digiosaaminen.yaml",
    "08-digitaaliset-sisallot.yaml",
]
#: Theme files whose every module must be complete in English (the international partners' themes).
EN_FILES = ["01-digistrategia.yaml", "05-pedagogiikka.yaml"]


def modules_of(files: list[str]) -> list[dict]:
    found = []
    for name in files:
        found += read_catalogue(CATALOGUE / name).modules
    return found


def untranslated(files: list[str], lang: str) -> list[str]:
    """Every part of the files' modules without text in ``lang``, as ``slug: part``."""
    return [
        f"{m['slug']}: {p.kind} (section {p.section}, question {p.question}, choice {p.choice})"
        for m in modules_of(files)
        for p in languages.missing(m, lang)
    ]


def share(files: list[str], lang: str) -> languages.Completeness:
    return languages.combined([languages.completeness(m, lang) for m in modules_of(files)], lang)


@pytest.mark.parametrize(("lang", "files"), [("sv", SV_FILES), ("en", EN_FILES)])
def test_the_translated_themes_have_every_part_in_the_language(lang, files):
    missing = untranslated(files, lang)
    assert not missing, f"{len(missing)} parts without {lang}:\n" + "\n".join(missing[:40])
    figures = share(files, lang)
    assert figures.total > 250 * len(files) and figures.complete  # not vacuous: ~300 parts per theme


def test_the_check_counts_every_kind_of_part():
    """A module that lacks Swedish only in one choice, one explanation or its reflection is not complete."""
    [module] = modules_of(["01-digistrategia.yaml"])[:1]
    kinds = {p.kind for p in languages.parts(module)}
    assert kinds == {
        "title",
        "summary",
        "section_title",
        "section_body",
        "prompt",
        "choice",
        "explanation",
        "reflection",
    }
    for damage in (
        lambda m: m["self_check"]["questions"][0]["choices"][2].pop("sv"),
        lambda m: m["self_check"]["questions"][1]["explanation"].pop("sv"),
        lambda m: m["reflection"].pop("sv"),
        lambda m: m["sections"][1]["body"].pop("sv"),
    ):
        copy = read_catalogue(CATALOGUE / "01-digistrategia.yaml").modules[0]
        damage(copy)
        assert [p.kind for p in languages.missing(copy, "sv")] != [], damage
        assert not languages.completeness(copy, "sv").complete


def test_all_themes_figures(capsys):
    """The share of sv and en per translatable part of the whole seed (for the closing note)."""
    every = sorted(p.name for p in CATALOGUE.glob("*.yaml"))
    for lang in ("sv", "en"):
        c = share(every, lang)
        print(f"{lang}: {c.done}/{c.total} parts ({100 * c.done / c.total:.1f} %)")
        assert 0 < c.done <= c.total
