"""The prerequisite graph as a drawing: boxes with wrapped titles, links and
statuses, ready for the SVG template. Coordinates come from the engine's
layered layout; this module only adds what people read.
"""

from __future__ import annotations

import textwrap
from collections.abc import Collection
from dataclasses import dataclass, field

import networkx as nx

from kampus.graph import layered_layout

LINE_CHARS = 27
MARGIN = 16


@dataclass
class DrawnNode:
    slug: str
    x: int
    y: int
    width: int
    height: int
    lines: list[str]
    meta: str
    href: str
    status: str | None
    status_label: str | None
    external: bool
    label: str


@dataclass
class DrawnEdge:
    path: str
    kind: str
    before: str
    after: str


@dataclass
class Drawing:
    width: int
    height: int
    nodes: list[DrawnNode] = field(default_factory=list)
    edges: list[DrawnEdge] = field(default_factory=list)


def wrap_title(title: str) -> list[str]:
    lines = textwrap.wrap(title, LINE_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), LINE_CHARS, placeholder="…")]
    return lines


def draw(
    graph: nx.DiGraph,
    slugs: list[str],
    *,
    titles: dict[str, str],
    href,
    meta: dict[str, str],
    external: Collection[str] = frozenset(),
    statuses: dict[str, str] | None = None,
    status_labels: dict[str, str] | None = None,
    layout=None,
) -> Drawing:
    """Lay out ``slugs`` and describe each box. ``href(slug)`` gives a node's link;
    ``external`` marks modules drawn for context only (e.g. prerequisites in another theme).
    ``layout`` is ``layered_layout(graph, slugs)`` when the caller has it already (cached)."""
    layout = layout or layered_layout(graph, slugs)
    statuses = statuses or {}
    status_labels = status_labels or {}
    drawing = Drawing(width=layout.width + 2 * MARGIN, height=layout.height + 2 * MARGIN)
    for box in layout.nodes:
        status = statuses.get(box.slug)
        label_parts = [titles.get(box.slug, box.slug), meta.get(box.slug, "")]
        if status:
            label_parts.append(status_labels.get(status, status))
        drawing.nodes.append(
            DrawnNode(
                slug=box.slug,
                x=box.x + MARGIN,
                y=box.y + MARGIN,
                width=box.width,
                height=box.height,
                lines=wrap_title(titles.get(box.slug, box.slug)),
                meta=meta.get(box.slug, ""),
                href=href(box.slug),
                status=status,
                status_label=status_labels.get(status) if status else None,
                external=box.slug in external,
                label=" – ".join(p for p in label_parts if p),
            )
        )
    for edge in layout.edges:
        x1, y1, x2, y2 = edge.x1 + MARGIN, edge.y1 + MARGIN, edge.x2 + MARGIN, edge.y2 + MARGIN - 4
        bend = max(20, (y2 - y1) / 2)
        drawing.edges.append(
            DrawnEdge(
                path=f"M {x1:.0f} {y1:.0f} C {x1:.0f} {y1 + bend:.0f}, {x2:.0f} {y2 - bend:.0f}, {x2:.0f} {y2:.0f}",
                kind=edge.kind,
                before=edge.before,
                after=edge.after,
            )
        )
    return drawing
