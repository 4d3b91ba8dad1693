"""Planning a learner's path: the needed set, its order, locks, weeks and dates."""

import datetime as dt
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kampus.errors import UnknownModule
from kampus.graph import (
    LEVELS,
    PlanError,
    build_graph,
    is_locked,
    order_key,
    plan,
    synthetic_catalogue,
    unsatisfied_prerequisites,
)

PROPERTIES = settings(max_examples=100, deadline=None)
START = dt.date(2025, 1, 6)


def module(slug, *, theme_position=1, position=0, level="A1", minutes=30, status="published"):
    return {
        "slug": slug,
        "theme": f"theme-{theme_position}",
        "theme_position": theme_position,
        "position": position,
        "level": level,
        "minutes": minutes,
        "status": status,
    }


def edge(before, after, kind="required"):
    return {"before": before, "after": after, "kind": kind}


def chain(*slugs, minutes=30):
    """Modules a → b → c … joined by required edges."""
    return build_graph(
        [module(slug, position=index, minutes=minutes) for index, slug in enumerate(slugs)],
        [edge(before, after) for before, after in zip(slugs, slugs[1:], strict=False)],
    )


# -- an independent, simple reference -------------------------------------------


def reference_needed(graph, goals, satisfied):
    done = set(satisfied) | {n for n, status in graph.nodes(data="status") if status == "retired"}
    needed = set()

    def visit(slug):
        if slug in done or slug in needed:
            return
        needed.add(slug)
        for before in graph.predecessors(slug):
            if graph.edges[before, slug]["kind"] == "required":
                visit(before)

    for goal in goals:
        visit(goal)
    return needed


def reference_order(graph, needed, in_progress):
    def key(slug):
        node = graph.nodes[slug]
        return (
            0 if slug in in_progress else 1,
            node["theme_position"],
            LEVELS.index(node["level"]),
            node["position"],
            slug,
        )

    return list(nx.lexicographical_topological_sort(graph.subgraph(needed), key=key))


def reference_blocked_by(graph, slug, satisfied):
    return sorted(
        before
        for before in graph.predecessors(slug)
        if graph.edges[before, slug]["kind"] == "required"
        and before not in satisfied
        and graph.nodes[before]["status"] != "retired"
    )


@st.composite
def learners_on_dags(draw, max_modules=14):
    count = draw(st.integers(1, max_modules))
    slugs = draw(st.permutations([f"m{index:02d}" for index in range(count)]))
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3 * count)) if pairs else []
    modules = [
        module(
            slug,
            theme_position=draw(st.integers(1, 3)),
            position=draw(st.integers(0, 4)),
            level=draw(st.sampled_from(LEVELS)),
            minutes=draw(st.integers(0, 120)),
            status=draw(st.sampled_from(["published"] * 6 + ["draft", "retired"])),
        )
        for slug in slugs
    ]
    prerequisites = [edge(slugs[i], slugs[j], draw(st.sampled_from(["required", "recommended"]))) for i, j in chosen]
    graph = build_graph(modules, prerequisites)
    goals = draw(st.lists(st.sampled_from(slugs), min_size=1, max_size=4))
    satisfied = set(draw(st.lists(st.sampled_from(slugs), max_size=count)))
    in_progress = set(draw(st.lists(st.sampled_from(slugs), max_size=3)))
    return graph, goals, satisfied, in_progress


# -- properties against the reference -------------------------------------------


@PROPERTIES
@given(learners_on_dags())
def test_plan_agrees_with_the_reference(case):
    graph, goals, satisfied, in_progress = case
    result = plan(graph, goals, satisfied, in_progress=in_progress)
    needed = reference_needed(graph, goals, satisfied)

    assert {step.slug for step in result.steps} == needed
    assert result.slugs == reference_order(graph, needed, in_progress)
    for step in result.steps:
        expected_blockers = reference_blocked_by(graph, step.slug, satisfied)
        assert step.blocked_by == expected_blockers
        if expected_blockers:
            assert step.status == "locked"
        elif step.slug in in_progress:
            assert step.status == "in_progress"
        else:
            assert step.status == "available"
        assert step.minutes == graph.nodes[step.slug]["minutes"]
        assert step.week is None
    assert result.total_minutes == sum(step.minutes for step in result.steps)


@PROPERTIES
@given(learners_on_dags())
def test_the_order_is_topological_over_both_kinds_and_skips_the_satisfied(case):
    graph, goals, satisfied, in_progress = case
    result = plan(graph, goals, satisfied, in_progress=in_progress)
    place = {slug: index for index, slug in enumerate(result.slugs)}
    for before, after in graph.edges:
        if before in place and after in place:
            assert place[before] < place[after]
    assert not satisfied & set(place)
    assert all(graph.nodes[slug]["status"] != "retired" for slug in place)


@PROPERTIES
@given(learners_on_dags(), st.randoms(use_true_random=False))
def test_the_same_learner_always_gets_the_same_path(case, shuffler):
    graph, goals, satisfied, in_progress = case
    first = plan(graph, goals, satisfied, in_progress=in_progress)
    shuffled_goals = list(goals)
    shuffler.shuffle(shuffled_goals)
    again = plan(graph, shuffled_goals, list(satisfied)[::-1], in_progress=sorted(in_progress))
    assert again == first


@PROPERTIES
@given(learners_on_dags(), st.integers(1, 200))
def test_weeks_follow_the_minutes_of_earlier_steps(case, minutes_per_week):
    graph, goals, satisfied, in_progress = case
    result = plan(graph, goals, satisfied, in_progress=in_progress, minutes_per_week=minutes_per_week)
    elapsed = 0
    for step in result.steps:
        assert step.week == 1 + elapsed // minutes_per_week
        elapsed += step.minutes


def test_plan_equals_networkx_lexicographical_sort_on_a_synthetic_catalogue():
    graph = build_graph(*synthetic_catalogue(600, seed=7))
    rng = random.Random(7)
    slugs = sorted(graph)
    for _ in range(25):
        satisfied = set(rng.sample(slugs, rng.randint(0, 300)))
        goals = rng.sample(slugs, rng.randint(1, 40))
        in_progress = set(rng.sample(slugs, 5))
        result = plan(graph, goals, satisfied, in_progress=in_progress)
        needed = reference_needed(graph, goals, satisfied)
        expected = list(nx.lexicographical_topological_sort(graph.subgraph(needed), key=order_key(graph, in_progress)))
        assert result.slugs == expected


# -- the needed set -------------------------------------------------------------


def test_a_satisfied_module_stops_the_backward_walk():
    graph = chain("a", "b", "c")
    assert plan(graph, ["c"], {"b"}).slugs == ["c"]
    assert plan(graph, ["c"], set()).slugs == ["a", "b", "c"]


def test_a_satisfied_goal_needs_nothing():
    graph = chain("a", "b")
    result = plan(graph, ["b"], {"b"})
    assert result.steps == []
    assert result.total_minutes == 0


def test_recommended_edges_order_but_never_add_modules():
    graph = build_graph(
        [module("z-first", position=9), module("a-goal", position=0), module("m-other", position=5)],
        [edge("z-first", "a-goal", "recommended"), edge("m-other", "a-goal", "recommended")],
    )
    assert plan(graph, ["a-goal"], set()).slugs == ["a-goal"]
    assert plan(graph, ["a-goal", "z-first"], set()).slugs == ["z-first", "a-goal"]
    step = plan(graph, ["a-goal", "z-first"], set()).steps[1]
    assert step.status == "available" and step.blocked_by == []


def test_unknown_goal_is_refused_naming_it():
    with pytest.raises(UnknownModule) as refused:
        plan(chain("a"), ["a", "ghost"], set())
    assert refused.value.slug == "ghost"
    assert "ghost" in str(refused.value)


def test_unknown_satisfied_or_in_progress_slugs_are_ignored():
    assert plan(chain("a", "b"), ["b"], {"gone"}, in_progress={"also-gone"}).slugs == ["a", "b"]


# -- retired modules -------------------------------------------------------------


def test_a_retired_prerequisite_counts_as_satisfied_and_is_reported():
    graph = build_graph(
        [module("old", status="retired"), module("a", position=1), module("b", position=2)],
        [edge("old", "a"), edge("a", "b")],
    )
    result = plan(graph, ["b"], set())
    assert result.slugs == ["a", "b"]
    assert result.steps[0].status == "available"
    assert result.steps[0].blocked_by == []
    assert len(result.warnings) == 1
    assert "old" in result.warnings[0] and "retired" in result.warnings[0]


def test_a_retired_goal_is_left_out_and_reported():
    graph = build_graph([module("a"), module("old", position=1, status="retired")], [edge("a", "old")])
    result = plan(graph, ["old"], set())
    assert result.steps == []
    assert len(result.warnings) == 1
    assert "old" in result.warnings[0] and "retired" in result.warnings[0]


def test_no_warnings_without_retired_modules():
    assert plan(chain("a", "b"), ["b"], set()).warnings == []


# -- statuses and order -----------------------------------------------------------


def test_locked_steps_name_what_blocks_them_even_when_started():
    graph = build_graph(
        [module("a"), module("b", position=1), module("c", position=2)],
        [edge("b", "c"), edge("a", "c")],
    )
    result = plan(graph, ["c"], set(), in_progress={"c"})
    by_slug = {step.slug: step for step in result.steps}
    assert by_slug["c"].status == "locked"
    assert by_slug["c"].blocked_by == ["a", "b"]
    assert by_slug["a"].status == "available" and by_slug["a"].blocked_by == []
    assert plan(graph, ["c"], {"a", "b"}, in_progress={"c"}).steps[0].status == "in_progress"


def test_in_progress_modules_come_first():
    graph = build_graph([module("a", position=0), module("b", position=1), module("c", theme_position=2)], [])
    assert plan(graph, ["a", "b", "c"], set()).slugs == ["a", "b", "c"]
    assert plan(graph, ["a", "b", "c"], set(), in_progress={"c"}).slugs == ["c", "a", "b"]


def test_ready_modules_go_by_theme_then_level_then_position_then_slug():
    graph = build_graph(
        [
            module("t2", theme_position=2, level="A1"),
            module("c1", level="C1", position=0),
            module("b1-late", level="B1", position=5),
            module("b1-early", level="B1", position=1),
            module("b1-early-too", level="B1", position=1),
        ],
        [],
    )
    assert plan(graph, list(graph), set()).slugs == ["b1-early", "b1-early-too", "b1-late", "c1", "t2"]


def test_next_available_is_the_first_step_not_locked():
    result = plan(chain("a", "b"), ["b"], set())
    assert result.next_available.slug == "a"
    assert plan(chain("a"), ["a"], {"a"}).next_available is None


def test_lock_helpers_agree_with_the_plan():
    graph = chain("a", "b")
    assert unsatisfied_prerequisites(graph, "b", set()) == ["a"]
    assert is_locked(graph, "b", set())
    assert not is_locked(graph, "b", {"a"})
    with pytest.raises(UnknownModule):
        is_locked(graph, "ghost", set())


# -- weeks ---------------------------------------------------------------------------


@pytest.mark.parametrize("budget", [0, -30])
def test_no_weekly_time_is_refused_with_a_clear_error(budget):
    with pytest.raises(PlanError) as refused:
        plan(chain("a"), ["a"], set(), minutes_per_week=budget)
    assert refused.value.field == "minutes_per_week"
    assert "at least one minute" in str(refused.value)


def test_a_module_longer_than_a_week_pushes_the_next_one_weeks_later():
    graph = build_graph(
        [module("long", minutes=300), module("next", position=1, minutes=30)],
        [edge("long", "next")],
    )
    result = plan(graph, ["next"], set(), minutes_per_week=120, start=START)
    assert [step.week for step in result.steps] == [1, 3]
    assert result.finish == START + dt.timedelta(days=7 * 3)


def test_exactly_filling_a_week_starts_the_next_step_in_the_next_week():
    graph = build_graph(
        [module("a", minutes=60), module("b", position=1, minutes=60), module("c", position=2, minutes=30)],
        [edge("a", "b"), edge("b", "c")],
    )
    result = plan(graph, ["c"], set(), minutes_per_week=120, start=START)
    assert [step.week for step in result.steps] == [1, 1, 2]
    assert result.finish == START + dt.timedelta(days=14)


def test_no_weekly_time_gives_no_weeks_and_no_finish():
    result = plan(chain("a", "b"), ["b"], set(), start=START, due=START)
    assert [step.week for step in result.steps] == [None, None]
    assert result.finish is None
    assert result.on_track is None


# -- dates ---------------------------------------------------------------------------


def test_deadline_arithmetic():
    graph = chain("a", "b", "c", minutes=50)  # 150 minutes
    on_time = plan(graph, ["c"], set(), minutes_per_week=60, start=START, due=START + dt.timedelta(days=21))
    assert on_time.total_minutes == 150
    assert on_time.finish == START + dt.timedelta(days=21)  # ceil(150 / 60) = 3 weeks
    assert on_time.on_track is True
    assert on_time.minutes_per_week_needed == 50  # 21 days = 3 weeks

    late = plan(graph, ["c"], set(), minutes_per_week=60, start=START, due=START + dt.timedelta(days=20))
    assert late.on_track is False
    assert late.minutes_per_week_needed == 50  # 20 days round up to 3 weeks

    soon = plan(graph, ["c"], set(), minutes_per_week=60, start=START, due=START + dt.timedelta(days=3))
    assert soon.minutes_per_week_needed == 150  # at least one week


def test_a_due_date_already_past_asks_for_everything_in_one_week():
    result = plan(
        chain("a", minutes=40), ["a"], set(), minutes_per_week=60, start=START, due=START - dt.timedelta(days=10)
    )
    assert result.minutes_per_week_needed == 40
    assert result.on_track is False


def test_nothing_needed_finishes_at_the_start():
    result = plan(chain("a"), ["a"], {"a"}, minutes_per_week=60, start=START, due=START)
    assert result.finish == START
    assert result.on_track is True
    assert result.minutes_per_week_needed == 0
    assert result.total_minutes == 0


def test_dates_need_a_start():
    result = plan(chain("a"), ["a"], set(), minutes_per_week=60, due=START)
    assert result.finish is None
    assert result.on_track is None
    assert result.minutes_per_week_needed is None
