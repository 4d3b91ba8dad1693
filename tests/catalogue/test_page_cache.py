"""The theme page's drawing is computed once per catalogue version and language, not per request."""

import re

from sqlalchemy import select

from kampus.catalogue import services
from kampus.catalogue.models import Module
from kampus.extensions import db


def test_theme_drawing_is_reused_until_the_catalogue_version_moves(client, monkeypatch):
    import kampus.catalogue.views as views

    calls = []
    real = views.layered_layout
    monkeypatch.setattr(views, "layered_layout", lambda *a, **k: calls.append(1) or real(*a, **k))
    url = "/themes/digitaaliset-sisallot"
    first = client.get(url, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    second = client.get(url, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert len(calls) == 1 and first == second and "<svg" in first
    swedish = client.get(url, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert len(calls) == 2 and swedish != first  # per language
    module = db.session.scalar(select(Module).where(Module.slug == "oppimateriaalin-laatu"))
    module.title = {**module.title, "fi": "Uusi otsikko laadusta"}
    services.bump_version()
    db.session.commit()
    changed = client.get(url, headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert len(calls) == 3 and "Uusi otsikko laadusta" in changed  # a new version draws again


def test_the_cache_is_bounded_and_drops_the_oldest_first(app):
    cache = services._VersionedCache(size=3)
    with app.test_request_context("/"):
        for i in range(5):
            cache.get_or_compute(("what", i), lambda i=i: i)
        computed = []
        assert cache.get_or_compute(("what", 4), lambda: computed.append(1)) == 4 and not computed
        cache.get_or_compute(("what", 0), lambda: computed.append(1))
    assert len(cache._entries) == 3 and computed == [1]  # 0 had been dropped


# --- whole pages for visitors (kampus.cache) ----------------------------------------------

THEME = "/themes/digitaaliset-sisallot"
MODULE = "oppimateriaalin-laatu"


def test_a_visitors_landing_theme_and_module_pages_cost_one_query_once_cached(app, client, count_queries):
    from kampus.extensions import db
    from tests.conftest import dbapi_statements

    for url in ("/", THEME, f"/modules/{MODULE}"):
        first = client.get(url)
        db.session.close()  # the test's app context holds the session across requests
        with count_queries(app) as counter, dbapi_statements(app) as (statements, _checkouts):
            again = client.get(url)
        tokens = re.compile(r'name="csrf_token" value="[^"]+"')
        same = tokens.sub("", again.get_data(as_text=True)) == tokens.sub("", first.get_data(as_text=True))
        assert again.status_code == 200 and same
        # the catalogue version, nothing else: outside the ORM session, in no transaction
        assert counter.count == 0 and len(statements) == 1 and "catalogue_state" in statements[0], (
            f"{url}: {statements}"
        )


def test_an_edit_in_the_module_editor_shows_at_once_on_the_cached_pages(app, client):
    from tests.authoring.helpers import admin_client, editor_data

    for url in ("/", THEME, f"/modules/{MODULE}"):
        assert "Laatu uusin sanoin" not in client.get(url).get_data(as_text=True)
    admin, _user = admin_client(app)
    edit = f"/admin/content/modules/{MODULE}/edit"
    data = editor_data(admin.get(edit).get_data(as_text=True)) | {"action": "save", "title_fi": "Laatu uusin sanoin"}
    assert admin.post(edit, data=data).status_code == 302
    assert "Laatu uusin sanoin" in client.get(THEME).get_data(as_text=True)
    assert "Laatu uusin sanoin" in client.get(f"/modules/{MODULE}").get_data(as_text=True)


def test_a_cached_page_gives_visitors_no_token_and_no_session_and_each_their_own_language(app):
    # The language switch needs no token from visitors (kampus.main.views.set_language), so a
    # cached page holds none and opens no session: no cookie until someone switches.
    first, second = app.test_client(), app.test_client()
    for visitor in (first, second):
        response = visitor.get("/")
        assert "Set-Cookie" not in response.headers
        assert 'name="csrf_token"' not in response.get_data(as_text=True)
    # The language switch on the cached page works for the second visitor only.
    response = second.post("/language", data={"lang": "sv", "next": "/"})
    assert response.status_code == 302 and "Set-Cookie" in response.headers
    assert 'lang="sv"' in second.get("/").get_data(as_text=True)
    assert 'lang="fi"' in first.get("/").get_data(as_text=True)


def test_signed_in_readers_and_flash_messages_are_never_served_from_the_visitors_cache(app, client):
    from tests.factories import login, make_user

    client.get(THEME)
    make_user(None, email="lukija@example.fi", name="Lukija Luotettava")
    reader = app.test_client()
    assert login(reader, "lukija@example.fi").status_code == 302
    page = reader.get(THEME).get_data(as_text=True)
    assert "Sign out" in page or "Kirjaudu ulos" in page
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Viesti vain tälle kävijälle")]
    assert "Viesti vain tälle kävijälle" in client.get(THEME).get_data(as_text=True)
    assert "Viesti vain tälle kävijälle" not in app.test_client().get(THEME).get_data(as_text=True)


def test_editing_any_template_moves_every_cached_key(tmp_path):
    from kampus.cache import templates_fingerprint

    (tmp_path / "main").mkdir()
    page = tmp_path / "main" / "landing.html"
    page.write_text("<p>{{ _('Themes') }}</p>")
    before = templates_fingerprint(tmp_path)
    assert templates_fingerprint(tmp_path) == before
    page.write_text("<p>{{ _('Themes') }}</p><form role='search'></form>")
    assert templates_fingerprint(tmp_path) != before
