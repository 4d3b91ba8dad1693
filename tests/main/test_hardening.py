"""Configuration and headers hardened by issue 12 (part A): the development key
only in explicit development, a required base URL and trusted hosts in
production, a shared rate-limit store, HSTS, and the per-user secret migration."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kampus.app import create_app, create_cli_app
from kampus.config import DEV_SECRET_KEY, ConfigError, ProductionConfig
from tests.conftest import config_for

REAL_KEY = "k" * 48


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """The environment of a correctly configured single-process production server."""
    for name in ("KAMPUS_RATELIMIT_STORAGE_URI", "KAMPUS_TRUSTED_HOSTS", "KAMPUS_PROXY_FIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAMPUS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("KAMPUS_BASE_URL", "https://kampus.example.fi")
    monkeypatch.setenv("KAMPUS_SINGLE_PROCESS", "1")
    monkeypatch.setenv("KAMPUS_DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    return monkeypatch


# --- 4. the public development key ---------------------------------------------------------


def test_a_wsgi_server_without_kampus_env_refuses_the_development_key(monkeypatch, tmp_path):
    monkeypatch.delenv("KAMPUS_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("KAMPUS_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="development SECRET_KEY"):
        create_app()  # what gunicorn "kampus.app:create_app()" calls


def test_explicit_development_and_the_kampus_command_may_use_the_development_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("KAMPUS_ENV", raising=False)
    monkeypatch.setenv("KAMPUS_INSTANCE_PATH", str(tmp_path))
    assert create_cli_app().config["SECRET_KEY"] == DEV_SECRET_KEY  # kampus run, make run
    monkeypatch.setenv("KAMPUS_ENV", "development")
    assert create_app().config["SECRET_KEY"] == DEV_SECRET_KEY


def test_the_kampus_command_in_production_still_needs_a_real_key(production_env):
    production_env.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_cli_app()


def test_a_real_key_without_kampus_env_is_accepted(monkeypatch, tmp_path):
    monkeypatch.delenv("KAMPUS_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", REAL_KEY)
    monkeypatch.setenv("KAMPUS_INSTANCE_PATH", str(tmp_path))
    assert create_app().config["SECRET_KEY"] == REAL_KEY


# --- 1. base URL and trusted hosts ------------------------------------------------------------


def test_production_needs_a_base_url(production_env):
    production_env.delenv("KAMPUS_BASE_URL")
    with pytest.raises(ConfigError, match="KAMPUS_BASE_URL"):
        create_app()


@pytest.mark.parametrize("url", ["http://kampus.example.fi", "kampus.example.fi", "https://", "https://x.fi/?a=1"])
def test_production_refuses_a_base_url_that_is_not_an_https_address(production_env, url):
    production_env.setenv("KAMPUS_BASE_URL", url)
    with pytest.raises(ConfigError, match="KAMPUS_BASE_URL"):
        create_app()


@pytest.mark.parametrize(
    "host, refused",
    [
        ("kampus.example.fi", False),
        ("evil.example", True),
        ("kampus.example.fi.evil.example", True),
        ("127.0.0.1.evil.example", True),
        ("intra.example.fi", False),
    ],
)
def test_production_trusts_only_the_base_urls_host(production_env, host, refused):
    production_env.setenv("KAMPUS_TRUSTED_HOSTS", "intra.example.fi")  # e.g. a health check's name
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["kampus.example.fi", "intra.example.fi"]
    response = app.test_client().get("/healthz", headers={"Host": host}, base_url=f"https://{host}")
    assert (response.status_code == 400) == refused


# --- 6. a rate-limit store shared by every worker ----------------------------------------------


def test_production_refuses_in_memory_rate_limits_unless_single_process(production_env):
    production_env.delenv("KAMPUS_SINGLE_PROCESS")
    with pytest.raises(ConfigError, match="KAMPUS_RATELIMIT_STORAGE_URI"):
        create_app()
    production_env.setenv("KAMPUS_RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigError, match="KAMPUS_SINGLE_PROCESS=1"):
        create_app()
    production_env.setenv("KAMPUS_SINGLE_PROCESS", "1")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_accepts_a_shared_rate_limit_store():
    config = {
        "SECRET_KEY": REAL_KEY,
        "KAMPUS_BASE_URL": "https://kampus.example.fi",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "SINGLE_PROCESS": False,
    }
    ProductionConfig.check(config)  # no ConfigError
    assert config["TRUSTED_HOSTS"] == ["kampus.example.fi"]


# --- 12. HSTS in production only ---------------------------------------------------------------


def test_production_sends_hsts(production_env):
    response = create_app().test_client().get("/healthz", base_url="https://kampus.example.fi")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_over_plain_http_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


# --- 4. the migration gives every existing person a secret of their own ----------------------


def test_the_migration_gives_each_existing_person_a_different_secret(db_url):
    from flask_migrate import downgrade, upgrade

    from kampus.extensions import db

    app = create_app(config_for(db_url))
    with app.app_context():
        upgrade(revision="0005_assignments")
        for n in (1, 2, 3):
            db.session.execute(
                text(
                    "INSERT INTO users (email, name, language, target_group, is_manager, is_admin, active, created_at) "
                    f"VALUES ('p{n}@example.fi', '', 'fi', 'other', false, false, true, CURRENT_TIMESTAMP)"
                )
            )
        db.session.commit()
        upgrade()
        secrets = [row[0] for row in db.session.execute(text("SELECT secret FROM users"))]
        assert len(secrets) == 3 and len(set(secrets)) == 3 and all(len(s) >= 43 for s in secrets)
        db.session.commit()
        downgrade(revision="0005_assignments")
        db.session.remove()
        db.engine.dispose()
