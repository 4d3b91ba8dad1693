"""Fixed examples beside the prerequisite graph's properties: each pins a detail that
random examples missed (surviving mutants of validate, find_cycles, cycle_if_added,
check_edge, the warnings and level_rank)."""

from __future__ import annotations

import networkx as nx
import pytest

from kampus.errors import CycleError, UnknownModule
from kampus.graph import LEVELS, build_graph, check_edge, cycle_if_added, find_cycles, validate
from kampus.graph.prereqs import level_rank
from tests.graph.test_prereqs import codes, edge, module, modules


def digraph(*edges):
    graph = nx.DiGraph()
    graph.add_edges_from(edges)
    return graph


def loop(*slugs):
    """The edges of the loop slugs[0] → slugs[1] → … → slugs[0]."""
    return list(zip(slugs, slugs[1:] + slugs[:1], strict=True))


def complete(*slugs):
    return [(a, b) for a in slugs for b in slugs if a != b]


# -- validate: every finding's message and subject --------------------------------


def test_a_duplicate_module_names_the_slug_and_the_count():
    report = validate([module("a"), module("a", position=1), module("a", position=2)], [])
    [finding] = report.errors
    assert finding.code == "duplicate_module"
    assert finding.message == "module a is defined 3 times; a slug names one module"
    assert finding.subject == "a"


def test_a_duplicate_edge_lists_the_kinds_it_was_given():
    report = validate(modules("a", "b"), [edge("a", "b"), edge("a", "b", "recommended")])
    [finding] = report.errors
    assert finding.message == "prerequisite a → b is listed 2 times (as required, recommended); keep one"


def test_edges_after_a_duplicate_are_still_checked():
    report = validate(modules("a", "b"), [edge("a", "b"), edge("a", "b"), edge("a", "ghost")])
    assert sorted(codes(report.errors)) == ["duplicate_edge", "unknown_module"]


def test_a_cycle_finding_names_its_first_edge_as_subject():
    report = validate(modules("a", "b", "c"), [edge("b", "c"), edge("c", "a"), edge("a", "b")])
    [finding] = report.errors
    assert finding.subject == "a → b"


def test_a_later_required_edge_to_a_published_module_is_warned_after_one_that_is_not():
    report = validate(
        [module("a"), module("b", position=1), module("c", position=2, status="draft"), module("d", position=3)],
        [edge("a", "b", "recommended"), edge("c", "d")],
    )
    assert [(finding.code, finding.subject) for finding in report.warnings] == [("requires_unpublished", "c → d")]


def test_a_module_alone_in_a_theme_of_two_is_isolated():
    report = validate([module("a"), module("b", position=1)], [])
    assert [(finding.code, finding.subject) for finding in report.warnings] == [("isolated", "a"), ("isolated", "b")]


# -- find_cycles ------------------------------------------------------------------


@pytest.mark.parametrize("first", ["ab", "cd"])
def test_find_cycles_takes_the_parts_by_their_smallest_slug(first):
    edges = loop("a", "b") + loop("c", "d")
    graph = digraph(*(edges if first == "ab" else edges[::-1]))
    assert find_cycles(graph, 1) == [["a", "b", "a"]]
    assert find_cycles(graph, 2) == [["a", "b", "a"], ["c", "d", "c"]]


def test_find_cycles_gives_every_part_one_cycle_before_any_part_a_second():
    graph = digraph(*complete("a", "b", "c"), *loop("x", "y"))
    found = find_cycles(graph, 2)
    assert len(found) == 2
    assert found[1] == ["x", "y", "x"]


def test_find_cycles_keeps_going_on_the_parts_left_when_one_runs_out():
    graph = digraph(*loop("a", "b"), *complete("c", "d", "e"))
    found = find_cycles(graph, 100)
    assert len(found) == len(list(nx.simple_cycles(graph)))
    assert len({tuple(cycle) for cycle in found}) == len(found)


def test_find_cycles_leaves_self_loops_to_the_caller():
    assert find_cycles(digraph(("a", "a"), ("a", "b"))) == []


# -- cycle_if_added and check_edge -----------------------------------------------


@pytest.mark.parametrize(("before", "after"), [("a", "ghost"), ("ghost", "a")])
def test_an_unknown_end_closes_no_loop(before, after):
    graph = build_graph(modules("a"), [])
    assert cycle_if_added(graph, before, after) is None


def test_check_edge_puts_the_cycle_on_the_after_field():
    graph = build_graph(modules("a", "b"), [edge("a", "b")])
    with pytest.raises(CycleError) as refused:
        check_edge(graph, "b", "a")
    assert refused.value.field == "after"


# -- level_rank -------------------------------------------------------------------


def test_level_rank_is_the_position_in_levels_and_an_unknown_level_sorts_last():
    assert [level_rank(level) for level in LEVELS] == list(range(len(LEVELS)))
    assert level_rank(None) == len(LEVELS)
    assert level_rank("Z9") == len(LEVELS)


@pytest.mark.parametrize(("before", "after", "field"), [("ghost", "a", "before"), ("a", "ghost", "after")])
def test_build_graph_names_the_end_it_refuses(before, after, field):
    with pytest.raises(UnknownModule) as refused:
        build_graph(modules("a"), [edge(before, after)])
    assert refused.value.slug == "ghost"
    assert refused.value.field == field
