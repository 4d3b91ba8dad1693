"""No route escapes the route × role checks: every rule of ``app.url_map``, for each of
its methods, is an entry of one of the matrices below, or is exempt here with a reason.

The matrices' URLs are matched against the URL map itself (werkzeug's ``match``), so a
renamed argument or a new converter cannot hide a route. A new page fails this test
until it gets a row in the matrix of its feature (or, when it has no access rule of its
own, a line in ``EXEMPT`` saying why)."""

from __future__ import annotations

import importlib
import re
from collections import defaultdict

from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.routes import url_rules

# Modules whose ROUTES is a list of tests.security.test_route_matrix.Route.
MATRICES = (
    "tests.security.test_route_matrix",
    "tests.security.test_route_matrix_paths",
    "tests.security.test_route_matrix_pages",
    "tests.api.test_route_matrix_tokens",
    "tests.credentials.test_access",
    "tests.recognition.test_access",
    "tests.sso.test_access",
    "tests.jobs.test_access",
)

# (method, endpoint): why it has no row in a route × role matrix.
EXEMPT = {
    ("GET", "static"): "files (CSS, JavaScript) for everyone; no data",
    **{
        (method, f"sso.{name}"): "a public step of signing in with an identity provider, for anyone; its refusals "
        "(replayed, expired, tampered, wrong audience, other organisation) are tested in tests/sso"
        for method, name in (
            ("GET", "start"),
            ("GET", "oidc_login"),
            ("GET", "oidc_callback"),
            ("GET", "saml_login"),
            ("POST", "saml_acs"),
            ("GET", "saml_metadata"),
        )
    },
    **{
        ("GET", f"case.{name}"): "the published catalogue as public CASE JSON, read-only, no sign-in "
        "(tests/case/test_endpoints.py)"
        for name in ("documents", "document", "package", "item", "association", "item_type", "association_grouping")
    },
    ("GET", "api-docs.openapi_json"): "the public API description (tests/api/test_schemathesis.py)",
    (
        "GET",
        "catalogue-api.list_modules",
    ): "the public catalogue as JSON, like /api/v1/themes in tests/api/test_access.py",
    (
        "GET",
        "catalogue-api.get_module",
    ): "the public catalogue as JSON, like /api/v1/themes in tests/api/test_access.py",
    ("GET", "catalogue-api.get_theme"): "the public catalogue as JSON, like /api/v1/themes in tests/api/test_access.py",
    ("PUT", "org-api.add_member"): "bearer tokens, not sessions: "
    "tests/api/test_access.py::test_writes_need_a_write_token_of_the_right_organisation",
    ("DELETE", "org-api.remove_member"): "bearer tokens, not sessions: "
    "tests/api/test_access.py::test_writes_need_a_write_token_of_the_right_organisation",
    **{
        ("POST", f"org-api.{name}"): "bearer tokens, not sessions: tests/api/test_staff_sync.py and test_access.py"
        for name in ("create_staff", "deactivate_staff", "reactivate_staff", "create_team", "create_assignment")
    },
}


def _matrix_entries() -> list[tuple[str, str, str]]:
    """(method, url with dummy ids, where) of every matrix row and of the hand-written access lists."""
    entries = []
    for name in MATRICES:
        for route in importlib.import_module(name).ROUTES:
            entries.append((route.method, route.url, name))
    authoring = importlib.import_module("tests.authoring.test_access")
    entries += [("GET", url, "tests.authoring.test_access") for url in authoring.GETS]
    entries += [("POST", url, "tests.authoring.test_access") for url, _ in authoring._posts("token")]
    api = importlib.import_module("tests.api.test_access")
    entries += [("GET", path, "tests.api.test_access") for path, _ in api.READS]
    return entries


def _endpoint(adapter, method: str, url: str) -> str | None:
    path = re.sub(r"\{[a-z_]+\}", "1", url.split("?")[0])
    try:
        endpoint, _ = adapter.match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def test_every_route_and_method_is_in_a_matrix_or_exempt_with_a_reason(app):
    adapter = app.url_map.bind("localhost")
    covered = defaultdict(list)
    unmatched = []
    for method, url, where in _matrix_entries():
        endpoint = _endpoint(adapter, method, url)
        if endpoint is None:
            unmatched.append(f"{method} {url} ({where})")
        covered[(method, endpoint)].append(where)
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for method, rule in url_rules(app)
        if (method, rule.endpoint) not in covered and (method, rule.endpoint) not in EXEMPT
    ]
    assert not missing, (
        "routes in no route × role matrix: add a Route(...) row for each to the ROUTES of its feature's matrix "
        "(tests/security/test_route_matrix*.py or the feature's test_access.py, listed in MATRICES), "
        "or a reasoned line to EXEMPT in tests/security/test_every_route_is_covered.py:\n  " + "\n  ".join(missing)
    )
    assert not unmatched, "matrix rows that match no route (a typo, or a route that is gone):\n  " + "\n  ".join(
        unmatched
    )


def test_no_exemption_names_a_route_that_is_gone_or_is_in_a_matrix(app):
    adapter = app.url_map.bind("localhost")
    covered = {(method, _endpoint(adapter, method, url)) for method, url, _ in _matrix_entries()}
    existing = {(method, rule.endpoint) for method, rule in url_rules(app)}
    stale = sorted(f"{m} {e}" for m, e in EXEMPT if (m, e) not in existing or (m, e) in covered)
    assert not stale, "EXEMPT names routes that are gone or already in a matrix: " + ", ".join(stale)
