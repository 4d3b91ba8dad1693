"""The health check reports the database honestly."""

from kampus.app import create_app
from tests.conftest import config_for


def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    # A SQLite file in a folder that does not exist cannot be opened.
    app = create_app(config_for(f"sqlite:///{tmp_path}/missing/folder/kampus.db"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}
