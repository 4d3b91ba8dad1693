"""The one precedence of a module's status (:func:`kampus.progress.services.module_status`), which
the learner's pages (:func:`module_statuses`) and the team matrix (:mod:`kampus.reports.team`) both
ask: satisfied shows its own status, then locked (even when started), then in progress, then available."""

import networkx as nx
import pytest

from kampus.progress.services import EMPTY_STATE, LearnerState, module_status


@pytest.fixture
def graph():
    graph = nx.DiGraph()
    for slug in ("a", "b", "c"):
        graph.add_node(slug, status="published")
    graph.add_edge("a", "b", kind="required")  # b is locked until a is satisfied
    graph.add_edge("a", "c", kind="recommended")  # c never is
    return graph


def state(satisfied=(), in_progress=()):
    return LearnerState(frozenset(satisfied), frozenset(in_progress))


@pytest.mark.parametrize(
    ("slug", "learner", "statuses", "expected"),
    [
        ("a", state(satisfied={"a"}), {"a": "recognised"}, "recognised"),  # its own satisfied status
        ("a", state(satisfied={"a"}), {}, "completed"),  # satisfied without a row given: completed
        ("b", state(in_progress={"b"}), {"b": "in_progress"}, "locked"),  # locked beats started
        ("b", state(satisfied={"a"}, in_progress={"b"}), {"b": "in_progress"}, "in_progress"),
        ("b", EMPTY_STATE, {}, "locked"),
        ("c", EMPTY_STATE, {}, "available"),  # a recommended prerequisite never locks
        ("unknown", EMPTY_STATE, {}, "available"),  # a module the catalogue no longer has
    ],
)
def test_precedence(graph, slug, learner, statuses, expected):
    assert module_status(graph, slug, learner, statuses) == expected
