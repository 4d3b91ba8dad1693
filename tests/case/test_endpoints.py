"""The CASE 1.0 REST binding under /ims/case/v1p0: public JSON, each answer valid
against its definition in the CASE schema, unknown ids as imsx_StatusInfo 404s."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kampus.case.services import case_package
from kampus.catalogue.models import Module, Prerequisite
from kampus.extensions import db
from tests.case.conftest import BASE_URL

API = "/ims/case/v1p0"


def assert_unknown(response, minor="unknownobject"):
    assert response.status_code == 404
    assert response.is_json
    body = response.get_json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor


def test_cf_documents_lists_the_network_catalogue(case_app, client, check_case):
    response = client.get(f"{API}/CFDocuments")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    documents = response.get_json()["CFDocuments"]
    assert len(documents) == 1
    check_case(documents[0], "CFPackageDocument")
    check_case(documents[0]["CFPackageURI"], "LinkURI")
    assert documents[0]["uri"].startswith(BASE_URL + API)  # from KAMPUS_BASE_URL, not the request's host
    one = client.get(f"{API}/CFDocuments/{documents[0]['identifier']}")
    assert one.status_code == 200 and one.get_json() == documents[0]


def test_cf_package_is_the_whole_export(case_app, client, check_case):
    identifier = client.get(f"{API}/CFDocuments").get_json()["CFDocuments"][0]["identifier"]
    response = client.get(f"{API}/CFPackages/{identifier}")
    assert response.status_code == 200
    package = response.get_json()
    check_case(package)
    assert package == case_package(BASE_URL)
    assert len(package["CFItems"]) == 57


def test_cf_item_of_a_module(case_app, client, check_case):
    module = db.session.scalar(select(Module).where(Module.slug == "tiedolla-johtaminen"))
    response = client.get(f"{API}/CFItems/{module.case_uuid}")
    assert response.status_code == 200
    item = response.get_json()
    check_case(item, "CFPackageItem")
    check_case(item["CFDocumentURI"], "LinkURI")
    assert item["identifier"] == module.case_uuid
    assert item["fullStatement"] == module.title["fi"]
    assert item["CFItemType"] == "Module"
    assert item["uri"] == f"{BASE_URL}/modules/tiedolla-johtaminen"


def test_cf_item_of_a_theme(case_app, client, check_case):
    module = db.session.scalar(select(Module).where(Module.slug == "tiedolla-johtaminen"))
    response = client.get(f"{API}/CFItems/{module.theme.case_uuid.upper()}")  # UUIDs compare case-blind
    assert response.status_code == 200
    check_case(response.get_json(), "CFPackageItem")
    assert response.get_json()["CFItemType"] == "Theme"


def test_cf_association_of_a_prerequisite(case_app, client, check_case):
    edge = db.session.scalars(select(Prerequisite).order_by(Prerequisite.id)).first()
    response = client.get(f"{API}/CFAssociations/{edge.case_uuid}")
    assert response.status_code == 200
    association = response.get_json()
    check_case(association, "CFPackageAssociation")
    check_case(association["CFAssociationGroupingURI"], "LinkURI")
    assert association["associationType"] == "precedes"
    assert association["originNodeURI"]["identifier"] == edge.before.case_uuid
    assert association["destinationNodeURI"]["identifier"] == edge.after.case_uuid
    grouping = client.get(f"{API}/CFAssociationGroupings/{association['CFAssociationGroupingURI']['identifier']}")
    assert grouping.status_code == 200
    check_case(grouping.get_json(), "CFAssociationGrouping")
    assert grouping.get_json()["title"].lower().startswith(edge.kind)


def test_cf_association_of_a_module_in_its_theme(case_app, client, check_case):
    package = case_package(BASE_URL)
    child = next(a for a in package["CFAssociations"] if a["associationType"] == "isChildOf")
    response = client.get(f"{API}/CFAssociations/{child['identifier']}")
    assert response.status_code == 200
    check_case(response.get_json(), "CFPackageAssociation")
    item_type = client.get(f"{API}/CFItemTypes/{package['CFItems'][0]['CFItemTypeURI']['identifier']}")
    assert item_type.status_code == 200
    check_case(item_type.get_json(), "CFItemType")


@pytest.mark.parametrize(
    "collection", ["CFDocuments", "CFPackages", "CFItems", "CFAssociations", "CFItemTypes", "CFAssociationGroupings"]
)
def test_unknown_identifier_is_a_case_404(case_app, client, collection):
    assert_unknown(client.get(f"{API}/{collection}/{uuid.uuid4()}"))
    assert_unknown(client.get(f"{API}/{collection}/not-a-uuid"), minor="invalid_uuid")


def test_a_draft_module_is_not_served(case_app, client):
    module = db.session.scalar(select(Module).where(Module.slug == "tiedolla-johtaminen"))
    module.status = "draft"
    db.session.commit()
    assert_unknown(client.get(f"{API}/CFItems/{module.case_uuid}"))


def test_ids_of_one_kind_are_not_found_as_another(case_app, client):
    module = db.session.scalar(select(Module).where(Module.slug == "tiedolla-johtaminen"))
    assert_unknown(client.get(f"{API}/CFAssociations/{module.case_uuid}"))
    assert_unknown(client.get(f"{API}/CFPackages/{module.case_uuid}"))


def test_anonymous_read_needs_no_sign_in_and_the_queries_are_bounded(case_app, client, count_queries):
    identifier = client.get(f"{API}/CFDocuments").get_json()["CFDocuments"][0]["identifier"]
    with count_queries(case_app) as counter:
        assert client.get(f"{API}/CFPackages/{identifier}").status_code == 200
    assert counter.count <= 6, counter.statements
