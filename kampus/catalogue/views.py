"""Catalogue pages: a theme with its prerequisite graph, a module's summary.

Anonymous visitors see these pages; the material and the self-check questions
live on the study page, which needs a sign-in.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _

from kampus import cache
from kampus.catalogue import services
from kampus.catalogue.drawing import draw
from kampus.graph import layered_layout
from kampus.templating import localized

bp = Blueprint("catalogue", __name__)


def status_labels() -> dict[str, str]:
    """Text for each learner status, shown beside the colour (colour is never the only carrier)."""
    return {
        "completed": _("Completed"),
        "recognised": _("Recognised"),
        "in_progress": _("In progress"),
        "available": _("Available"),
        "locked": _("Locked"),
    }


@bp.get("/themes/<slug>")
def theme(slug: str):
    # Visitors get the whole page cached per catalogue version and language (kampus.cache).
    return cache.anonymous_page(("theme", services.current_version()), lambda: _theme_page(slug))


def _theme_page(slug: str):
    theme = services.get_theme(slug)
    view = services.theme_graph_view(theme)
    statuses = services.learner_statuses(view.graph, view.drawn)
    drawn = tuple(view.drawn)
    # The layout changes only with the catalogue; the whole drawing too when there
    # are no learner statuses to show (anonymous visitors): both cached per version.
    layout = services.VERSIONED_CACHE.get_or_compute(("layout", drawn), lambda: layered_layout(view.graph, view.drawn))

    def drawing_with(statuses):
        return draw(
            view.graph,
            view.drawn,
            titles={s: localized(m.title) for s, m in view.modules.items()},
            href=lambda s: url_for("catalogue.module", slug=s),
            meta={s: f"{m.level} · {m.minutes} min" for s, m in view.modules.items()},
            external=set(view.external),
            statuses=statuses,
            status_labels=status_labels(),
            layout=layout,
        )

    if statuses:
        drawing = drawing_with(statuses)
    else:
        drawing = services.VERSIONED_CACHE.get_or_compute(("theme-drawing", drawn), lambda: drawing_with({}))
    return render_template(
        "catalogue/theme.html",
        theme=theme,
        view=view,
        drawing=drawing,
        statuses=statuses,
        status_labels=status_labels(),
    )


@bp.get("/modules/<slug>")
def module(slug: str):
    return cache.anonymous_page(("module", services.current_version()), lambda: _module_page(slug))


def _module_page(slug: str):
    module = services.get_module(slug)
    if module.status == "draft" and not services.can_see_drafts():
        from kampus.errors import NotFound

        raise NotFound(f"no module {slug}")
    links = services.module_links(module)
    statuses = services.learner_statuses(services.catalogue_graph(), [module.slug])
    return render_template(
        "catalogue/module.html",
        module=module,
        links=links,
        status=statuses.get(module.slug),
        status_labels=status_labels(),
        target_group_names=target_group_names(),
    )


def target_group_names() -> dict[str, str]:
    return {
        "management": _("Management"),
        "teaching": _("Teaching"),
        "guidance": _("Guidance and support"),
        "it": _("IT staff"),
    }
