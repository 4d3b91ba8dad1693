"""The migration 0015_material_languages moves today's material (plain strings)
into ``{"fi": …}`` maps with nothing lost, and its downgrade gives the old rows back."""

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kampus.app import create_app
from kampus.extensions import db
from tests.conftest import config_for

BEFORE = "0016_report_aggregates"  # the head before this revision
REVISION = "0015_material_languages"
BODY = "**Lihavoitu** teksti,\nrivinvaihto ja ääkköset: åäö.\n"


def _rows(connection, sql):
    return [tuple(row) for row in connection.execute(text(sql)).all()]


def _as_json(value):
    return json.loads(value) if isinstance(value, str) else value


def test_material_moves_to_language_maps_and_back(db_url):
    app = create_app(config_for(db_url))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO themes (id, slug, position, title, description, case_uuid) "
                    "VALUES (1, 't', 1, '{\"fi\": \"Teema\"}', '{}', '00000000-0000-4000-8000-00000000000a')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO modules (id, slug, theme_id, position, title, summary, level, minutes, target_groups, "
                    "competences, status, reflection, pass_mark, edit_version, updated_at, case_uuid) VALUES "
                    "(1, 'a', 1, 1, '{\"fi\": \"A\"}', '{}', 'A1', 10, '[]', '[]', 'published', 'Mitä opit?', 70, 1, "
                    "'2026-12-01 00:00:00', '00000000-0000-4000-8000-00000000000b'),"
                    "(2, 'b', 1, 2, '{\"fi\": \"B\"}', '{}', 'A1', 10, '[]', '[]', 'draft', NULL, NULL, 1, "
                    "'2026-12-01 00:00:00', '00000000-0000-4000-8000-00000000000c')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO sections (id, module_id, position, title, body) VALUES "
                    "(1, 1, 1, 'Ydinasiat', :body), (2, 1, 2, 'Toinen', 'x\n')"
                ),
                {"body": BODY},
            )
            c.execute(
                text(
                    "INSERT INTO questions (id, module_id, position, prompt, choices, correct, explanation) "
                    "VALUES (7, 1, 1, 'Kumpi?', :choices, '[1]', 'Koska.'), "
                    "(8, 1, 2, 'Ilman selitystä?', '[\"x\", \"y\"]', '[0]', '')"
                ),
                {"choices": json.dumps(["Ensimmäinen", "Toinen", "Kolmas"])},
            )
            c.execute(
                text(
                    "INSERT INTO organisations (id, slug, name, created_at, "
                    "require_approval_for_self_assessment) VALUES (1, 'o', 'O', '2026-12-01 00:00:00', false)"
                )
            )
            c.execute(
                text(
                    "INSERT INTO teams (id, organisation_id, name, created_at) "
                    "VALUES (1, 1, 'T', '2026-12-01 00:00:00')"
                )
            )

        upgrade(revision=REVISION)
        with db.engine.connect() as c:
            sections = _rows(c, "SELECT id, title, body FROM sections ORDER BY id")
            assert [(i, _as_json(t), _as_json(b)) for i, t, b in sections] == [
                (1, {"fi": "Ydinasiat"}, {"fi": BODY}),
                (2, {"fi": "Toinen"}, {"fi": "x\n"}),
            ]
            questions = _rows(c, "SELECT id, prompt, choices, correct, explanation FROM questions ORDER BY id")
            assert [(i, _as_json(p), _as_json(ch), _as_json(co), _as_json(e)) for i, p, ch, co, e in questions] == [
                (
                    7,
                    {"fi": "Kumpi?"},
                    [{"fi": "Ensimmäinen"}, {"fi": "Toinen"}, {"fi": "Kolmas"}],
                    [1],
                    {"fi": "Koska."},
                ),
                (8, {"fi": "Ilman selitystä?"}, [{"fi": "x"}, {"fi": "y"}], [0], {}),
            ]
            modules = _rows(c, "SELECT id, reflection FROM modules ORDER BY id")
            assert [(i, _as_json(r)) for i, r in modules] == [(1, {"fi": "Mitä opit?"}), (2, None)]
            assert _rows(c, "SELECT content_language FROM organisations") == [("fi",)]
            assert _rows(c, "SELECT id FROM teams") == [(1,)]  # no table rebuilt under a cascade
        # New rows hold Swedish too; the downgrade keeps their Finnish.
        with db.engine.begin() as c:
            c.execute(
                text("UPDATE sections SET title = :t WHERE id = 2"), {"t": json.dumps({"fi": "Toinen", "sv": "Andra"})}
            )

        downgrade(revision=BEFORE)
        with db.engine.connect() as c:
            assert _rows(c, "SELECT id, title, body FROM sections ORDER BY id") == [
                (1, "Ydinasiat", BODY),
                (2, "Toinen", "x\n"),
            ]
            questions = _rows(c, "SELECT id, prompt, choices, explanation FROM questions ORDER BY id")
            assert [(i, p, _as_json(ch), e) for i, p, ch, e in questions] == [
                (7, "Kumpi?", ["Ensimmäinen", "Toinen", "Kolmas"], "Koska."),
                (8, "Ilman selitystä?", ["x", "y"], ""),
            ]
            assert _rows(c, "SELECT id, reflection FROM modules ORDER BY id") == [(1, "Mitä opit?"), (2, None)]
            columns = set(c.execute(text("SELECT * FROM organisations")).keys())
            assert "content_language" not in columns
            assert _rows(c, "SELECT id FROM teams") == [(1,)]
            assert _rows(c, "SELECT count(*) FROM sections") == [(2,)]
        upgrade()
        db.engine.dispose()
