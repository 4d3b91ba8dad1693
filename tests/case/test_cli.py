"""``kampus catalogue export --format case FILE`` writes a valid CFPackage; YAML stays the default."""

from __future__ import annotations

import json

import yaml

from kampus.case.services import case_package
from tests.case.conftest import BASE_URL


def test_export_format_case_writes_a_valid_package(case_app, runner, tmp_path, check_case):
    file = tmp_path / "kampus-case.json"
    result = runner.invoke(args=["catalogue", "export", "--format", "case", str(file)])
    assert result.exit_code == 0, result.output
    package = json.loads(file.read_text(encoding="utf-8"))
    check_case(package)
    assert package == case_package(BASE_URL)
    assert package["CFDocument"]["identifier"] in result.output
    assert "57 items" in result.output
    assert "ä" in file.read_text(encoding="utf-8")  # Finnish written as text, not \\u escapes


def test_export_without_format_is_still_yaml(case_app, runner, tmp_path):
    file = tmp_path / "catalogue.yaml"
    result = runner.invoke(args=["catalogue", "export", str(file)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert set(data) == {"themes", "modules", "prerequisites"}


def test_export_refuses_an_unknown_format(case_app, runner, tmp_path):
    file = tmp_path / "out"
    result = runner.invoke(args=["catalogue", "export", "--format", "xml", str(file)])
    assert result.exit_code != 0
    assert "xml" in result.output
    assert not file.exists()
