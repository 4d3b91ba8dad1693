"""``kampus xapi export`` writes valid JSON lines; ``kampus xapi deliver`` drains once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kampus.extensions import db
from kampus.progress import services as progress
from kampus.progress.models import LearningEvent
from tests.paths.helpers import make_learner, module
from tests.xapi.conftest import lrs_config, validate_statement


@pytest.mark.slow
def test_export_writes_every_statement_as_a_json_line(app, runner, tmp_path):
    learner = make_learner()
    m = module("digcomp-perusteet")
    progress.view_section(learner.id, m, 0)
    progress.submit_self_check(learner.id, m, {q.id: list(q.correct) for q in m.questions})
    db.session.commit()
    target = tmp_path / "statements.jsonl"
    result = runner.invoke(args=["xapi", "export", str(target)])
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    statements = [json.loads(line) for line in lines]
    assert len(statements) == 5  # attempted, experienced, answered, passed, recognised (tested out)
    for statement in statements:
        validate_statement(statement)
    assert len({s["id"] for s in statements}) == 5
    assert "5 statement(s) written" in result.output
    again = tmp_path / "again.jsonl"
    runner.invoke(args=["xapi", "export", str(again)])
    assert again.read_text(encoding="utf-8") == target.read_text(encoding="utf-8")  # same ids, same order


def test_export_since_leaves_older_events_out(app, runner, tmp_path):
    learner = make_learner()
    m = module("digcomp-perusteet")
    db.session.add(
        LearningEvent(
            user_id=learner.id, module_id=m.id, verb="started", data={}, created_at=dt.datetime(2025, 5, 1, 8, 0)
        )
    )
    db.session.add(
        LearningEvent(
            user_id=learner.id, module_id=m.id, verb="completed", data={}, created_at=dt.datetime(2026, 6, 1, 8, 0)
        )
    )
    db.session.commit()
    target = tmp_path / "since.jsonl"
    result = runner.invoke(args=["xapi", "export", "--since", "2026-01-01", str(target)])
    assert result.exit_code == 0, result.output
    (line,) = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert json.loads(line)["timestamp"] == "2026-06-01T08:00:00.000Z"


def test_deliver_drains_once_and_says_what_it_did(make_app, make_lrs):
    lrs = make_lrs()
    app = make_app("catalogue", **lrs_config(lrs))
    with app.app_context():
        progress.start_module(make_learner().id, module("digcomp-perusteet"))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["xapi", "deliver"])
        assert result.exit_code == 0, result.output
        assert "1 queued" in result.output and "1 sent" in result.output
        assert "outbox: pending 0, sending 0, sent 1" in result.output
        assert len(lrs.stored) == 1


def test_deliver_without_an_endpoint_fails_clearly(app, runner):
    result = runner.invoke(args=["xapi", "deliver"])
    assert result.exit_code == 1
    assert "KAMPUS_XAPI_ENDPOINT is not set" in result.output
