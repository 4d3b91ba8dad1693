"""The planner reads networkx's private adjacency dicts (``_node``, ``_pred``)
because the public views cost more than the planning itself (measured: 15–55 %
per ``plan()`` on 5,000 modules). These tests pin what it relies on, so a
networkx release that changes them fails here, not in a learner's path."""

from __future__ import annotations

import networkx as nx

from kampus.graph import build_graph

MODULES = [
    {"slug": s, "theme": "t", "theme_position": 1, "position": i, "level": "A1", "minutes": 10, "status": "published"}
    for i, s in enumerate(("a", "b", "c"))
]
EDGES = [{"before": "a", "after": "b", "kind": "required"}, {"before": "b", "after": "c", "kind": "recommended"}]


def test_node_dict_is_the_public_node_data():
    graph = build_graph(MODULES, EDGES)
    assert isinstance(graph._node, dict)
    for slug in graph:
        assert graph._node[slug] is graph.nodes[slug]
    assert graph._node.get("missing") is None


def test_pred_dict_maps_each_predecessor_to_its_edge_data():
    graph = build_graph(MODULES, EDGES)
    assert isinstance(graph._pred, dict)
    for slug in graph:
        assert dict(graph._pred[slug]) == {u: graph.edges[u, slug] for u in graph.predecessors(slug)}
    assert graph._pred["b"]["a"]["kind"] == "required"
    assert graph._pred["c"]["b"]["kind"] == "recommended"


def test_the_installed_networkx_is_in_the_pinned_range():
    major, minor = (int(part) for part in nx.__version__.split(".")[:2])
    assert (3, 2) <= (major, minor) < (3, 7), nx.__version__
