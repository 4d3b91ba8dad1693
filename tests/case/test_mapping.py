"""The pure mapping (kampus.case.export) without the app: no Flask or SQLAlchemy,
identifiers derived deterministically, a tiny catalogue valid CASE."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from kampus.case.export import (
    CaseCatalogue,
    ModuleRecord,
    PrerequisiteRecord,
    ThemeRecord,
    build_package,
    find,
    shorten,
    timestamp,
)
from tests.conftest import ROOT

DOC = "9b2f4e7a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
WHEN = datetime(2026, 11, 30, 12, 0, 5, 123456)


def tiny() -> CaseCatalogue:
    theme = ThemeRecord("11111111-1111-4111-8111-111111111111", "teema", 2, {"fi": "Teema", "sv": "Tema"}, {})
    module = {"theme": "teema", "summary": {}, "level": "A1", "minutes": 30, "target_groups": [], "competences": []}
    return CaseCatalogue(
        document_uuid=DOC,
        version=7,
        themes=[theme],
        modules=[
            ModuleRecord(
                "22222222-2222-4222-8222-222222222222", "eka", position=1, title={"fi": "Eka"}, changed=WHEN, **module
            ),
            ModuleRecord(
                "33333333-3333-4333-8333-333333333333",
                "toka",
                position=2,
                title={"fi": "Toka"},
                changed=datetime(2026, 12, 1),
                **module,
            ),
        ],
        prerequisites=[
            PrerequisiteRecord("44444444-4444-4444-8444-444444444444", "eka", "toka", "recommended"),
            PrerequisiteRecord("55555555-5555-4555-8555-555555555555", "eka", "poistettu", "required"),
        ],
    )


def test_the_mapping_imports_neither_flask_nor_sqlalchemy():
    probe = "import sys, kampus.case.export; assert not {'flask', 'sqlalchemy'} & set(sys.modules), sorted(sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_tiny_catalogue_maps_to_a_valid_package(check_case):
    package = build_package(tiny(), "https://example.fi/")
    check_case(package)
    assert [i["humanCodingScheme"] for i in package["CFItems"]] == ["2", "2.1", "2.2"]
    assert package["CFDocument"]["version"] == "7"
    assert package["CFDocument"]["lastChangeDateTime"] == "2026-12-01T00:00:00+00:00"  # the latest module
    precedes = [a for a in package["CFAssociations"] if a["associationType"] == "precedes"]
    # The edge to a module not exported (not published) is left out.
    assert [a["identifier"] for a in precedes] == ["44444444-4444-4444-8444-444444444444"]
    assert precedes[0]["CFAssociationGroupingURI"]["title"] == "Recommended prerequisite"
    assert package["CFItems"][1]["uri"] == "https://example.fi/modules/eka"


def derived_ids(package: dict) -> list[str]:
    definitions = package["CFDefinitions"]
    return [a["identifier"] for a in package["CFAssociations"]] + [
        d["identifier"] for d in definitions["CFItemTypes"] + definitions["CFAssociationGroupings"]
    ]


def test_derived_identifiers_depend_only_on_the_identifiers_they_join():
    first, second = build_package(tiny(), "https://example.fi"), build_package(tiny(), "https://other.example")
    assert derived_ids(first) == derived_ids(second)
    assert len(set(derived_ids(first))) == len(derived_ids(first))
    assert find(first, "CFItemTypes", first["CFItems"][0]["CFItemTypeURI"]["identifier"].upper())["title"] == "Theme"
    assert find(first, "CFItems", DOC) is None


def test_timestamps_and_short_statements():
    assert timestamp(WHEN) == "2026-11-30T12:00:05+00:00"
    assert shorten("Lyhyt") == "Lyhyt"
    long = "Digitalisaation johtaminen osana organisaation strategiaa, tavoitteita ja tehtävää"
    assert shorten(long) == "Digitalisaation johtaminen osana organisaation strategiaa…"
    assert len(shorten(long)) <= 60
