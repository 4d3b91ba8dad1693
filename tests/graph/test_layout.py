"""Layered coordinates for the SVG drawing of the prerequisite graph."""

import networkx as nx
import pytest

from kampus.errors import UnknownModule
from kampus.graph import BOX_HEIGHT, BOX_WIDTH, build_graph, layered_layout, synthetic_catalogue


def module(slug, *, theme_position=1, position=0):
    return {
        "slug": slug,
        "theme": f"theme-{theme_position}",
        "theme_position": theme_position,
        "position": position,
        "level": "A1",
        "minutes": 30,
        "status": "published",
    }


def edge(before, after, kind="required"):
    return {"before": before, "after": after, "kind": kind}


def test_a_chain_runs_top_to_bottom_one_layer_per_module():
    graph = build_graph(
        [module("a"), module("b", position=1), module("c", position=2)], [edge("a", "b"), edge("b", "c", "recommended")]
    )
    layout = layered_layout(graph, x_gap=40, y_gap=64)
    assert [(box.slug, box.layer) for box in layout.nodes] == [("a", 0), ("b", 1), ("c", 2)]
    assert [box.y for box in layout.nodes] == [0, BOX_HEIGHT + 64, 2 * (BOX_HEIGHT + 64)]
    assert layout.width == BOX_WIDTH
    assert layout.height == 3 * BOX_HEIGHT + 2 * 64
    first, second = layout.edges
    assert (first.before, first.after, first.kind) == ("a", "b", "required")
    assert second.kind == "recommended"
    a, b = layout.box("a"), layout.box("b")
    assert (first.x1, first.y1) == (a.x + BOX_WIDTH / 2, a.y + BOX_HEIGHT)
    assert (first.x2, first.y2) == (b.x + BOX_WIDTH / 2, b.y)


def test_a_layer_runs_by_theme_then_position_then_slug_and_is_centred():
    graph = build_graph(
        [
            module("root"),
            module("z", position=1),
            module("y", position=1),
            module("other", theme_position=2),
            module("x", position=0),
        ],
        [edge("root", slug) for slug in ("z", "y", "other", "x")],
    )
    layout = layered_layout(graph, x_gap=40)
    second = [box for box in layout.nodes if box.layer == 1]
    assert [box.slug for box in second] == ["x", "y", "z", "other"]
    assert [box.x for box in second] == [0, 240, 480, 720]
    assert layout.width == 4 * BOX_WIDTH + 3 * 40
    assert layout.box("root").x == (layout.width - BOX_WIDTH) // 2


def test_a_subset_draws_only_its_edges_and_lists_those_coming_in():
    graph = build_graph(
        [module("elsewhere", theme_position=2), module("a"), module("b", position=1)],
        [edge("elsewhere", "b", "recommended"), edge("a", "b")],
    )
    layout = layered_layout(graph, ["a", "b"])
    assert [box.slug for box in layout.nodes] == ["a", "b"]
    assert [(e.before, e.after) for e in layout.edges] == [("a", "b")]
    assert layout.external == [("elsewhere", "b", "recommended")]


def test_nothing_to_draw_is_an_empty_drawing():
    layout = layered_layout(build_graph([module("a")], []), [])
    assert layout.nodes == [] and layout.edges == []
    assert (layout.width, layout.height) == (0, 0)


def test_an_unknown_module_is_refused():
    with pytest.raises(UnknownModule):
        layered_layout(build_graph([module("a")], []), ["a", "ghost"])


def test_every_edge_points_down_and_no_boxes_overlap_on_a_synthetic_theme():
    graph = build_graph(*synthetic_catalogue(300, seed=2))
    theme = [slug for slug, name in graph.nodes(data="theme") if name == "theme-1"]
    layout = layered_layout(graph, theme)
    assert {box.slug for box in layout.nodes} == set(theme)
    for line in layout.edges:
        assert line.y2 > line.y1
    corners = {(box.x, box.y) for box in layout.nodes}
    assert len(corners) == len(theme)
    for box in layout.nodes:
        assert 0 <= box.x <= layout.width - BOX_WIDTH
        assert 0 <= box.y <= layout.height - BOX_HEIGHT
    subgraph = graph.subgraph(theme)
    assert len(layout.edges) == subgraph.number_of_edges()
    assert [len(layer) for layer in nx.topological_generations(subgraph)] == [
        sum(1 for box in layout.nodes if box.layer == depth)
        for depth in range(max(box.layer for box in layout.nodes) + 1)
    ]
