"""A path's modules: its goals as module slugs, and everything they require."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx


def goal_modules(graph: nx.DiGraph[str], module_slugs: Iterable[str], theme_slugs: Iterable[str]) -> list[str]:
    """A path's or template's goals as module slugs: the chosen modules, then every
    published module of each chosen theme (as the theme is now), each once, known ones only."""
    themes = set(theme_slugs)
    slugs = list(module_slugs)
    if themes:
        slugs.extend(
            s for s, d in graph.nodes(data=True) if d.get("theme") in themes and d.get("status") == "published"
        )
    return [s for s in dict.fromkeys(slugs) if s in graph]


def required_closure(graph: nx.DiGraph[str], goals: Iterable[str]) -> set[str]:
    """The goals and every module they require over ``required`` edges, directly or not."""
    seen: set[str] = set()
    stack = [g for g in goals if g in graph]
    while stack:
        slug = stack.pop()
        if slug in seen:
            continue
        seen.add(slug)
        stack.extend(b for b, data in graph.pred[slug].items() if data.get("kind") == "required" and b not in seen)
    return seen
