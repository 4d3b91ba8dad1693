"""Configuration: production refuses unsafe secrets; the environment overrides defaults."""

import pytest

from kampus.app import create_app
from kampus.config import DEV_SECRET_KEY, ConfigError, ProductionConfig


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.setenv("KAMPUS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        create_app(ProductionConfig)


def test_production_starts_with_a_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("KAMPUS_BASE_URL", "https://kampus.example.fi")
    monkeypatch.setenv("KAMPUS_SINGLE_PROCESS", "1")
    monkeypatch.setenv("KAMPUS_DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    app = create_app(ProductionConfig)
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/p.db")


def test_development_default_database_is_sqlite_in_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("KAMPUS_DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("KAMPUS_ENV", "development")  # the public key only when development is explicit
    monkeypatch.setenv("KAMPUS_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/kampus.db"


def test_sqlite_enforces_foreign_keys(empty_app):
    from sqlalchemy import text

    from kampus.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragma")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
