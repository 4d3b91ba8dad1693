"""The loader's optional self-check keys: ``ask`` (how many questions each
attempt draws) and ``test_out_pass_mark``; a catalogue without them reads as before."""

import copy

import yaml

from kampus.catalogue.loader import CatalogueData, parse_text

QUESTION = {"prompt": "Kysymys?", "choices": ["a", "b", "c"], "correct": [1], "explanation": "Siksi."}


def read(self_check: dict):
    # One dict per question: the same object three times would be dumped as a YAML alias, which the loader refuses.
    self_check = {**self_check, "questions": [copy.deepcopy(q) for q in self_check.get("questions", [])]}
    module = {
        "slug": "m",
        "theme": "t",
        "position": 1,
        "title": {"fi": "M"},
        "level": "A1",
        "minutes": 10,
        "self_check": self_check,
    }
    data, errors = CatalogueData(), []
    parse_text(yaml.safe_dump({"modules": [module]}), "x.yaml", data, errors)
    return (data.modules[0]["self_check"] if data.modules else None), [str(e) for e in errors]


def test_ask_and_the_test_out_mark_are_read_when_given():
    check, errors = read(
        {"pass_mark": 70, "ask": 2, "test_out_pass_mark": 85, "questions": [copy.deepcopy(QUESTION) for _ in range(3)]}
    )
    assert errors == []
    assert (check["ask"], check["test_out_pass_mark"], check["pass_mark"]) == (2, 85, 70)


def test_without_the_new_keys_the_record_is_as_before():
    check, errors = read({"pass_mark": 70, "questions": [copy.deepcopy(QUESTION) for _ in range(3)]})
    assert errors == [] and set(check) == {"pass_mark", "questions"}


def test_bad_values_are_named_with_their_field():
    _check, errors = read({"pass_mark": 70, "ask": 4, "questions": [copy.deepcopy(QUESTION) for _ in range(3)]})
    assert errors == ["x.yaml: m: self_check.ask: must be a whole number from 1 to 3"]
    _check, errors = read(
        {"pass_mark": 70, "test_out_pass_mark": 60, "questions": [copy.deepcopy(QUESTION) for _ in range(3)]}
    )
    assert (
        len(errors) == 1 and "self_check.test_out_pass_mark" in errors[0] and "at least the pass mark (70)" in errors[0]
    )
    _check, errors = read(
        {"pass_mark": 70, "test_out_pass_mark": "lots", "questions": [copy.deepcopy(QUESTION) for _ in range(3)]}
    )
    assert errors == ["x.yaml: m: self_check.test_out_pass_mark: must be a whole number from 1 to 100"]
