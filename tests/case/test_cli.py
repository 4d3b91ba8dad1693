"""``kampus catalogue export --format case FILE`` writes a valid CFPackage; YAML stays the default."""

from __future__ import annotations

import json

import pytest
import yaml

from kampus.case.services import case_package
from tests.case.conftest import BASE_URL
from tests.conftest import snapshot_database


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


@pytest.mark.slow
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


def test_import_format_case_loads_an_export_into_an_empty_catalogue(empty_app, make_app, tmp_path):
    from tests.case.test_round_trip import assert_same_graph, imported_graph, published_graph

    file = tmp_path / "kampus-case.json"
    seed = make_app("catalogue")
    with seed.app_context():
        assert seed.test_cli_runner().invoke(args=["catalogue", "export", "--format", "case", str(file)]).exit_code == 0
        graph = published_graph()
    runner = empty_app.test_cli_runner()
    snapshot = snapshot_database()
    dry = runner.invoke(args=["catalogue", "import", "--format", "case", "--dry-run", str(file)])
    assert dry.exit_code == 0, dry.output
    assert f"added: 8 themes, {graph.number_of_nodes()} modules" in dry.output
    assert snapshot_database() == snapshot
    result = runner.invoke(args=["catalogue", "import", "--format", "case", str(file)])
    assert result.exit_code == 0, result.output
    assert_same_graph(graph, imported_graph())


def test_import_format_case_refuses_a_file_that_is_no_package(empty_app, tmp_path):
    runner = empty_app.test_cli_runner()
    file = tmp_path / "broken.json"
    file.write_text("{not json", encoding="utf-8")
    result = runner.invoke(args=["catalogue", "import", "--format", "case", str(file)])
    assert result.exit_code == 1
    assert "broken.json" in result.output and "nothing written" in result.output
    file.write_text(
        '{"CFDocument": {}, "CFItems": [{"identifier": "x", "CFItemType": "Standard", "uri": "u"}]}', encoding="utf-8"
    )
    result = runner.invoke(args=["catalogue", "import", "--format", "case", str(file)])
    assert result.exit_code == 1
    assert "CFItemType" in result.output
