"""The theme page's drawing is computed once per catalogue version and language, not per request."""

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
