"""The one-pass YAML reader gives what yaml.safe_load gives, for the seed and for any document
of plain mappings, lists and scalars, and refuses what the catalogue refuses at the first event."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kampus.catalogue.safe_yaml import MAX_DEPTH, UnsafeYAML, load_yaml

SEED = Path(__file__).resolve().parents[2] / "seed"
C_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """yaml.safe_load with libyaml's parser, as the catalogue read files before (its error messages)."""
    return yaml.load(text, Loader=C_LOADER)  # noqa: S506 - a safe loader


def outcome(read, text: str):
    """The value read, or the error's kind, problem and where it points."""
    try:
        return read(text)
    except yaml.YAMLError as exc:
        mark = exc.problem_mark
        return type(exc).__name__, exc.problem, mark.line, mark.column


@pytest.mark.parametrize("path", sorted(SEED.rglob("*.yaml")), ids=lambda p: p.name)
def test_each_seed_file_reads_as_safe_load_reads_it(path):
    text = path.read_text(encoding="utf-8")
    assert load_yaml(text) == safe_load(text) == yaml.safe_load(text)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.sampled_from(["yes", "no", "~", "null", "0x1f", "1_000", "2001-12-14", "=", "<<", "1e3", ".inf", "", " a "]),
)
keys = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.sampled_from(["=", "<<", "1.5"]))
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(document=documents, flow=st.booleans())
def test_any_plain_document_reads_as_safe_load_reads_it(document, flow):
    text = yaml.safe_dump(document, allow_unicode=True, default_flow_style=flow, width=40)
    assert outcome(load_yaml, text) == outcome(safe_load, text)


@pytest.mark.parametrize(
    "text",
    [
        "a: =\n",  # the value tag, a ConstructorError
        "=: 1\n",  # but as a key, the text "="
        "a: <<\n",  # the merge tag as a value
        "? [1]\n: 2\n",  # an unhashable key
        "? {a: 1}\n: 2\n",
        "--- 1\n--- 2\n",  # a second document
        "a: !foo 1\n",  # a tag no safe constructor knows
        "a: !!map 1\n",
        "x: !!str 12\ny: !!int '7'\n",
        "a: !!binary aGk=\nb: 2001-12-14\nc: 2001-12-14 21:59:43.10 -5\n",
        "[1, 2.5, ~, yes, No, 0o17, 0x1f, 1_000, .inf, -.inf, '1']\n",
        "{a: [b, {c: d}], e: }\n",
        "a: 1\nb: 2\na: 3\n",  # a key twice: the last value, in the first place
        "",
        "# only a comment\n",
        "---\n",
        "plain\n",
        "a: [1, 2\n",  # malformed
        "a: b: c\n",
    ],
)
def test_edge_cases_read_or_fail_as_safe_load_does(text):
    assert outcome(load_yaml, text) == outcome(safe_load, text)


def test_nesting_up_to_the_limit_reads_and_one_level_more_is_refused_where_it_starts():
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH) == safe_load("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(UnsafeYAML) as refused:
        load_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert refused.value.problem_mark.column == MAX_DEPTH
    assert "20" in refused.value.problem


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: &x 1\n", 0, 3),  # an anchor alone
        ("a: [1, 2]\nb: *x\n", 1, 3),  # an alias (the undefined one too: refused before it is looked up)
        ("a: &x [1]\n", 0, 3),
    ],
)
def test_anchors_and_aliases_are_refused_at_the_first(text, line, column):
    with pytest.raises(UnsafeYAML) as refused:
        load_yaml(text)
    assert "anchors and aliases" in refused.value.problem
    assert (refused.value.problem_mark.line, refused.value.problem_mark.column) == (line, column)


def test_a_merge_key_is_refused_though_safe_load_would_merge():
    with pytest.raises(UnsafeYAML) as refused:
        load_yaml("modules:\n  - <<: {slug: a}\n    theme: b\n")
    assert "merge keys (<<) are not allowed" in refused.value.problem
    assert (refused.value.problem_mark.line, refused.value.problem_mark.column) == (1, 4)
    assert load_yaml("'<<': 1\n") == {"<<": 1}  # a quoted "<<" is only a text


@pytest.mark.parametrize("text", ["!!set {a, b}\n", "a: !!omap [b: 1]\n", "a: !thing {b: 1}\n", "a: !!pairs []\n"])
def test_a_tag_on_a_collection_is_refused(text):
    with pytest.raises(yaml.YAMLError) as refused:
        load_yaml(text)
    assert "could not determine a constructor for the tag" in refused.value.problem
