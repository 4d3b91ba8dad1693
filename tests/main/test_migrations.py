"""Migrations: upgrade from empty and downgrade to base work, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from kampus.app import create_app
from kampus.catalogue.search import managed_by_migration
from kampus.extensions import db
from tests.conftest import config_for


def test_upgrade_downgrade_and_models_agree(db_url):
    app = create_app(config_for(db_url))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"themes", "modules", "prerequisites", "catalogue_state"} <= tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": lambda *a: not managed_by_migration(*a)}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "modules" in inspect(db.engine).get_table_names()
        db.engine.dispose()
