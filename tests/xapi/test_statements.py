"""The pure mapping from learning events to xAPI statements, each statement
checked by ralph's independent xAPI model (no app, no database)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from pydantic import ValidationError

from kampus.xapi import statements as xs
from kampus.xapi.statements import AssignmentData, EventData, ModuleInfo, PathInfo, SectionInfo
from tests.xapi.conftest import validate_statement

BASE = "https://kampus.example"
WHEN = datetime(2026, 11, 30, 12, 30, 5)
MODULE = ModuleInfo(
    "digcomp-perusteet",
    {"fi": "DigComp-perusteet", "sv": "Grunderna i DigComp"},
    "pedagogiikka",
    {"fi": "Pedagogiikka", "sv": "Pedagogik", "en": "Pedagogy"},
    70,
)
ASSIGNED = PathInfo("assignment", 5, {"fi": "Perehdytys", "sv": "Introduktion", "en": "Induction"})
PERSONAL = PathInfo("path", 9, {"fi": "Oma polku"})


def event(kind: str, id: int = 1, **data) -> EventData:
    section = SectionInfo(data["position"], "Mitä DigComp on?") if "position" in data else None
    return EventData(
        id=id,
        kind=kind,
        actor="a" * 32,
        occurred_at=WHEN,
        data=data,
        module=MODULE,
        section=section,
        paths=(ASSIGNED, PERSONAL),
        people={42: "b" * 32},
        language="sv",
    )


CASES = {
    "started": (event("started"), ["attempted"]),
    "experienced": (event("section_viewed", position=1), ["experienced"]),
    "answered and passed": (event("attempted", score=85), ["answered"]),
    "answered and failed": (event("attempted", score=40), ["answered", "failed"]),
    "passed": (event("passed", score=85), ["passed"]),
    "completed": (event("completed"), ["completed"]),
    "tested out": (event("recognised", how="self_check"), ["passed"]),
    "recognised by a manager": (event("recognised", how="manager", approved_by=42, request_id=7), ["waived"]),
    "recognised by self-assessment": (event("recognised", how="self_assessment"), ["waived"]),
    "rated": (event("rated", rating=4), ["rated"]),
}


@pytest.mark.parametrize("name", CASES)
def test_every_kind_of_statement_is_valid_xapi(name):
    data, verbs = CASES[name]
    made = xs.statements_for_event(data, BASE)
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in made] == [xs.VERBS[v].id.rsplit("/", 1)[1] for v in verbs]
    for statement in made:
        validate_statement(statement)
        assert statement["version"] == "1.0.3"
        assert set(statement["verb"]["display"]) == {"fi-FI", "sv-FI", "en"}
        assert set(statement["object"]["definition"]["name"]) == {"fi-FI", "sv-FI", "en"}
        assert statement["object"]["id"].startswith(BASE + "/modules/digcomp-perusteet")
        assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": BASE, "name": "a" * 32}}
        assert statement["timestamp"] == "2026-11-30T12:30:05.000Z"
        assert uuid.UUID(statement["id"]).version == 5


def test_the_assigned_statement_is_valid_xapi_with_the_team_as_context():
    team = AssignmentData(5, "c" * 32, WHEN, {"fi": "Perehdytys"}, team="d" * 32, due="2027-01-31")
    people = AssignmentData(6, "c" * 32, WHEN, {"fi": "Perehdytys"}, people=("a" * 32, "b" * 32))
    (by_team,) = xs.statements_for_assignment(team, BASE)
    (by_name,) = xs.statements_for_assignment(people, BASE)
    for statement in (by_team, by_name):
        validate_statement(statement)
        assert statement["verb"]["id"] == "http://activitystrea.ms/schema/1.0/assign"
    assert by_team["object"]["id"] == f"{BASE}/me/assignments/5"
    assert by_team["context"]["registration"] == xs.registration(BASE, ASSIGNED)
    assert by_team["context"]["team"]["account"]["name"] == "d" * 32
    assert [m["account"]["name"] for m in by_name["context"]["team"]["member"]] == ["a" * 32, "b" * 32]
    (by_organisation,) = xs.statements_for_assignment(AssignmentData(7, None, WHEN, {"fi": "x"}, "e" * 32), BASE)
    validate_statement(by_organisation)
    assert by_organisation["actor"] == {"objectType": "Group", "account": {"homePage": BASE, "name": "e" * 32}}
    assert xs.statements_for_assignment(AssignmentData(8, None, WHEN, {"fi": "x"}), BASE) == []


def test_verbs_are_adl_iris_where_adl_has_the_word():
    for name in ("attempted", "experienced", "answered", "passed", "failed", "completed"):
        assert xs.VERBS[name].id == f"http://adlnet.gov/expapi/verbs/{name}"
    assert xs.VERBS["waived"].id == "https://w3id.org/xapi/adl/verbs/waived"


def test_self_check_results_carry_score_and_success():
    (answered,) = xs.statements_for_event(event("attempted", score=85), BASE)
    assert answered["result"] == {
        "score": {"scaled": 0.85, "raw": 85, "min": 0, "max": 100},
        "completion": True,
        "success": True,
    }
    assert answered["object"]["id"] == f"{BASE}/modules/digcomp-perusteet/self-check"
    assert answered["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/modules/digcomp-perusteet"
    _answered, failed = xs.statements_for_event(event("attempted", score=40), BASE)
    assert failed["result"]["success"] is False and failed["result"]["score"]["raw"] == 40
    # the attempt's own verdict, once the log records it, wins over the module's pass mark
    assert len(xs.statements_for_event(event("attempted", score=40, passed=True), BASE)) == 1
    (rated,) = xs.statements_for_event(event("rated", rating=4), BASE)
    assert rated["result"]["score"] == {"scaled": 0.8, "raw": 4, "min": 1, "max": 5}


def test_testing_out_is_a_pass_with_the_test_out_extension():
    (statement,) = xs.statements_for_event(event("recognised", how="self_check"), BASE)
    extensions = statement["context"]["extensions"]
    assert extensions[f"{BASE}/xapi/extensions/test-out"] is True
    assert extensions[f"{BASE}/xapi/extensions/recognition"] == {"how": "self_check"}
    assert statement["object"]["id"] == f"{BASE}/modules/digcomp-perusteet"
    assert statement["result"]["success"] is True
    (own_kind,) = xs.statements_for_event(event("tested_out", score=90), BASE)
    validate_statement(own_kind)
    assert own_kind["context"]["extensions"][f"{BASE}/xapi/extensions/test-out"] is True
    assert own_kind["result"]["score"]["raw"] == 90


def test_recognition_keeps_its_provenance_with_the_approver_opaque():
    (statement,) = xs.statements_for_event(event("recognised", how="manager", approved_by=42, request_id=7), BASE)
    assert statement["context"]["extensions"][f"{BASE}/xapi/extensions/recognition"] == {
        "how": "manager",
        "request_id": 7,
        "approved_by": "b" * 32,
    }
    assert statement["context"]["instructor"]["account"]["name"] == "b" * 32
    assert f"{BASE}/xapi/extensions/test-out" not in statement["context"]["extensions"]


def test_context_names_the_path_as_registration_and_grouping():
    (statement,) = xs.statements_for_event(event("completed"), BASE)
    context = statement["context"]
    assert context["language"] == "sv-FI"  # the learner's own
    assert context["registration"] == str(uuid.uuid5(xs.namespace(BASE), "assignment/5"))
    grouping = [a["id"] for a in context["contextActivities"]["grouping"]]
    assert grouping == [f"{BASE}/themes/pedagogiikka", f"{BASE}/me/assignments/5", f"{BASE}/paths/9"]


def test_names_fall_back_to_finnish_and_sections_are_numbered_from_one():
    (statement,) = xs.statements_for_event(event("section_viewed", position=1), BASE)
    assert statement["object"]["id"] == f"{BASE}/modules/digcomp-perusteet/sections/2"
    names = statement["object"]["definition"]["name"]
    assert names["sv-FI"].startswith("Grunderna i DigComp") and names["en"].startswith("DigComp-perusteet")


def test_the_same_event_gives_the_same_statement_id_and_another_event_another():
    first = xs.statements_for_event(event("completed", id=3), BASE)[0]["id"]
    assert xs.statements_for_event(event("completed", id=3), BASE)[0]["id"] == first
    assert xs.statements_for_event(event("completed", id=4), BASE)[0]["id"] != first
    assert xs.statements_for_event(event("completed", id=3), "https://toinen.example")[0]["id"] != first


def test_unknown_kinds_and_events_without_a_module_make_no_statement():
    assert xs.statements_for_event(event("reflected"), BASE) == []
    assert xs.statements_for_event(event("something_new"), BASE) == []
    orphan = EventData(id=1, kind="completed", actor="a" * 32, occurred_at=WHEN)
    assert xs.statements_for_event(orphan, BASE) == []


def test_actor_names_are_opaque_and_stable():
    name = xs.actor_name("salaisuus", "user", 12)
    assert name == xs.actor_name("salaisuus", "user", 12) and len(name) == 32
    assert name != xs.actor_name("salaisuus", "user", 13) != xs.actor_name("toinen", "user", 12)


def test_the_validator_is_not_a_rubber_stamp():
    (statement,) = xs.statements_for_event(event("completed"), BASE)
    broken = {**statement, "verb": {"id": "not an iri", "display": {"fi-FI": "suoritti"}}}
    with pytest.raises(ValidationError):
        validate_statement(broken)
    with pytest.raises(ValidationError):
        validate_statement({**statement, "result": {"score": {"scaled": 2}}})


def test_the_mapping_imports_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import sys, kampus.xapi.statements\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('flask', 'sqlalchemy'))\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
