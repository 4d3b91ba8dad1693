"""Only administrators reach the authoring pages; every POST needs its CSRF token."""

from __future__ import annotations

import io

import pytest

from tests.authoring.helpers import admin_client, module_data
from tests.conftest import snapshot_database
from tests.factories import csrf_token, login, make_org, make_user

SLUG = "digipedagogiikka"
GETS = [
    "/admin/content",
    "/admin/content/modules/new",
    f"/admin/content/modules/{SLUG}/edit",
    f"/admin/content/modules/{SLUG}/delete",
    f"/admin/content/modules/{SLUG}/prerequisites",
    "/admin/content/themes/pedagogiikka/edit",
    "/admin/content/import",
    "/admin/content/export",
    "/admin/content/audit",
]


def _posts(token: str) -> list[tuple[str, dict]]:
    return [
        ("/admin/content/modules/new", module_data(token, slug="hyokkaaja")),
        (f"/admin/content/modules/{SLUG}/edit", module_data(token, slug=SLUG, edit_version="1", title="Muutettu")),
        (f"/admin/content/modules/{SLUG}/delete", {"csrf_token": token, "confirm": "yes"}),
        (
            f"/admin/content/modules/{SLUG}/prerequisites",
            {"csrf_token": token, "action": "add", "before": "tekoaly-opetuksessa", "kind": "required"},
        ),
        (
            f"/admin/content/modules/{SLUG}/prerequisites/confirm",
            {
                "csrf_token": token,
                "action": "add",
                "before": "tekoaly-opetuksessa",
                "after": SLUG,
                "kind": "required",
                "version": "1",
            },
        ),
        ("/admin/content/themes/pedagogiikka/edit", {"csrf_token": token, "position": "1", "title_fi": "Muutettu"}),
        ("/admin/content/import", {"csrf_token": token, "file": (io.BytesIO(b"themes: []\n"), "c.yaml")}),
        (
            "/admin/content/import/confirm",
            {"csrf_token": token, "text": "themes: []\n", "name": "c.yaml", "version": "1"},
        ),
        ("/admin/content/preview", {"csrf_token": token, "text": "# Hei"}),
    ]


@pytest.fixture
def people(app):
    org = make_org()
    return {
        "learner": make_user(org, email="learner@example.fi"),
        "manager": make_user(org, manager=True, email="manager@example.fi"),
    }


@pytest.mark.parametrize("url", GETS)
def test_visitors_are_sent_to_sign_in(app, url):
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["learner", "manager"])
def test_learners_and_managers_get_403_on_every_page(app, people, role):
    client = app.test_client()
    login(client, people[role].email)
    for url in GETS:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["anonymous", "learner", "manager"])
def test_non_admins_change_nothing_through_any_action(app, people, role):
    client = app.test_client()
    if role != "anonymous":
        login(client, people[role].email)
    token = csrf_token(client, "/login" if role == "anonymous" else "/")  # visitors' pages carry no token
    before = snapshot_database()
    for url, data in _posts(token):
        response = client.post(url, data=data, content_type="multipart/form-data")
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, url
    assert snapshot_database() == before


def test_every_post_needs_the_csrf_token(app):
    client, _admin = admin_client(app)
    before = snapshot_database()
    for url, data in _posts("not-a-token"):
        data = {k: v for k, v in data.items() if k != "csrf_token"}
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 400, url
    assert snapshot_database() == before


@pytest.mark.slow
def test_admins_reach_every_page(app):
    client, _admin = admin_client(app)
    for url in GETS:
        assert client.get(url).status_code == 200, url


def test_unknown_module_or_theme_is_404(app):
    client, _admin = admin_client(app)
    assert client.get("/admin/content/modules/ei-ole/edit").status_code == 404
    assert client.get("/admin/content/modules/ei-ole/prerequisites").status_code == 404
    assert client.get("/admin/content/themes/ei-ole/edit").status_code == 404


def test_these_tests_cover_every_authoring_route(app):
    """A new authoring route must be added to GETS or the POST list above."""
    import re

    def shape(url: str) -> str:
        return re.sub(r"/(modules|themes)/[^/]+", r"/\1/<x>", url.split("?")[0])

    covered = {("GET", shape(u)) for u in GETS} | {("POST", shape(u)) for u, _data in _posts("t")}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "authoring":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, shape(re.sub(r"<[^>]+>", "x", rule.rule))) not in covered:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "authoring routes without access tests: " + ", ".join(sorted(missing))
