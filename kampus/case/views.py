"""The CASE 1.0 REST binding (public read, JSON) under ``/ims/case/v1p0``.

Unknown or malformed identifiers answer 404 with CASE's ``imsx_StatusInfo``
body (codeMinor ``unknownobject`` or ``invalid_uuid``), as the binding asks.
Links in the documents are built from ``KAMPUS_BASE_URL``, never the Host.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify

from kampus.case import services
from kampus.case.export import PREFIX
from kampus.errors import NotFound

bp = Blueprint("case", __name__, url_prefix=PREFIX)


def _base_url() -> str:
    return current_app.config["KAMPUS_BASE_URL"].rstrip("/")


class InvalidUUID(NotFound):
    """The identifier in the path is no UUID (CASE answers 404 with ``invalid_uuid``)."""

    def __init__(self, identifier: str):
        super().__init__(f"Invalid UUID: {identifier}")


def _checked(identifier: str) -> str:
    try:
        uuid.UUID(identifier)
    except ValueError:
        raise InvalidUUID(identifier) from None
    return identifier


@bp.get("/CFDocuments")
def documents():
    return jsonify({"CFDocuments": services.case_documents(_base_url())})


@bp.get("/CFDocuments/<identifier>")
def document(identifier: str):
    return jsonify(services.get_document(_base_url(), _checked(identifier)))


@bp.get("/CFPackages/<identifier>")
def package(identifier: str):
    return jsonify(services.get_package(_base_url(), _checked(identifier)))


@bp.get("/CFItems/<identifier>")
def item(identifier: str):
    return jsonify(services.get_entry(_base_url(), "CFItems", _checked(identifier)))


@bp.get("/CFAssociations/<identifier>")
def association(identifier: str):
    return jsonify(services.get_entry(_base_url(), "CFAssociations", _checked(identifier)))


@bp.get("/CFItemTypes/<identifier>")
def item_type(identifier: str):
    return jsonify(services.get_entry(_base_url(), "CFItemTypes", _checked(identifier)))


@bp.get("/CFAssociationGroupings/<identifier>")
def association_grouping(identifier: str):
    return jsonify(services.get_entry(_base_url(), "CFAssociationGroupings", _checked(identifier)))


@bp.errorhandler(NotFound)
def not_found(error: NotFound):
    minor = "invalid_uuid" if isinstance(error, InvalidUUID) else "unknownobject"
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": str(error) if minor == "invalid_uuid" else f"Unknown Object: {error}",
        "imsx_codeMinor": {
            "imsx_codeMinorField": [{"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": minor}]
        },
    }
    return jsonify(body), 404


@bp.after_request
def allow_any_origin(response):
    # Public, read-only data: CASE clients running in a browser (OpenSALT, CaSS) may read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
