"""Layered coordinates for drawing the prerequisite graph as SVG, top to bottom.

Modules are layered by ``networkx.topological_generations``: a module sits one
layer below the lowest of its prerequisites that is drawn. Within a layer,
modules run left to right by (theme position, position, slug). Each layer is
centred on the widest one. Boxes have a fixed size (:data:`BOX_WIDTH` ×
:data:`BOX_HEIGHT`); coordinates are in SVG user units with the origin at the
top left corner of the drawing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from kampus.errors import UnknownModule
from kampus.graph.prereqs import edge_kinds

BOX_WIDTH = 200
BOX_HEIGHT = 56
X_GAP = 40
Y_GAP = 64


@dataclass(frozen=True)
class NodeBox:
    """A module's box: ``x``, ``y`` is its top left corner; ``layer`` counts from 0 at the top."""

    slug: str
    layer: int
    x: int
    y: int
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class EdgeLine:
    """An edge drawn from the bottom middle of ``before``'s box to the top middle of ``after``'s."""

    before: str
    after: str
    kind: str
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Layout:
    """Everything a template needs to draw the graph.

    ``external`` lists ``(before, after, kind)`` for the edges into drawn modules
    from modules not drawn (e.g. prerequisites in another theme), sorted, so the
    page can name them in text.
    """

    nodes: list[NodeBox] = field(default_factory=list)
    edges: list[EdgeLine] = field(default_factory=list)
    external: list[tuple[str, str, str | None]] = field(default_factory=list)
    width: int = 0
    height: int = 0

    def box(self, slug: str) -> NodeBox:
        """The box of ``slug``; KeyError when it is not drawn."""
        for node in self.nodes:
            if node.slug == slug:
                return node
        raise KeyError(slug)


def layered_layout(
    graph: nx.DiGraph[str],
    nodes: Iterable[str] | None = None,
    *,
    x_gap: int = X_GAP,
    y_gap: int = Y_GAP,
) -> Layout:
    """Lay out ``nodes`` of ``graph`` (default: all) in layers, top to bottom.

    Only edges between the given nodes are drawn; edges into them from other
    modules are listed in ``Layout.external``. Raises
    :class:`~kampus.errors.UnknownModule` for a slug the graph does not know
    and ``networkx.NetworkXUnfeasible`` if the drawn modules contain a loop.
    """
    chosen = list(graph) if nodes is None else list(dict.fromkeys(nodes))
    for slug in chosen:
        if slug not in graph:
            raise UnknownModule(slug)
    subgraph = graph.subgraph(chosen)
    attributes = graph.nodes

    def within_layer(slug: str) -> tuple[int, int, str]:
        node = attributes[slug]
        return (node.get("theme_position", 0), node.get("position", 0), slug)

    layers = [sorted(layer, key=within_layer) for layer in nx.topological_generations(subgraph)]
    widest = max((len(layer) for layer in layers), default=0)
    width = max(0, widest * (BOX_WIDTH + x_gap) - x_gap)
    height = max(0, len(layers) * (BOX_HEIGHT + y_gap) - y_gap)

    boxes: dict[str, NodeBox] = {}
    for depth, layer in enumerate(layers):
        layer_width = len(layer) * (BOX_WIDTH + x_gap) - x_gap
        offset = (width - layer_width) // 2
        y = depth * (BOX_HEIGHT + y_gap)
        for index, slug in enumerate(layer):
            boxes[slug] = NodeBox(slug, depth, offset + index * (BOX_WIDTH + x_gap), y)

    edges = []
    for before, after, kind in sorted(edge_kinds(subgraph)):
        start, end = boxes[before], boxes[after]
        edges.append(
            EdgeLine(
                before,
                after,
                kind,
                start.centre_x,
                start.y + start.height,
                end.centre_x,
                end.y,
            )
        )
    chosen_set = set(chosen)
    external = sorted(
        (before, after, kind)
        for after in chosen
        for before, kind in ((b, d.get("kind")) for b, d in graph.pred[after].items())
        if before not in chosen_set
    )
    ordered = [boxes[slug] for layer in layers for slug in layer]
    return Layout(nodes=ordered, edges=edges, external=external, width=width, height=height)


__all__ = ["BOX_HEIGHT", "BOX_WIDTH", "EdgeLine", "Layout", "NodeBox", "layered_layout"]
