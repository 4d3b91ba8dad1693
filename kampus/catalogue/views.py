"""Catalogue pages: a theme with its prerequisite graph, a module's summary, search.

Anonymous visitors see these pages; the material and the self-check questions
live on the study page, which needs a sign-in.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kampus import cache
from kampus.catalogue import search as catalogue_search
from kampus.catalogue import services
from kampus.catalogue.drawing import draw
from kampus.catalogue.models import LEVELS, TARGET_GROUPS, Theme
from kampus.extensions import db
from kampus.graph import layered_layout
from kampus.i18n import current_language
from kampus.progress.services import module_statuses
from kampus.routing import int_arg
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
    return cache.anonymous_page("theme", lambda: _theme_page(slug))


def _reader_statuses(slugs) -> dict[str, str]:
    """The signed-in reader's status of each module (nothing for visitors)."""
    if not current_user.is_authenticated:
        return {}
    return module_statuses(current_user.id, slugs)


def _theme_page(slug: str):
    theme = services.get_theme(slug)
    view = services.theme_graph_view(theme)
    statuses = _reader_statuses(view.drawn)
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
    return cache.anonymous_page("module", lambda: _module_page(slug))


def _module_page(slug: str):
    module = services.get_module(slug)
    if module.status == "draft" and not services.can_see_drafts(current_user):
        from kampus.errors import NotFound

        raise NotFound(f"no module {slug}")
    links = services.module_links(module)
    statuses = _reader_statuses([module.slug])
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


@bp.get("/search")
def search():
    """Published modules by words in the reader's language, narrowed by theme, level and target group."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    query = request.args.get("q", "")
    too_long = len(query) > catalogue_search.MAX_QUERY_CHARS
    query = query[: catalogue_search.MAX_QUERY_CHARS]
    theme, level, group = request.args.get("theme"), request.args.get("level"), request.args.get("group")
    filters = catalogue_search.Filters(
        theme=theme if theme in {t.slug for t in themes} else None,
        level=level if level in LEVELS else None,
        target_group=group if group in TARGET_GROUPS else None,
    )
    page = int_arg("page", 1, maximum=10_000) or 1
    result = catalogue_search.search(query, current_language(), filters, page=page)
    args = {"q": query, "theme": filters.theme, "level": filters.level, "group": filters.target_group}
    return render_template(
        "catalogue/search.html",
        query=query,
        too_long=too_long,
        searched=bool(result.terms) or filters.any,
        blank_query=bool(query.strip()) and not result.terms,
        filters=filters,
        result=result,
        args={k: v for k, v in args.items() if v},
        themes=themes,
        levels=LEVELS,
        target_group_names=target_group_names(),
        max_chars=catalogue_search.MAX_QUERY_CHARS,
        page_size=catalogue_search.PAGE_SIZE,
    )
