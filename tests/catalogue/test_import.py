"""``kampus catalogue import|export``: errors that name file, item and field and write nothing;
dry runs that count; valid imports that write exactly what they say; export round trips."""

import re

import pytest
import yaml
from sqlalchemy import select

from kampus.catalogue.importer import export_catalogue
from kampus.catalogue.models import Module, Prerequisite
from kampus.catalogue.services import current_version
from kampus.extensions import db
from tests.catalogue.test_seed import snapshot

THEME = "digistrategia"
# A chain of the seed: itsearviointi → digistrategian-laatiminen → tiedolla-johtaminen.
FIRST, MIDDLE, LAST = "digikyvykkyyden-itsearviointi", "digistrategian-laatiminen", "tiedolla-johtaminen"

SECTION_BODY = (
    "Tämä on uuden moduulin materiaalia. Siinä käydään läpi, miten koulutuksen järjestäjä toistaa "
    "digikyvykkyyden arvioinnin säännöllisesti ja vertaa tuloksia aiempiin kierroksiin.\n"
)


def new_module(slug, *, theme=THEME, position=10, level="B1", title=None, **changes):
    record = {
        "slug": slug,
        "theme": theme,
        "position": position,
        "title": title if title is not None else {"fi": f"Uusi moduuli {slug}", "en": f"New module {slug}"},
        "summary": {"fi": "Lyhyt kuvaus.", "en": "A short summary."},
        "level": level,
        "minutes": 60,
        "target_groups": ["management"],
        "status": "published",
        "competences": [],
        "sections": [{"title": "Ydinasiat", "body": SECTION_BODY}, {"title": "Esimerkki", "body": SECTION_BODY}],
        "self_check": {
            "pass_mark": 70,
            "questions": [
                {
                    "prompt": "Kuinka usein arviointi toistetaan?",
                    "choices": ["Ei koskaan", "Säännöllisesti"],
                    "correct": [1],
                    "explanation": "Toistaminen näyttää muutoksen.",
                },
            ],
        },
        "reflection": "Milloin organisaatiosi arvioi digikyvykkyytensä viimeksi?",
    }
    record.update(changes)
    return record


def edge(before, after, kind="required"):
    return {"before": before, "after": after, "kind": kind}


def write(tmp_path, document, name="tuonti.yaml"):
    path = tmp_path / name
    text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def run_import(runner, path, *, dry_run=False):
    args = ["catalogue", "import", str(path)] + (["--dry-run"] if dry_run else [])
    return runner.invoke(args=args)


def existing(slug):
    """The exported record of a module in the catalogue and the edges into it."""
    data = export_catalogue()
    record = next(m for m in data.modules if m["slug"] == slug)
    return record, [e for e in data.prerequisites if e["after"] == slug]


def counts(output, what):
    """``{"themes": n, "modules": n, ...}`` from the summary part ``what`` (added, updated, removed, unchanged)."""
    part = re.search(rf"{what}: ([^;]*)", output).group(1)
    return {name: int(n) for n, name in re.findall(r"(\d+) (\w+)", part)}


# --- errors: non-zero exit, file + item + field named, nothing written -------------

ERROR_CASES = {
    "unknown module in a prerequisite": (
        {"modules": [new_module("uusi-moduuli")], "prerequisites": [edge("ei-ole-olemassa", "uusi-moduuli")]},
        [
            "tuonti.yaml: ei-ole-olemassa → uusi-moduuli: before: "
            "prerequisite ei-ole-olemassa → uusi-moduuli names an unknown module: ei-ole-olemassa"
        ],
    ),
    "cycle within the file": (
        {
            "modules": [new_module("kierto-a"), new_module("kierto-b"), new_module("kierto-c")],
            "prerequisites": [edge("kierto-a", "kierto-b"), edge("kierto-b", "kierto-c"), edge("kierto-c", "kierto-a")],
        },
        ["tuonti.yaml: kierto-a → kierto-b: prerequisites: cycle: kierto-a → kierto-b → kierto-c → kierto-a"],
    ),
    "cycle through existing modules": (
        {
            "modules": [new_module("arviointikierros")],
            "prerequisites": [edge(LAST, "arviointikierros"), edge("arviointikierros", FIRST)],
        },
        [
            f"tuonti.yaml: arviointikierros → {FIRST}: prerequisites: "
            f"cycle: arviointikierros → {FIRST} → {MIDDLE} → {LAST} → arviointikierros"
        ],
    ),
    "cycle closed by an edge between existing modules": (
        {"prerequisites": [edge(LAST, FIRST, "recommended")]},
        [f"tuonti.yaml: {LAST} → {FIRST}: prerequisites: cycle: {FIRST} → {MIDDLE} → {LAST} → {FIRST}"],
    ),
    "bad level": (
        {"modules": [new_module("uusi-moduuli", level="D1")]},
        ["tuonti.yaml: uusi-moduuli: level: must be one of A1, A2, B1, B2, C1, C2 (got 'D1')"],
    ),
    "missing Finnish title": (
        {"modules": [new_module("uusi-moduuli", title={"sv": "Ny modul", "en": "New module"})]},
        ["tuonti.yaml: uusi-moduuli: title.fi: the Finnish text is required"],
    ),
    "malformed YAML": (
        'modules:\n  - slug: uusi-moduuli\n    title: {fi: "Uusi"\n    level: B1\n',
        [r"tuonti.yaml: -: -: malformed YAML at line \d+"],
    ),
    "self-loop": (
        {"modules": [new_module("uusi-moduuli")], "prerequisites": [edge("uusi-moduuli", "uusi-moduuli")]},
        ["tuonti.yaml: uusi-moduuli → uusi-moduuli: prerequisites: module uusi-moduuli cannot be its own prerequisite"],
    ),
    "duplicate edge": (
        {
            "modules": [new_module("uusi-moduuli")],
            "prerequisites": [edge(LAST, "uusi-moduuli"), edge(LAST, "uusi-moduuli", "recommended")],
        },
        [
            f"tuonti.yaml: {LAST} → uusi-moduuli: prerequisites: prerequisite {LAST} → uusi-moduuli is listed 2 times "
            "(as required, recommended)"
        ],
    ),
}


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_a_bad_file_is_refused_naming_file_item_and_field_and_nothing_changes(app, runner, tmp_path, case, dry_run):
    document, expected = ERROR_CASES[case]
    path = write(tmp_path, document)
    before, version = snapshot(), current_version()

    result = run_import(runner, path, dry_run=dry_run)

    assert result.exit_code == 1, result.output
    assert "import refused, nothing written" in result.output
    for message in expected:
        assert re.search(re.escape(message) if "\\d" not in message else message, result.output), result.output
    assert "dry run" not in result.output and "imported" not in result.output
    assert snapshot() == before
    assert current_version() == version


def test_malformed_yaml_names_the_line_of_the_problem(app, runner, tmp_path):
    path = write(tmp_path, "modules:\n  - slug: uusi-moduuli\n    level: B1\n  - slug: [toinen\n    level: B2\n")

    result = run_import(runner, path)

    assert result.exit_code == 1
    line = int(re.search(r"tuonti.yaml: -: -: malformed YAML at line (\d+)", result.output).group(1))
    assert line in (4, 5)


def test_a_file_with_several_errors_reports_every_one_and_writes_nothing(app, runner, tmp_path):
    path = write(
        tmp_path,
        {
            "modules": [
                new_module("hyva-moduuli"),
                new_module("taso-vaarin", level="D1"),
                new_module("ei-otsikkoa", title={"en": "No Finnish title"}),
            ],
            "prerequisites": [
                edge("hyva-moduuli", "taso-vaarin"),
                edge("tuntematon", "hyva-moduuli"),
                edge("hyva-moduuli", "hyva-moduuli"),
            ],
        },
    )
    before, version = snapshot(), current_version()

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert "(4 error(s))" in result.output
    assert "tuonti.yaml: taso-vaarin: level: must be one of" in result.output
    assert "tuonti.yaml: ei-otsikkoa: title.fi: the Finnish text is required" in result.output
    assert "tuonti.yaml: tuntematon → hyva-moduuli: before: " in result.output
    assert "tuonti.yaml: hyva-moduuli → hyva-moduuli: prerequisites: " in result.output
    # An edge to a module refused for a field error is not also called unknown.
    assert "unknown module: taso-vaarin" not in result.output
    assert snapshot() == before and current_version() == version
    assert db.session.scalar(select(Module).where(Module.slug == "hyva-moduuli")) is None


def test_errors_in_a_folder_name_the_file_they_are_in(app, runner, tmp_path):
    folder = tmp_path / "tuonti"
    folder.mkdir()
    write(
        folder,
        {"modules": [new_module("kierto-a"), new_module("kierto-b")], "prerequisites": [edge("kierto-a", "kierto-b")]},
        name="a.yaml",
    )
    write(folder, {"prerequisites": [edge("kierto-b", "kierto-a"), edge("puuttuu", "kierto-a")]}, name="b.yaml")
    write(folder, {"modules": [new_module("kierto-a", position=11)]}, name="c.yaml")

    result = run_import(runner, folder)

    assert result.exit_code == 1
    assert "c.yaml: kierto-a: slug: the module slug appears twice (also in a.yaml)" in result.output
    assert "a.yaml: kierto-a → kierto-b: prerequisites: cycle: kierto-a → kierto-b → kierto-a" in result.output
    assert "b.yaml: puuttuu → kierto-a: before: " in result.output


# --- dry run and valid imports ---------------------------------------------------


def adding_one_and_changing_another(tmp_path):
    record, edges_in = existing(LAST)
    record["title"] = dict(record["title"], fi="Tiedolla johtaminen käytännössä")
    document = {
        "modules": [record, new_module("arviointikierros")],
        "prerequisites": edges_in + [edge(LAST, "arviointikierros", "recommended")],
    }
    return write(tmp_path, document), len(edges_in)


def test_dry_run_counts_what_would_change_and_writes_nothing(app, runner, tmp_path):
    path, edges_in = adding_one_and_changing_another(tmp_path)
    before, version = snapshot(), current_version()

    result = run_import(runner, path, dry_run=True)

    assert result.exit_code == 0, result.output
    assert "dry run, nothing written" in result.output
    assert counts(result.output, "added") == {"themes": 0, "modules": 1, "prerequisites": 1}
    assert counts(result.output, "updated") == {"themes": 0, "modules": 1}
    assert counts(result.output, "removed") == {"prerequisites": 0}
    assert counts(result.output, "unchanged") == {"themes": 0, "modules": 0, "prerequisites": edges_in}
    assert snapshot() == before
    assert current_version() == version


def test_a_valid_import_adds_and_updates_exactly_what_it_says(app, runner, tmp_path):
    path, edges_in = adding_one_and_changing_another(tmp_path)
    changed = db.session.scalar(select(Module).where(Module.slug == LAST))
    changed_id, edit_version = changed.id, changed.edit_version
    before, version = snapshot(), current_version()
    db.session.rollback()

    result = run_import(runner, path)

    assert result.exit_code == 0, result.output
    assert "imported" in result.output
    assert counts(result.output, "added") == {"themes": 0, "modules": 1, "prerequisites": 1}
    assert counts(result.output, "updated") == {"themes": 0, "modules": 1}
    assert current_version() == version + 1
    db.session.expire_all()
    changed = db.session.scalar(select(Module).where(Module.slug == LAST))
    assert changed.id == changed_id
    assert changed.title["fi"] == "Tiedolla johtaminen käytännössä"
    assert changed.edit_version > edit_version
    added = db.session.scalar(select(Module).where(Module.slug == "arviointikierros"))
    assert [s.title["fi"] for s in added.sections] == ["Ydinasiat", "Esimerkki"]
    assert [q.correct for q in added.questions] == [[1]] and added.pass_mark == 70
    assert added.theme.slug == THEME and added.level == "B1"
    new_edges = db.session.scalars(select(Prerequisite).where(Prerequisite.after_id == added.id)).all()
    assert [(e.before.slug, e.kind) for e in new_edges] == [(LAST, "recommended")]

    after = snapshot()
    assert after["themes"] == before["themes"]
    assert [r for r in after["modules"] if r[0] not in (changed_id, added.id)] == [
        r for r in before["modules"] if r[0] != changed_id
    ]
    assert len(after["modules"]) == len(before["modules"]) + 1
    assert [r for r in after["sections"] if r[1] != added.id] == before["sections"]
    assert len(after["prerequisites"]) == len(before["prerequisites"]) + 1


def test_a_file_lists_all_the_prerequisites_of_its_modules(app, runner, tmp_path):
    record, edges_in = existing(MIDDLE)
    assert len(edges_in) == 2
    kept = edges_in[0]
    path = write(tmp_path, {"modules": [record], "prerequisites": [dict(kept, kind="recommended")]})

    result = run_import(runner, path)

    assert result.exit_code == 0, result.output
    assert counts(result.output, "updated") == {"themes": 0, "modules": 0}
    assert counts(result.output, "removed") == {"prerequisites": 2}  # one dropped, one changed in kind
    assert counts(result.output, "added") == {"themes": 0, "modules": 0, "prerequisites": 1}
    _, now = existing(MIDDLE)
    assert now == [dict(kept, kind="recommended")]


# --- export round trips ----------------------------------------------------------


@pytest.mark.slow
def test_export_then_import_of_the_same_file_changes_nothing(app, runner, tmp_path):
    path = tmp_path / "catalogue.yaml"
    exported = runner.invoke(args=["catalogue", "export", str(path)])
    assert exported.exit_code == 0, exported.output
    assert re.search(r"exported 8 themes, \d+ modules, \d+ prerequisites", exported.output)
    before, version = snapshot(), current_version()

    result = run_import(runner, path)

    assert result.exit_code == 0, result.output
    assert counts(result.output, "added") == {"themes": 0, "modules": 0, "prerequisites": 0}
    assert counts(result.output, "updated") == {"themes": 0, "modules": 0}
    assert counts(result.output, "removed") == {"prerequisites": 0}
    assert counts(result.output, "unchanged")["modules"] == len(before["modules"])
    assert snapshot() == before
    assert current_version() == version


@pytest.mark.slow
def test_export_then_import_into_an_empty_database_reproduces_the_catalogue(make_app, tmp_path):
    path = tmp_path / "catalogue.yaml"
    source = make_app("catalogue")
    with source.app_context():
        assert source.test_cli_runner().invoke(args=["catalogue", "export", str(path)]).exit_code == 0
        original = export_catalogue()

    empty = make_app("empty")
    with empty.app_context():
        assert export_catalogue().modules == []
        result = empty.test_cli_runner().invoke(args=["catalogue", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert counts(result.output, "added") == {
            "themes": len(original.themes),
            "modules": len(original.modules),
            "prerequisites": len(original.prerequisites),
        }
        db.session.expire_all()
        copy = export_catalogue()
        snapshot_after = snapshot()

    assert copy.themes == original.themes
    assert [m["slug"] for m in copy.modules] == [m["slug"] for m in original.modules]
    assert copy.modules == original.modules  # titles, sections, questions and every other field
    assert copy.prerequisites == original.prerequisites
    assert len(snapshot_after["sections"]) == sum(len(m["sections"]) for m in original.modules)
    assert len(snapshot_after["questions"]) == sum(len(m["self_check"]["questions"]) for m in original.modules)
