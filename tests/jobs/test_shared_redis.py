"""One Redis for everything in production: Celery's broker, the rate limits and the page cache,
shared by every app server (a real redis-server, tests/jobs/conftest.py)."""

from __future__ import annotations

import pytest

from kampus.app import create_app
from kampus.extensions import limiter
from tests.conftest import config_for, dbapi_statements
from tests.factories import make_user

THEME = "/themes/digitaaliset-sisallot"


@pytest.fixture
def production_env(monkeypatch, tmp_path, redis_url):
    for name in ("KAMPUS_RATELIMIT_STORAGE_URI", "KAMPUS_SINGLE_PROCESS", "KAMPUS_CACHE_URL", "KAMPUS_TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAMPUS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("KAMPUS_BASE_URL", "https://kampus.example.fi")
    monkeypatch.setenv("KAMPUS_DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    monkeypatch.setenv("KAMPUS_REDIS_URL", redis_url)
    return monkeypatch


def test_production_takes_the_rate_limit_store_and_the_page_cache_from_redis_url(production_env, redis_url):
    app = create_app()
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_url
    assert app.config["CACHE_URL"] == redis_url
    assert type(app.extensions["kampus_cache"]).__name__ == "RedisCache"
    with app.app_context():
        assert type(limiter.storage).__name__ == "RedisStorage" and limiter.storage.check()


def test_production_with_memory_rate_limits_still_refuses_without_single_process(production_env):
    from kampus.config import ConfigError

    production_env.delenv("KAMPUS_REDIS_URL")
    with pytest.raises(ConfigError, match="KAMPUS_RATELIMIT_STORAGE_URI"):
        create_app()


@pytest.fixture
def two_servers(databases, redis_url):
    """Two apps (two servers) on one database, sharing the rate limits and the page cache in Redis."""
    from kampus.extensions import db

    url = databases.fresh("catalogue")
    shared = {"RATELIMIT_STORAGE_URI": redis_url, "CACHE_URL": redis_url}
    apps = [create_app(config_for(url, **shared)) for _ in range(2)]
    with apps[0].app_context():
        apps[0].extensions["kampus_cache"].clear()
        limiter.reset()
    yield apps
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    databases.drop(url)


@pytest.mark.slow
def test_a_page_cached_by_one_server_is_served_by_the_other_and_moves_with_the_catalogue(two_servers, count_queries):
    from tests.authoring.helpers import editor_data
    from tests.factories import login

    one, two = two_servers
    first = one.test_client().get(THEME).get_data(as_text=True)
    with count_queries(two) as counter, dbapi_statements(two) as (statements, _checkouts):
        served = two.test_client().get(THEME).get_data(as_text=True)
    # the catalogue version (outside the ORM session): the page itself came from Redis
    assert counter.count == 0 and len(statements) == 1 and "catalogue_state" in statements[0], statements
    assert served.split('name="csrf_token"')[0] == first.split('name="csrf_token"')[0]

    with one.app_context():
        make_user(None, admin=True, email="admin@example.fi", name="Aino Ylläpitäjä")
    admin = one.test_client()
    assert login(admin, "admin@example.fi").status_code == 302
    edit = "/admin/content/modules/oppimateriaalin-laatu/edit"
    data = editor_data(admin.get(edit).get_data(as_text=True)) | {"action": "save", "title_fi": "Laatu jaetusti"}
    assert admin.post(edit, data=data).status_code == 302
    assert "Laatu jaetusti" in two.test_client().get(THEME).get_data(as_text=True)


def test_failed_sign_ins_through_both_servers_are_counted_in_redis(two_servers, redis_url):
    import redis

    from tests.factories import login

    one, two = two_servers
    with one.app_context():
        make_user(None, email="kohde@example.fi", name="Kohde")
    for app in (one, two):
        assert login(app.test_client(), "kohde@example.fi", "väärin-salasana").status_code == 200
    store = redis.Redis.from_url(redis_url)
    keys = list(store.scan_iter("*login-account-failures*"))
    assert len(keys) == 1 and int(store.get(keys[0])) == 2


def test_a_visitors_page_read_from_redis_is_kept_in_the_process_and_moves_with_the_catalogue(two_servers, redis_url):
    import redis

    from kampus.catalogue import services
    from kampus.extensions import db

    one, two = two_servers
    first = one.test_client().get(THEME).get_data(as_text=True)
    two.test_client().get(THEME)  # from Redis, now also in two's own copies
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter("kampus:cache:*"):
        store.delete(key)
    with dbapi_statements(two) as (statements, _checkouts):
        served = two.test_client().get(THEME).get_data(as_text=True)
    assert len(statements) == 1 and "catalogue_state" in statements[0], statements  # not rendered again
    assert served.split('name="csrf_token"')[0] == first.split('name="csrf_token"')[0]
    with one.app_context():
        services.raise_version_once()
        db.session.commit()
    with dbapi_statements(two) as (statements, _checkouts):
        assert two.test_client().get(THEME).status_code == 200
    assert len(statements) > 1  # a new version: a new key, rendered again
