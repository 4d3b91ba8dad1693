"""The catalogue as choices of a form: every theme and published module as a goal."""

from __future__ import annotations

from kampus.catalogue.services import catalogue_graph, modules_by_slug, theme_overview
from kampus.templating import localized


def fill_goal_choices(form) -> dict:
    """Offer every theme and published module as a goal on ``form`` (its ``themes`` and
    ``modules`` fields); returns what the goal picker macro draws: ``overview`` and
    ``grouped`` (theme slug → its published modules in order)."""
    overview = theme_overview()
    graph = catalogue_graph()
    rows = modules_by_slug([s for s, d in graph.nodes(data=True) if d.get("status") == "published"])
    grouped = {
        item.theme.slug: sorted((m for m in rows.values() if m.theme_id == item.theme.id), key=lambda m: m.position)
        for item in overview
    }
    form.themes.choices = [(item.theme.slug, localized(item.theme.title)) for item in overview]
    form.modules.choices = [(m.slug, localized(m.title)) for ms in grouped.values() for m in ms]
    return {"overview": overview, "grouped": grouped}
