"""Catalogue services: reading themes and modules, the catalogue version, and
the prerequisite graph cache.

This is the only adapter from catalogue rows to the engine (``kampus.graph``).
The graph is built once per catalogue version per process: each request reads
the version (one small query) and rebuilds only when it has moved.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import networkx as nx
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, selectinload

from kampus.catalogue.models import CatalogueState, Module, Prerequisite, Question, Section, Theme
from kampus.db import rows_changed, scalar_outside_transaction
from kampus.errors import NotFound
from kampus.extensions import db
from kampus.graph import build_graph


@dataclass(frozen=True)
class ThemeSummary:
    theme: Theme
    module_count: int


def theme_overview() -> list[ThemeSummary]:
    """Themes in order with their published-module counts (one query)."""
    count = func.count(Module.id).filter(Module.status == "published")
    rows = db.session.execute(
        select(Theme, count).outerjoin(Module, Module.theme_id == Theme.id).group_by(Theme.id).order_by(Theme.position)
    ).all()
    return [ThemeSummary(theme, n) for theme, n in rows]


def get_theme(slug: str) -> Theme:
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        raise NotFound(f"no theme {slug}")
    return theme


def get_module(slug: str, *, with_material: bool = False) -> Module:
    """The module with this slug; drafts are found too (callers decide visibility)."""
    query = select(Module).where(Module.slug == slug).options(selectinload(Module.theme))
    if with_material:
        query = query.options(selectinload(Module.sections), selectinload(Module.questions))
    module = db.session.scalar(query)
    if module is None:
        raise NotFound(f"no module {slug}")
    return module


def modules_by_slug(slugs) -> dict[str, Module]:
    slugs = list(slugs)
    if not slugs:
        return {}
    rows = db.session.scalars(select(Module).where(Module.slug.in_(slugs)).options(selectinload(Module.theme)))
    return {m.slug: m for m in rows}


# --- catalogue version ----------------------------------------------------


#: Built once, Core, on the session's own connection: every cached page asks for the version,
#: and building and running an ORM select for it each time was 40 % of a cached visitor page.
_VERSION_QUERY = select(CatalogueState.__table__.c.version).where(CatalogueState.__table__.c.id == 1)


def current_version() -> int:
    """The catalogue's version (0 before the first change); one query on the request's transaction."""
    version = db.session.connection().scalar(_VERSION_QUERY)
    return version or 0


_VERSION_SQL = "SELECT version FROM catalogue_state WHERE id = 1"


def version_outside_transaction() -> int:
    """:func:`current_version` on a pooled connection of its own, for a request that needs
    nothing else from the database (a visitor's stored page, :mod:`kampus.cache`): the
    request's session is not touched and no transaction is begun (:func:`kampus.db.scalar_outside_transaction`)."""
    return scalar_outside_transaction(db.engine, _VERSION_SQL) or 0


def bump_version() -> int:
    """Raise the catalogue version (every change to content calls this); returns the new version."""
    _bump(db.session())
    return current_version()


def _bump(session: Session) -> None:
    result = session.execute(
        update(CatalogueState).where(CatalogueState.id == 1).values(version=CatalogueState.version + 1)
    )
    if rows_changed(result) == 0:
        session.add(CatalogueState(id=1, version=1))
        session.flush()
    session.info[_RAISED_IN] = session.get_transaction()


_RAISED_IN = "kampus_catalogue_version_raised_in"


def raise_version_once() -> int:
    """Raise the catalogue version once per transaction, however many content changes it holds.

    An editor save, an import of many modules or a seed run is one change to
    the catalogue: caches rebuild once. Returns the version.
    """
    _raise_once(db.session())
    return current_version()


def _raise_once(session: Session) -> None:
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_RAISED_IN) is not transaction:
        _bump(session)


#: What the catalogue is made of: a flushed change to any of these moves the version.
_CONTENT = (Theme, Module, Section, Question, Prerequisite)
_CHANGED = "kampus_catalogue_content_changed"


@event.listens_for(Session, "after_flush")
def _note_content_changes(session: Session, flush_context) -> None:
    """Note a flushed change to the catalogue's content, however it was made (the write path
    raises the version itself, :func:`raise_version_once`; this catches every other door, so a
    page cached on the version never shows stale material)."""
    if session.info.get(_CHANGED):
        return
    changed = any(isinstance(obj, _CONTENT) for obj in (*session.new, *session.deleted)) or any(
        isinstance(obj, _CONTENT) and session.is_modified(obj, include_collections=False) for obj in session.dirty
    )
    if changed:
        session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_version_for_content_changes(session: Session) -> None:
    session.flush()
    if session.info.pop(_CHANGED, None):
        _raise_once(session)


@event.listens_for(Session, "after_rollback")
def _forget_content_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


# --- the graph --------------------------------------------------------------


class _GraphCache:
    """Per-process cache: database URL -> (version, graph). ``builds`` counts rebuilds (tests read it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int, nx.DiGraph]] = {}
        self.builds = 0

    def get(self, key: str, version: int):
        entry = self._entries.get(key)
        return entry[1] if entry and entry[0] == version else None

    def put(self, key: str, version: int, graph: nx.DiGraph) -> None:
        with self._lock:
            self._entries[key] = (version, graph)
            self.builds += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


GRAPH_CACHE = _GraphCache()


class _VersionedCache:
    """Per-process, bounded: what only changes with the catalogue version (a theme's drawing
    layout, an anonymous visitor's theme drawing), keyed by (database URL, catalogue version,
    locale, what). A new version simply misses; the oldest entries go first."""

    def __init__(self, size: int = 256) -> None:
        from collections import OrderedDict

        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()
        self.size = size

    def get_or_compute(self, what: tuple, compute):
        from flask_babel import get_locale

        key = (str(db.engine.url), catalogue_graph().graph.get("version"), str(get_locale() or "fi"), what)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


VERSIONED_CACHE = _VersionedCache()


def engine_rows() -> tuple[list[dict], list[dict]]:
    """All modules and prerequisites as the engine's plain mappings (two queries)."""
    modules = [
        {
            "slug": slug,
            "theme": theme_slug,
            "theme_position": theme_position,
            "position": position,
            "level": level,
            "minutes": minutes,
            "status": status,
        }
        for slug, theme_slug, theme_position, position, level, minutes, status in db.session.execute(
            select(
                Module.slug, Theme.slug, Theme.position, Module.position, Module.level, Module.minutes, Module.status
            ).join(Theme, Module.theme_id == Theme.id)
        )
    ]
    before = db.aliased(Module)
    after = db.aliased(Module)
    prerequisites = [
        {"before": b, "after": a, "kind": kind}
        for b, a, kind in db.session.execute(
            select(before.slug, after.slug, Prerequisite.kind)
            .join(before, Prerequisite.before_id == before.id)
            .join(after, Prerequisite.after_id == after.id)
        )
    ]
    return modules, prerequisites


def catalogue_graph() -> nx.DiGraph:
    """The whole catalogue as the engine's graph, rebuilt only when the catalogue version moved.

    The returned graph is shared: treat it as read-only. Within one request the
    version is read once (the graph is kept in ``g``), so a page asks for it as
    often as it likes at the cost of one query.
    """
    from flask import g, has_request_context

    if has_request_context() and "kampus_graph" in g:
        return g.kampus_graph
    key = str(db.engine.url)
    version = current_version()
    graph = GRAPH_CACHE.get(key, version)
    if graph is None:
        modules, prerequisites = engine_rows()
        graph = build_graph(modules, prerequisites)
        graph.graph["version"] = version
        GRAPH_CACHE.put(key, version, graph)
    if has_request_context():
        g.kampus_graph = graph
    return graph


# --- what the catalogue pages show -----------------------------------------


@dataclass
class ThemeGraphView:
    """A theme's published modules in path order, plus the prerequisites from other themes.

    ``drawn`` is every slug in the drawing (the theme's own first, then the
    external ones); ``modules`` maps each drawn slug to its row; ``requires``
    and ``unlocks`` map each of the theme's slugs to ``(slug, kind)`` pairs.
    """

    graph: nx.DiGraph
    own: list[str]
    external: list[str]
    modules: dict[str, Module]
    requires: dict[str, list[tuple[str, str]]]
    unlocks: dict[str, list[tuple[str, str]]]

    @property
    def drawn(self) -> list[str]:
        return self.own + self.external


def _visible(graph: nx.DiGraph, slug: str) -> bool:
    return graph.nodes[slug].get("status") == "published"


def theme_graph_view(theme: Theme) -> ThemeGraphView:
    """The theme's published modules ordered so that each comes after what it builds on (two queries)."""
    graph = catalogue_graph()
    own = [s for s, d in graph.nodes(data=True) if d.get("theme") == theme.slug and d.get("status") == "published"]
    own_set = set(own)
    sub = graph.subgraph(own)
    ordered = list(nx.lexicographical_topological_sort(sub, key=lambda s: (graph.nodes[s]["position"], s)))
    external = sorted(
        {b for s in ordered for b in graph.pred[s] if b not in own_set and _visible(graph, b)},
        key=lambda s: (graph.nodes[s]["theme_position"], graph.nodes[s]["position"], s),
    )
    requires = {
        s: sorted(((b, graph.edges[b, s]["kind"]) for b in graph.pred[s] if _visible(graph, b)), key=lambda e: e[0])
        for s in ordered
    }
    unlocks = {
        s: sorted(((a, graph.edges[s, a]["kind"]) for a in graph.succ[s] if _visible(graph, a)), key=lambda e: e[0])
        for s in ordered
    }
    linked = set(ordered) | set(external) | {a for links in unlocks.values() for a, _ in links}
    return ThemeGraphView(graph, ordered, external, modules_by_slug(linked), requires, unlocks)


@dataclass
class ModuleLinks:
    """What a module requires and what it unlocks: ``(module, kind)`` pairs, published modules only."""

    requires: list[tuple[Module, str]]
    unlocks: list[tuple[Module, str]]


def module_links(module: Module) -> ModuleLinks:
    graph = catalogue_graph()
    if module.slug not in graph:
        return ModuleLinks([], [])
    before = {b: d["kind"] for b, d in graph.pred[module.slug].items() if _visible(graph, b)}
    after = {a: d["kind"] for a, d in graph.succ[module.slug].items() if _visible(graph, a)}
    rows = modules_by_slug(set(before) | set(after))

    def key(slug: str) -> tuple:
        node = graph.nodes[slug]
        return (node["theme_position"], node["position"], slug)

    return ModuleLinks(
        [(rows[s], before[s]) for s in sorted(before, key=key)],
        [(rows[s], after[s]) for s in sorted(after, key=key)],
    )


def can_see_drafts(reader) -> bool:
    """Only administrators see draft modules outside the editor (``reader``: a user or an anonymous visitor)."""
    return bool(getattr(reader, "is_admin", False))
