"""CASE fixtures: the CASE 1.0 CFPackage JSON schema (from the OpenSALT project,
kept in ``shared/standards`` beside the clone) and a checker built on it.

The schema is not ours, so it is not in the repository: CI puts ``shared/``
beside the clone; ``KAMPUS_STANDARDS_DIR`` points elsewhere (e.g. for a git
worktree). The tests skip, saying where they looked, only when the file is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT

STANDARDS = Path(os.environ.get("KAMPUS_STANDARDS_DIR") or Path(ROOT).parent / "shared" / "standards")
SCHEMA_PATH = STANDARDS / "case-v1p0-cfpackage-schema.json"
BASE_URL = "https://kampus.example.fi"


@pytest.fixture(scope="session")
def case_schema() -> dict:
    if not SCHEMA_PATH.exists():
        pytest.skip(
            f"the CASE 1.0 CFPackage schema is absent: no {SCHEMA_PATH} (put shared/ beside the clone "
            "or set KAMPUS_STANDARDS_DIR)"
        )
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_errors(schema: dict, instance, definition: str | None = None) -> list[str]:
    """Every way ``instance`` breaks the schema (or one of its ``definitions``), formats checked too."""
    from jsonschema import Draft7Validator

    if definition is not None:
        assert definition in schema["definitions"], f"the CASE schema has no definition {definition}"
        schema = {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    ]


@pytest.fixture
def check_case(case_schema):
    """``check_case(instance, "CFPackageItem")``: fail listing every schema error
    (the whole CFPackage schema when no definition is named)."""

    def check(instance, definition: str | None = None) -> None:
        errors = schema_errors(case_schema, instance, definition)
        assert not errors, f"{len(errors)} CASE schema error(s):\n" + "\n".join(errors[:30])

    return check


@pytest.fixture
def case_app(app):
    """The seed catalogue app with links under a production-like base URL."""
    app.config["KAMPUS_BASE_URL"] = BASE_URL
    return app
