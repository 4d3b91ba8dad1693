"""Schemathesis against the served OpenAPI document: every operation, called with a
valid manager token, never answers 5xx and always answers as the document says.

The document is loaded from the app itself (WSGI, no network), so what is tested
is what is served.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kampus.app import create_app
from tests.api.conftest import bearer, make_tokens
from tests.conftest import config_for
from tests.factories import make_world

pytestmark = [pytest.mark.db, pytest.mark.slow]

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the document (built without a database)."""
    app = create_app(config_for("sqlite://"))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    methods = ("get", "put", "post", "delete", "patch")
    return [(m.upper(), p) for p, item in document["paths"].items() for m in item if m in methods]


OPERATIONS = _operations()


@pytest.fixture
def served_api(make_app):
    """The served document of an app (``make_app``: SQLite, or PostgreSQL under ``make test``)
    with the two-organisation world, manager A's write token, and ids that exist (so the
    detail operations are not only ever asked about missing rows).

    No app context stays pushed, so each generated request has its own, as in production.
    """
    from sqlalchemy import select

    from kampus.assignments.services import templates_for
    from kampus.catalogue.models import Module, Theme
    from kampus.extensions import db

    app = make_app("catalogue", API_RATE_LIMIT="100000 per minute")
    with app.app_context():
        world = make_world()
        known = {
            "secret": make_tokens(world).manager_a,
            "path": {"team_id": world.team_a.id, "user_id": world.learner_a.id},
            "template_id": templates_for(world.org_a.id)[0].id,
            "team_id": world.team_a.id,
            "theme": db.session.scalar(select(Theme.slug).order_by(Theme.position)),
            "module": db.session.scalar(select(Module.slug).where(Module.status == "published").order_by(Module.id)),
        }
        db.session.remove()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), known


# schemathesis.pytest.from_fixture + @schema.parametrize() would be the usual way, but
# schemathesis 4.32 reads a pytest node attribute that pytest 9 no longer has; so each
# operation is a parametrised test drawing its cases from the operation's own strategy.
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_conforms_to_the_served_document(served_api, method, path):
    schema, known = served_api
    operation = schema[path][method]
    strategies = [operation.as_strategy()]
    names = {p.name for p in operation.path_parameters}
    if names:  # half the cases about rows that exist
        values = {**known["path"], "slug": known["theme" if "/themes/" in path else "module"]}
        strategies.append(operation.as_strategy(path_parameters={n: values[n] for n in names}))
    if (method, path) == ("POST", "/api/v1/org/assignments"):
        strategies.append(
            operation.as_strategy(
                body={"template_id": known["template_id"], "team_id": known["team_id"], "due": "2030-06-01"}
            )
        )

    @given(case=st.one_of(strategies))
    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.call_and_validate(headers=bearer(known["secret"]), checks=CHECKS)

    check()


def test_the_document_is_openapi_3_1_generated_from_the_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/org/staff" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    problem = document["components"]["responses"]["NOT_FOUND"]["content"]
    assert "application/problem+json" in problem
