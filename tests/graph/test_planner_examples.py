"""Fixed examples beside the planner's properties: each pins a detail that
random examples missed (mutants of the formula, the walk past retired modules,
the cycle refusal, locks and the ``field`` of each error)."""

from __future__ import annotations

import datetime as dt

import pytest

from kampus.errors import CycleError, UnknownModule
from kampus.graph import LEVELS, PlanError, build_graph, is_locked, order_key, plan, unsatisfied_prerequisites
from tests.graph.test_planner import START, chain, edge, module


@pytest.mark.parametrize(
    ("minutes", "days", "needed"),
    [
        (151, 21, 51),  # ceil(151 / 3 weeks), not 50
        (150, 22, 38),  # 22 days round up to 4 weeks: ceil(150 / 4) = 38
        (150, 14, 75),  # exactly two weeks
        (7, 70, 1),  # ceil(7 / 10)
        (150, 0, 150),  # due at the start: at least one week
    ],
)
def test_minutes_per_week_needed_is_ceil_of_total_over_weeks_rounded_up(minutes, days, needed):
    result = plan(
        chain("a", minutes=minutes), ["a"], set(), minutes_per_week=60, start=START, due=START + dt.timedelta(days=days)
    )
    assert result.total_minutes == minutes
    assert result.minutes_per_week_needed == needed


def test_finish_is_start_plus_whole_weeks_rounded_up():
    result = plan(chain("a", minutes=61), ["a"], set(), minutes_per_week=60, start=START)
    assert result.finish == START + dt.timedelta(days=14)


def test_the_walk_stops_at_a_retired_module_and_never_reaches_its_prerequisites():
    graph = build_graph(
        [module("pre"), module("old", position=1, status="retired"), module("a", position=2), module("b", position=3)],
        [edge("pre", "old"), edge("old", "a"), edge("a", "b")],
    )
    result = plan(graph, ["b"], set())
    assert result.slugs == ["a", "b"]
    assert "pre" not in result.slugs


def test_a_retired_required_prerequisite_leaves_the_module_unlocked():
    graph = build_graph([module("old", status="retired"), module("a", position=1)], [edge("old", "a")])
    assert unsatisfied_prerequisites(graph, "a", set()) == []
    assert is_locked(graph, "a", set()) is False
    assert plan(graph, ["a"], set()).steps[0].status == "available"


def test_a_published_unsatisfied_prerequisite_locks_and_a_satisfied_one_does_not():
    graph = chain("a", "b")
    assert is_locked(graph, "b", set()) is True
    assert is_locked(graph, "b", {"a"}) is False


def test_a_cycle_among_the_needed_modules_is_refused_naming_it():
    graph = build_graph(
        [module("a"), module("b", position=1), module("c", position=2)],
        [edge("a", "b"), edge("b", "c"), edge("c", "a")],
    )
    with pytest.raises(CycleError) as raised:
        plan(graph, ["c"], set())
    cycle = raised.value.cycle
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}


def test_errors_name_their_field():
    with pytest.raises(UnknownModule) as unknown:
        plan(chain("a"), ["nope"], set())
    assert unknown.value.field == "goals" and unknown.value.slug == "nope"
    with pytest.raises(PlanError) as budget:
        plan(chain("a"), ["a"], set(), minutes_per_week=0)
    assert budget.value.field == "minutes_per_week"
    with pytest.raises(UnknownModule) as locked_unknown:
        unsatisfied_prerequisites(chain("a"), "nope", set())
    assert locked_unknown.value.slug == "nope"


def test_a_retired_prerequisite_does_not_hide_the_other_prerequisites_of_the_module():
    graph = build_graph(
        [module("old", status="retired"), module("pre", position=1), module("a", position=2)],
        [edge("old", "a"), edge("pre", "a")],  # the retired edge is read first
    )
    result = plan(graph, ["a"], set())
    assert result.slugs == ["pre", "a"]
    assert result.steps[1].status == "locked" and result.steps[1].blocked_by == ["pre"]


def test_the_cycle_refused_is_one_among_the_needed_modules():
    graph = build_graph(
        [module("x"), module("y", position=1), module("a", position=2), module("b", position=3)],
        [edge("x", "y"), edge("y", "x"), edge("a", "b"), edge("b", "a")],
    )
    with pytest.raises(CycleError) as raised:
        plan(graph, ["b"], set())
    assert set(raised.value.cycle) == {"a", "b"}


def test_progress_may_be_given_as_any_iterable_even_a_one_shot_one():
    graph = chain("a", "b", "c")
    result = plan(graph, iter(["c"]), (slug for slug in ["a"]), in_progress=(slug for slug in ["b"]))
    assert result.slugs == ["b", "c"]
    assert result.steps[0].status == "in_progress"
    assert unsatisfied_prerequisites(graph, "c", (slug for slug in ["a", "b"])) == []


def test_order_key_ranks_an_unknown_level_after_every_known_one():
    graph = build_graph([module("odd", level="Z9"), module("plain", position=1, level="C2")], [])
    key = order_key(graph)
    assert key("odd") == (True, 1, len(LEVELS), 0, "odd")
    assert key("plain") < key("odd")


def test_a_module_without_minutes_counts_as_none_whether_goal_or_prerequisite():
    graph = build_graph([module("pre", minutes=None), module("goal", position=1, minutes=None)], [edge("pre", "goal")])
    result = plan(graph, ["goal"], set())
    assert [step.minutes for step in result.steps] == [0, 0]
    assert result.total_minutes == 0
