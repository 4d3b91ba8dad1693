"""Request logging: a line per request with a request id, 5xx with traceback,
JSON in production, secrets never written."""

from __future__ import annotations

import json
import logging

from kampus.request_log import JsonFormatter, RedactingFilter, redact


def test_every_request_is_logged_with_method_route_status_and_id(client, caplog):
    caplog.set_level(logging.INFO, logger="kampus.request")
    response = client.get("/themes/no-such-theme")
    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    records = [r for r in caplog.records if r.name == "kampus.request"]
    assert len(records) == 1
    record = records[0]
    assert (record.method, record.route, record.status) == ("GET", "/themes/<slug>", 404)
    assert record.request_id == request_id
    assert record.duration_ms >= 0


def test_a_valid_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc123-lb-42"}).headers["X-Request-ID"] == "abc123-lb-42"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <x>"}).headers["X-Request-ID"]
    assert replaced != "bad id <x>" and len(replaced) == 32


def test_a_server_error_is_logged_with_its_traceback(make_app, caplog):
    app = make_app("empty", PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("kaboom in a view")

    caplog.set_level(logging.INFO, logger="kampus.request")
    with app.app_context():
        response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.name == "kampus.request" and r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info and "kaboom in a view" in str(errors[0].exc_info[1])


def test_a_domain_refusal_is_logged_at_info(caplog):
    from kampus.errors import NotAllowed

    caplog.set_level(logging.INFO, logger="kampus.refusal")
    NotAllowed("only managers may do this")
    assert any(r.levelno == logging.INFO and "only managers may do this" in r.getMessage() for r in caplog.records)


def test_json_lines_in_production_format():
    record = logging.LogRecord("kampus.request", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.request_id, record.route, record.status = "r1", "/x", 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /x"
    assert (entry["request_id"], entry["route"], entry["status"], entry["level"]) == ("r1", "/x", 200, "INFO")


def test_secrets_are_redacted_from_any_message():
    token = "eyJ1IjoxMjN9.aBcDeF.Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
    text = f"invitation link http://x/invite/{token} password=hunter2-secret for a@b.fi"
    cleaned = redact(text)
    assert token not in cleaned and "hunter2-secret" not in cleaned
    assert "a@b.fi" in cleaned
    record = logging.LogRecord("any", logging.INFO, __file__, 1, "link %s", (f"/password/reset/{token}",), None)
    RedactingFilter().filter(record)
    assert token not in record.getMessage()
