"""The prerequisite graph: building it, validating it and naming the loops an edit would close."""

import networkx as nx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kampus.errors import CycleError, UnknownModule
from kampus.graph import (
    MAX_CYCLES,
    build_graph,
    check_edge,
    cycle_if_added,
    synthetic_catalogue,
    validate,
)
from kampus.graph.prereqs import redundant_edges

PROPERTIES = settings(max_examples=100, deadline=None)


def module(slug, theme="theme-1", *, theme_position=1, position=0, level="A1", minutes=30, status="published"):
    return {
        "slug": slug,
        "theme": theme,
        "theme_position": theme_position,
        "position": position,
        "level": level,
        "minutes": minutes,
        "status": status,
    }


def edge(before, after, kind="required"):
    return {"before": before, "after": after, "kind": kind}


def modules(*slugs, **attributes):
    return [module(slug, position=index, **attributes) for index, slug in enumerate(slugs)]


def codes(findings):
    return [finding.code for finding in findings]


def is_cycle_in(graph, cycle, extra_edge):
    """True when ``cycle`` (first node repeated last) runs along edges of graph + extra_edge."""
    if len(cycle) < 2 or cycle[0] != cycle[-1] or len(set(cycle[:-1])) != len(cycle) - 1:
        return False
    return all(
        graph.has_edge(before, after) or (before, after) == extra_edge
        for before, after in zip(cycle, cycle[1:], strict=False)
    )


@st.composite
def dags(draw, max_modules=12):
    """A random DAG: random edges i < j over a random permutation of the slugs."""
    count = draw(st.integers(min_value=1, max_value=max_modules))
    slugs = draw(st.permutations([f"m{index:02d}" for index in range(count)]))
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3 * count)) if pairs else []
    prerequisites = [edge(slugs[i], slugs[j], draw(st.sampled_from(["required", "recommended"]))) for i, j in chosen]
    themes = draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
    catalogue = [
        module(slug, f"theme-{theme}", theme_position=theme, position=index)
        for index, (slug, theme) in enumerate(zip(slugs, themes, strict=True))
    ]
    return catalogue, prerequisites, slugs


# -- build_graph ---------------------------------------------------------------


def test_build_graph_keys_nodes_by_slug_with_their_attributes_and_edges_with_kind():
    graph = build_graph(
        [module("a", level="B1", minutes=45, position=3), module("b", status="draft")],
        [edge("a", "b", "recommended")],
    )
    assert graph.nodes["a"] == {
        "theme": "theme-1",
        "theme_position": 1,
        "position": 3,
        "level": "B1",
        "minutes": 45,
        "status": "published",
    }
    assert graph.edges["a", "b"] == {"kind": "recommended"}


def test_build_graph_refuses_an_edge_to_an_unknown_module():
    with pytest.raises(UnknownModule) as refused:
        build_graph(modules("a"), [edge("a", "ghost")])
    assert refused.value.slug == "ghost"
    assert "ghost" in str(refused.value)


# -- validate: errors ----------------------------------------------------------


def test_a_clean_catalogue_is_ok():
    report = validate(modules("a", "b", "c"), [edge("a", "b"), edge("b", "c", "recommended")])
    assert report.ok
    assert report.errors == []
    assert report.warnings == []


def test_an_edge_to_an_unknown_module_is_an_error_naming_the_edge_and_the_slug():
    report = validate(modules("a"), [edge("a", "ghost")])
    assert not report.ok
    [finding] = report.errors
    assert finding.code == "unknown_module"
    assert "a → ghost" in finding.message
    assert "ghost" in finding.message.split("a → ghost", 1)[1]
    assert finding.subject == "a → ghost"


def test_an_edge_from_an_unknown_module_is_an_error_too():
    report = validate(modules("b"), [edge("ghost", "b")])
    assert codes(report.errors) == ["unknown_module"]
    assert "ghost" in report.errors[0].message


def test_a_self_loop_is_an_error():
    report = validate(modules("a"), [edge("a", "a")])
    assert codes(report.errors) == ["self_loop"]
    assert "a" in report.errors[0].message
    assert report.errors[0].subject == "a → a"


def test_the_same_pair_twice_is_a_duplicate_whatever_the_kinds():
    report = validate(modules("a", "b"), [edge("a", "b"), edge("a", "b", "recommended")])
    assert codes(report.errors) == ["duplicate_edge"]
    assert "a → b" in report.errors[0].message
    assert report.errors[0].subject == "a → b"


def test_the_same_slug_for_two_modules_is_an_error():
    report = validate([module("a"), module("a", position=1)], [])
    assert codes(report.errors) == ["duplicate_module"]


def test_a_cycle_is_named_in_edge_order_from_its_smallest_slug():
    report = validate(modules("a", "b", "c"), [edge("b", "c"), edge("c", "a"), edge("a", "b")])
    assert codes(report.errors) == ["cycle"]
    assert report.errors[0].message == "cycle: a → b → c → a"


def test_a_cycle_through_a_recommended_edge_is_still_a_cycle():
    report = validate(modules("x", "y"), [edge("x", "y"), edge("y", "x", "recommended")])
    assert [finding.message for finding in report.errors] == ["cycle: x → y → x"]


def test_separate_cycles_are_each_reported():
    report = validate(
        modules("a", "b", "c", "d"),
        [edge("a", "b"), edge("b", "a"), edge("c", "d"), edge("d", "c")],
    )
    assert sorted(finding.message for finding in report.errors) == [
        "cycle: a → b → a",
        "cycle: c → d → c",
    ]


def test_cycles_reported_are_capped():
    slugs = [f"m{index}" for index in range(6)]
    complete = [edge(a, b) for a in slugs for b in slugs if a != b]
    report = validate(modules(*slugs), complete)
    assert len(report.errors) == MAX_CYCLES
    assert all(finding.code == "cycle" for finding in report.errors)
    assert len({finding.message for finding in report.errors}) == MAX_CYCLES


def test_errors_do_not_stop_the_other_checks():
    report = validate(
        modules("a", "b", "c"),
        [edge("a", "ghost"), edge("a", "a"), edge("b", "c"), edge("c", "b")],
    )
    assert sorted(codes(report.errors)) == ["cycle", "self_loop", "unknown_module"]


# -- validate: warnings --------------------------------------------------------


def test_a_required_edge_implied_by_other_required_edges_is_redundant():
    report = validate(modules("a", "b", "c"), [edge("a", "b"), edge("b", "c"), edge("a", "c")])
    assert report.ok
    [finding] = report.warnings
    assert finding.code == "redundant_edge"
    assert finding.subject == "a → c"
    assert "a → b → c" in finding.message


def test_a_recommended_shortcut_or_a_recommended_chain_is_not_redundant():
    shortcut = validate(modules("a", "b", "c"), [edge("a", "b"), edge("b", "c"), edge("a", "c", "recommended")])
    through_recommended = validate(
        modules("a", "b", "c"), [edge("a", "b", "recommended"), edge("b", "c"), edge("a", "c")]
    )
    assert shortcut.warnings == []
    assert through_recommended.warnings == []


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_a_published_module_requiring_an_unpublished_one_is_warned(status):
    report = validate([module("a", status=status), module("b", position=1)], [edge("a", "b")])
    assert report.ok
    [finding] = report.warnings
    assert finding.code == "requires_unpublished"
    assert "b" in finding.message and "a" in finding.message and status in finding.message
    assert finding.subject == "a → b"


def test_recommending_a_draft_or_a_draft_requiring_a_draft_is_fine():
    report = validate(
        [module("a", status="draft"), module("b", position=1), module("c", status="draft")],
        [edge("a", "b", "recommended"), edge("a", "c")],
    )
    assert report.warnings == []


def test_a_module_without_edges_in_a_theme_with_others_is_isolated():
    report = validate(
        [
            module("a"),
            module("b", position=1),
            module("lonely", position=2),
            module("solo", "theme-2", theme_position=2),
        ],
        [edge("a", "b")],
    )
    assert [(finding.code, finding.subject) for finding in report.warnings] == [("isolated", "lonely")]
    assert "theme-1" in report.warnings[0].message


# -- properties on random DAGs -------------------------------------------------


@PROPERTIES
@given(dags())
def test_a_random_dag_has_no_errors(dag):
    catalogue, prerequisites, _slugs = dag
    report = validate(catalogue, prerequisites)
    assert report.errors == []
    graph = build_graph(catalogue, prerequisites)
    assert nx.is_directed_acyclic_graph(graph)
    assert graph.number_of_edges() == len(prerequisites)


@PROPERTIES
@given(dags(), st.data())
def test_an_edge_closing_a_loop_is_caught_and_the_named_cycle_is_real(dag, data):
    catalogue, prerequisites, slugs = dag
    graph = build_graph(catalogue, prerequisites)
    # Any pair i <= j with a path slugs[i] ~> slugs[j] closes a loop when reversed.
    closing = [
        (slugs[j], slugs[i])
        for i in range(len(slugs))
        for j in range(i, len(slugs))
        if nx.has_path(graph, slugs[i], slugs[j])
    ]
    before, after = data.draw(st.sampled_from(closing))
    cycle = cycle_if_added(graph, before, after)
    assert cycle is not None
    assert cycle[:2] == [before, after] or (before == after and cycle == [before, before])
    assert is_cycle_in(graph, cycle, (before, after))

    with pytest.raises(CycleError) as refused:
        check_edge(graph, before, after)
    assert refused.value.cycle == cycle

    report = validate(catalogue, prerequisites + [edge(before, after)])
    assert not report.ok
    named = [
        finding.message.removeprefix("cycle: ").split(" → ") for finding in report.errors if finding.code == "cycle"
    ]
    if before == after:
        assert codes(report.errors) == ["self_loop"]
    else:
        assert named
        for loop in named:
            assert loop[0] == min(loop)
            assert is_cycle_in(graph, loop, (before, after))


@PROPERTIES
@given(dags(), st.data())
def test_an_edge_along_the_order_never_closes_a_loop(dag, data):
    catalogue, prerequisites, slugs = dag
    if len(slugs) < 2:
        return
    graph = build_graph(catalogue, prerequisites)
    i = data.draw(st.integers(0, len(slugs) - 2))
    j = data.draw(st.integers(i + 1, len(slugs) - 1))
    assert cycle_if_added(graph, slugs[i], slugs[j]) is None
    check_edge(graph, slugs[i], slugs[j])


# p → y is implied by p → x → y, where x has a second predecessor q sorted after p:
# the ancestors of x must keep every direct predecessor, not only the last one.
REDUNDANT_BEHIND_TWO_PREDECESSORS = (
    [module(slug, position=index) for index, slug in enumerate(["p", "q", "x", "y"])],
    [edge("p", "x"), edge("q", "x"), edge("x", "y"), edge("p", "y")],
    ["p", "q", "x", "y"],
)


@PROPERTIES
@given(dags())
@example(REDUNDANT_BEHIND_TWO_PREDECESSORS)
def test_redundant_edges_are_exactly_those_transitive_reduction_drops(dag):
    catalogue, prerequisites, _slugs = dag
    required = nx.DiGraph()
    required.add_nodes_from(module["slug"] for module in catalogue)
    required.add_edges_from((item["before"], item["after"]) for item in prerequisites if item["kind"] == "required")
    found = redundant_edges(required)
    assert set(found) == set(required.edges) - set(nx.transitive_reduction(required).edges)
    for (before, after), chain in found.items():
        assert chain[0] == before and chain[-1] == after and len(chain) > 2
        assert all(required.has_edge(a, b) for a, b in zip(chain, chain[1:], strict=False))
    warned = {f.subject for f in validate(catalogue, prerequisites).warnings if f.code == "redundant_edge"}
    assert warned == {f"{before} → {after}" for before, after in found}


# -- cycle_if_added and check_edge ----------------------------------------------


def test_cycle_if_added_names_the_loop_from_the_new_edge():
    graph = build_graph(modules("a", "b", "c"), [edge("a", "b"), edge("b", "c")])
    assert cycle_if_added(graph, "c", "a") == ["c", "a", "b", "c"]
    assert cycle_if_added(graph, "a", "c") is None


def test_a_self_loop_closes_the_shortest_loop():
    graph = build_graph(modules("a"), [])
    assert cycle_if_added(graph, "a", "a") == ["a", "a"]
    with pytest.raises(CycleError) as refused:
        check_edge(graph, "a", "a")
    assert str(refused.value) == "cycle: a → a"


def test_check_edge_names_the_cycle_it_refuses():
    graph = build_graph(modules("a", "b", "c"), [edge("a", "b"), edge("b", "c", "recommended")])
    with pytest.raises(CycleError) as refused:
        check_edge(graph, "c", "a")
    assert str(refused.value) == "cycle: c → a → b → c"
    assert refused.value.cycle == ["c", "a", "b", "c"]


@pytest.mark.parametrize(
    "before, after, unknown, field",
    [
        ("ghost", "a", "ghost", "before"),
        ("a", "ghost", "ghost", "after"),
    ],
)
def test_check_edge_refuses_unknown_modules(before, after, unknown, field):
    graph = build_graph(modules("a"), [])
    with pytest.raises(UnknownModule) as refused:
        check_edge(graph, before, after)
    assert refused.value.slug == unknown
    assert refused.value.field == field


def test_check_edge_lets_an_existing_edge_pass_so_its_kind_can_change():
    graph = build_graph(modules("a", "b"), [edge("a", "b")])
    check_edge(graph, "a", "b")


# -- synthetic catalogues -------------------------------------------------------


def test_synthetic_catalogues_are_valid_acyclic_and_reproducible():
    catalogue, prerequisites = synthetic_catalogue(400, seed=3)
    assert len(catalogue) == 400
    assert validate(catalogue, prerequisites).ok
    graph = build_graph(catalogue, prerequisites)
    assert nx.is_directed_acyclic_graph(graph)
    assert {data["theme"] for _slug, data in graph.nodes(data=True)} == {f"theme-{n}" for n in range(1, 9)}
    assert max(d for _slug, d in graph.in_degree) == 3
    assert synthetic_catalogue(400, seed=3) == (catalogue, prerequisites)
    assert synthetic_catalogue(400, seed=4) != (catalogue, prerequisites)
