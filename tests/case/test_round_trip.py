"""A CASE package of the seed catalogue, imported into a new, empty catalogue,
gives back the same graph: the same slugs, themes, positions, levels, minutes
and edges with the same kinds. Refused packages write nothing."""

from __future__ import annotations

import copy

import networkx as nx
import pytest

from kampus.case.importer import import_case_package
from kampus.case.services import case_package
from kampus.catalogue.importer import export_catalogue
from kampus.catalogue.services import engine_rows
from kampus.errors import ValidationFailed
from kampus.extensions import db
from kampus.graph import build_graph
from tests.case.conftest import BASE_URL
from tests.conftest import snapshot_database


def published_graph() -> nx.DiGraph:
    modules, prerequisites = engine_rows()
    graph = build_graph(modules, prerequisites)
    return graph.subgraph(n for n, d in graph.nodes(data=True) if d["status"] == "published").copy()


def imported_graph() -> nx.DiGraph:
    """The whole catalogue's graph: imported modules are drafts until their material is written."""
    modules, prerequisites = engine_rows()
    return build_graph(modules, prerequisites)


def _attributes(graph: nx.DiGraph) -> dict:
    return {n: {k: v for k, v in graph.nodes[n].items() if k != "status"} for n in graph}


def assert_same_graph(a: nx.DiGraph, b: nx.DiGraph) -> None:
    assert sorted(a.nodes) == sorted(b.nodes)
    assert _attributes(a) == _attributes(b)
    assert {(u, v): d["kind"] for u, v, d in a.edges(data=True)} == {
        (u, v): d["kind"] for u, v, d in b.edges(data=True)
    }


@pytest.fixture
def seed_export(make_app):
    """The seed catalogue's CASE package, its graph and its themes, read from another app."""
    seed = make_app("catalogue", KAMPUS_BASE_URL=BASE_URL)
    with seed.app_context():
        package = case_package(BASE_URL)
        graph = published_graph()
        themes = export_catalogue().themes
        db.session.remove()
    return package, graph, themes


def test_a_case_export_imported_into_an_empty_catalogue_gives_the_same_graph(empty_app, seed_export, check_case):
    package, graph, themes = seed_export
    assert published_graph().number_of_nodes() == 0
    plan = import_case_package(package)
    db.session.commit()
    assert plan.added["modules"] == graph.number_of_nodes()
    imported = imported_graph()
    assert {d["status"] for _, d in imported.nodes(data=True)} == {"draft"}
    assert_same_graph(graph, imported)
    assert {e[2] for e in imported.edges(data="kind")} == {"required", "recommended"}
    assert export_catalogue().themes == themes  # slugs, positions, titles and descriptions in every language
    # And the new catalogue exports again as valid CASE, with its own identifiers.
    again = case_package(BASE_URL)
    check_case(again)
    assert again["CFDocument"]["identifier"] != package["CFDocument"]["identifier"]
    # Its drafts are not exported until they are published: the themes are, with the same codes.
    assert [i["humanCodingScheme"] for i in again["CFItems"]] == [
        i["humanCodingScheme"] for i in package["CFItems"] if i["CFItemType"] == "Theme"
    ]


def test_texts_and_attributes_come_back(empty_app, seed_export):
    package, _, _ = seed_export
    import_case_package(package)
    modules = {m["slug"]: m for m in export_catalogue().modules}
    for item in package["CFItems"]:
        extra = item["extensions"]["kampus"]
        if item["CFItemType"] == "Module":
            module = modules[extra["slug"]]
            assert module["title"] == extra["title"] and module["summary"] == extra["summary"]
            assert module["target_groups"] == extra["targetGroups"]
            assert module["competences"] == item.get("conceptKeywords", [])
            assert module["status"] == "draft"  # no material in CASE: a draft until it is written
            assert module["sections"] == [] and module["self_check"] is None  # material is not in the public export


def test_a_package_with_a_cycle_is_refused_and_nothing_is_written(empty_app, seed_export):
    package, _, _ = seed_export
    broken = copy.deepcopy(package)
    edge = next(a for a in broken["CFAssociations"] if a["associationType"] == "precedes")
    back = copy.deepcopy(edge)
    back["identifier"] = "00000000-0000-4000-8000-000000000001"
    back["originNodeURI"], back["destinationNodeURI"] = edge["destinationNodeURI"], edge["originNodeURI"]
    broken["CFAssociations"].append(back)
    before = snapshot_database()
    with pytest.raises(ValidationFailed) as refused:
        import_case_package(broken)
    assert "kehä" in str(refused.value) or "cycle" in str(refused.value)  # the engine names the loop (translated)
    db.session.rollback()
    assert snapshot_database() == before


def test_a_module_without_a_level_is_refused_naming_it(empty_app, seed_export):
    package, _, _ = seed_export
    broken = copy.deepcopy(package)
    module = next(i for i in broken["CFItems"] if i["CFItemType"] == "Module")
    del module["extensions"]["kampus"]["level"]
    with pytest.raises(ValidationFailed) as refused:
        import_case_package(broken)
    assert any(e.item == module["extensions"]["kampus"]["slug"] and e.field == "level" for e in refused.value.errors)
    db.session.rollback()
