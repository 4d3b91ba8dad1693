"""The seed catalogue as a CASE 1.0 CFPackage: valid against the CASE schema,
one item per theme and published module, isChildOf and precedes as the graph has them."""

from __future__ import annotations

import copy

from sqlalchemy import select

from kampus.case.export import grouping_uuid
from kampus.case.services import case_package
from kampus.catalogue.models import Module, Prerequisite, Theme
from kampus.catalogue.services import engine_rows
from kampus.extensions import db
from tests.case.conftest import BASE_URL, schema_errors

LINK_FIELDS = {
    "CFDocument": ("CFPackageURI",),
    "item": ("CFDocumentURI", "CFItemTypeURI"),
    "association": ("CFDocumentURI",),
}


def test_seed_export_validates_against_the_case_schema(case_app, check_case):
    package = case_package(BASE_URL)
    check_case(package)
    # The schema lets extra members through unchecked: check the CASE links we add by its LinkURI.
    for name in LINK_FIELDS["CFDocument"]:
        check_case(package["CFDocument"][name], "LinkURI")
    for item in package["CFItems"]:
        for name in LINK_FIELDS["item"]:
            check_case(item[name], "LinkURI")
    for association in package["CFAssociations"]:
        check_case(association["CFDocumentURI"], "LinkURI")
        if "CFAssociationGroupingURI" in association:
            check_case(association["CFAssociationGroupingURI"], "LinkURI")


def test_the_schema_check_catches_a_broken_package(case_app, case_schema):
    package = case_package(BASE_URL)
    broken = copy.deepcopy(package)
    del broken["CFItems"][0]["fullStatement"]
    broken["CFAssociations"][0]["associationType"] = "requires"
    broken["CFDocument"]["lastChangeDateTime"] = "yesterday"
    errors = schema_errors(case_schema, broken)
    assert any("fullStatement" in e for e in errors)
    assert any("requires" in e for e in errors)
    assert any("yesterday" in e for e in errors)


def test_one_item_per_theme_and_published_module_with_codes_and_links(case_app):
    package = case_package(BASE_URL)
    themes = db.session.scalars(select(Theme)).all()
    modules = db.session.scalars(select(Module).where(Module.status == "published")).all()
    items = {i["identifier"]: i for i in package["CFItems"]}
    assert len(items) == len(themes) + len(modules) == len(package["CFItems"])
    for theme in themes:
        item = items[theme.case_uuid]
        assert item["CFItemType"] == "Theme"
        assert item["fullStatement"] == theme.title["fi"]
        assert item["humanCodingScheme"] == str(theme.position)
        assert item["uri"] == f"{BASE_URL}/themes/{theme.slug}"
    for module in modules:
        item = items[module.case_uuid]
        assert item["CFItemType"] == "Module"
        assert item["fullStatement"] == module.title["fi"]
        assert item["alternativeLabel"] == module.title["sv"]
        assert item["language"] == "fi"
        assert item["humanCodingScheme"] == f"{module.theme.position}.{module.position}"
        assert item["uri"] == f"{BASE_URL}/modules/{module.slug}"
        assert item["extensions"]["kampus"]["level"] == module.level
    document = package["CFDocument"]
    assert document["uri"] == f"{BASE_URL}/ims/case/v1p0/CFDocuments/{document['identifier']}"
    assert {t["title"] for t in package["CFDefinitions"]["CFItemTypes"]} == {"Theme", "Module"}


def test_is_child_of_places_modules_under_themes_and_themes_under_the_document(case_app):
    package = case_package(BASE_URL)
    document = package["CFDocument"]["identifier"]
    children = [a for a in package["CFAssociations"] if a["associationType"] == "isChildOf"]
    parent_of = {a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"] for a in children}
    sequence = {a["originNodeURI"]["identifier"]: a["sequenceNumber"] for a in children}
    for module in db.session.scalars(select(Module)):
        assert parent_of[module.case_uuid] == module.theme.case_uuid
        assert sequence[module.case_uuid] == module.position
    for theme in db.session.scalars(select(Theme)):
        assert parent_of[theme.case_uuid] == document
        assert sequence[theme.case_uuid] == theme.position
    assert len(children) == len(parent_of) == len(package["CFItems"])


def test_precedes_for_each_prerequisite_with_its_kind_as_a_grouping(case_app):
    package = case_package(BASE_URL)
    document = package["CFDocument"]["identifier"]
    kind_of = {grouping_uuid(document, k): k for k in ("required", "recommended")}
    assert {g["identifier"] for g in package["CFDefinitions"]["CFAssociationGroupings"]} == set(kind_of)
    slug_of = {m.case_uuid: m.slug for m in db.session.scalars(select(Module))}
    exported = {
        (slug_of[a["originNodeURI"]["identifier"]], slug_of[a["destinationNodeURI"]["identifier"]]): kind_of[
            a["CFAssociationGroupingURI"]["identifier"]
        ]
        for a in package["CFAssociations"]
        if a["associationType"] == "precedes"
    }
    _, edges = engine_rows()
    assert exported == {(e["before"], e["after"]): e["kind"] for e in edges}
    assert set(exported.values()) == {"required", "recommended"}  # the seed has both kinds


def test_only_published_modules_and_their_edges_are_exported(case_app):
    edge = db.session.scalars(select(Prerequisite)).first()
    hidden = edge.after
    hidden.status = "draft"
    db.session.flush()
    package = case_package(BASE_URL)
    identifiers = {i["identifier"] for i in package["CFItems"]}
    assert hidden.case_uuid not in identifiers
    assert edge.before.case_uuid in identifiers
    ends = {
        (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"]) for a in package["CFAssociations"]
    }
    assert all(hidden.case_uuid not in pair for pair in ends)
    assert edge.case_uuid not in {a["identifier"] for a in package["CFAssociations"]}
    db.session.rollback()
