"""Searching the catalogue: the index rows and the query, on SQLite and PostgreSQL.

- :func:`index_module` writes a module's :class:`SearchDocument` rows (one per
  language: the title, summary and material a reader of that language sees, as
  plain text). The catalogue's one write path
  (:func:`kampus.catalogue.writer.apply_module_content`) calls it, so the editor,
  the import and the seed all keep the index; :func:`rebuild_index` rewrites
  every row (``kampus search rebuild``).
- :func:`search` finds published modules by words, in the reader's language,
  with filters for theme, level and target group. The database does the
  matching: SQLite's FTS5 table ``search_fts`` (prefix matches, so a stem such
  as ``digistrat`` finds *digistrategia* and its inflections) or PostgreSQL's
  ``tsvector`` with the language's configuration (stemmed, and prefix matches too).

What a person types never reaches the query syntax: :func:`terms_of` keeps only
runs of letters and digits (at most :data:`MAX_QUERY_CHARS` characters,
:data:`MAX_TERMS` words), each of which is then quoted, so ``"``, ``*``, ``-``,
``NEAR`` or ``OR`` are words or nothing, never operators.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from markupsafe import Markup, escape
from sqlalchemy import insert, select, text
from sqlalchemy.orm import selectinload

from kampus.catalogue.models import Module, SearchDocument
from kampus.content import markdown_words
from kampus.extensions import db
from kampus.i18n import LANGUAGES, localized

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PAGE_SIZE = 10
#: What the migration makes outside the models (migration 0019): the FTS5 table (and its shadow tables,
#: ``search_fts_*``), and the tsvector column and its index on ``search_documents``.
MANAGED_BY_MIGRATION = {"column": "document", "index": "ix_search_documents_document"}
#: The PostgreSQL text search configuration for each language's rows (the migration uses the same).
PG_CONFIGS = {"fi": "finnish", "sv": "swedish", "en": "english"}
_START, _STOP = "\x02", "\x03"  # highlight markers in a snippet: control characters no text contains
_WORD = re.compile(r"[^\W_]+")


def managed_by_migration(name, type_, parent_names) -> bool:
    """True for the search index's own database objects (the models do not describe them)."""
    if type_ == "table":
        return bool(name) and name.startswith("search_fts")
    on_index_table = (parent_names or {}).get("table_name") == SearchDocument.__tablename__
    return on_index_table and MANAGED_BY_MIGRATION.get(type_) == name


# --- the index ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def plain_text(markdown: str) -> str:
    """Authored Markdown as the words a reader sees (no markup, no link addresses).

    Memoised: a text shown in several languages (a missing translation falls back to the
    Finnish one) is parsed once, so an import parses each section body once."""
    return markdown_words(markdown)


def document_texts(module: Module, lang: str, sections: list[dict] | None = None) -> dict[str, str]:
    """The title, summary and material of ``module`` as a reader of ``lang`` sees them, as plain text.
    ``sections``: its sections' ``title`` and ``body`` (default: read from ``module.sections``)."""
    if sections is None:
        sections = [{"title": s.title, "body": s.body} for s in module.sections]
    parts = []
    for section in sections:
        parts.append(localized(section["title"], lang)[0])
        parts.append(plain_text(localized(section["body"], lang)[0]))
    return {
        "title": localized(module.title, lang)[0],
        "summary": localized(module.summary, lang)[0],
        "body": " ".join(p for p in parts if p),
        "target_groups": " " + " ".join(module.target_groups or []) + " ",
    }


def index_new_modules(modules: list[tuple[Module, list[dict]]]) -> None:
    """Write the search rows of modules just created and flushed (an import's batch), each with its
    sections' columns, in one statement: the rows :func:`index_module` would write, without objects."""
    rows = [
        {"module_id": m.id, "lang": lang, **document_texts(m, lang, sections)}
        for m, sections in modules
        for lang in LANGUAGES
    ]
    if rows:
        db.session.execute(insert(SearchDocument), rows)


def index_module(module: Module, *, new: bool = False) -> None:
    """Write ``module``'s search rows (one per language) from its content; flush only.
    ``new``: the module was just created, so it has no rows yet (no query for them)."""
    existing = (
        {}
        if new
        else {
            d.lang: d for d in db.session.scalars(select(SearchDocument).where(SearchDocument.module_id == module.id))
        }
    )
    for lang in LANGUAGES:
        values = document_texts(module, lang)
        document = existing.get(lang)
        if document is None:
            db.session.add(SearchDocument(module_id=module.id, lang=lang, **values))
        else:
            for key, value in values.items():
                if getattr(document, key) != value:
                    setattr(document, key, value)
    db.session.flush()


def rebuild_index(*, only_missing: bool = False) -> int:
    """Rewrite every module's search rows from the catalogue (``only_missing``: only of modules that have
    none, as after the upgrade that made the index); return the number of modules written. Flush only."""
    query = select(Module).options(selectinload(Module.sections))
    if only_missing:
        query = query.where(~select(SearchDocument.id).where(SearchDocument.module_id == Module.id).exists())
    modules = db.session.scalars(query).all()
    for module in modules:
        index_module(module)
    if not only_missing and db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO search_fts(search_fts) VALUES ('rebuild')"))
    return len(modules)


# --- the query ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the results are narrowed to; None: any."""

    theme: str | None = None
    level: str | None = None
    target_group: str | None = None

    @property
    def any(self) -> bool:
        return any((self.theme, self.level, self.target_group))


@dataclass
class Hit:
    module: Module
    snippet: Markup


@dataclass
class SearchResult:
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def terms_of(query: str | None) -> list[str]:
    """The words of ``query`` (lower case, NFC, each once, in order): at most :data:`MAX_TERMS`,
    read from its first :data:`MAX_QUERY_CHARS` characters. Everything else is dropped."""
    query = unicodedata.normalize("NFC", query or "")[:MAX_QUERY_CHARS]
    words = []
    for word in _WORD.findall(query.lower()):
        if word not in words:
            words.append(word)
    return words[:MAX_TERMS]


def search(query: str | None, lang: str, filters: Filters = Filters(), *, page: int = 1) -> SearchResult:
    """Published modules matching every word of ``query`` (as prefixes) in ``lang``'s rows, best first,
    narrowed by ``filters``; ``page`` from 1. With no words, the modules the filters leave, in catalogue
    order (no filters and no words: nothing)."""
    terms = terms_of(query)
    result = SearchResult(terms, page=max(1, page))
    if not terms and not filters.any:
        return result
    if lang not in LANGUAGES:
        lang = LANGUAGES[0]
    where = ["d.lang = :lang", "m.status = 'published'"]
    params: dict = {"lang": lang, "limit": PAGE_SIZE}
    if filters.theme:
        where.append("t.slug = :theme")
        params["theme"] = filters.theme
    if filters.level:
        where.append("m.level = :level")
        params["level"] = filters.level
    if filters.target_group:
        where.append("d.target_groups LIKE :group")
        params["group"] = f"% {filters.target_group} %"
    joins = "JOIN modules m ON m.id = d.module_id JOIN themes t ON t.id = m.theme_id"
    dialect = db.session.get_bind().dialect.name
    if not terms:
        source, snippet, order = "search_documents d", "d.summary", "t.position, m.position, m.slug"
    elif dialect == "postgresql":
        params["query"] = " & ".join(f"'{t}':*" for t in terms)
        params["config"] = PG_CONFIGS[lang]
        params["options"] = (
            f'StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
        )
        source = "search_documents d CROSS JOIN to_tsquery(CAST(:config AS regconfig), :query) AS q"
        where.append("d.document @@ q")
        snippet = "ts_headline(CAST(:config AS regconfig), d.summary || ' ' || d.body, q, :options)"
        order = "ts_rank(d.document, q) DESC, t.position, m.position, m.slug"
    else:
        params["query"] = " ".join(f'"{t}"*' for t in terms)
        source = "search_fts JOIN search_documents d ON d.id = search_fts.rowid"
        where.append("search_fts MATCH :query")
        snippet = "snippet(search_fts, -1, char(2), char(3), '…', 24)"
        order = "bm25(search_fts, 10.0, 4.0, 1.0), t.position, m.position, m.slug"
    # Only the fixed fragments above are put into the SQL; everything a person typed is a bound parameter.
    condition = " AND ".join(where)
    count = db.session.execute(text(f"SELECT count(*) FROM {source} {joins} WHERE {condition}"), params).scalar()
    result.total = int(count or 0)
    result.page = min(result.page, result.pages)  # a page past the end shows the last one
    params["offset"] = (result.page - 1) * PAGE_SIZE
    rows = db.session.execute(
        text(
            f"SELECT d.module_id, {snippet} AS snippet FROM {source} {joins} WHERE {condition} "
            f"ORDER BY {order} LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    modules = {
        m.id: m
        for m in db.session.scalars(
            select(Module).where(Module.id.in_([r.module_id for r in rows])).options(selectinload(Module.theme))
        )
    }
    result.hits = [Hit(modules[r.module_id], highlighted(r.snippet or "")) for r in rows if r.module_id in modules]
    return result


def highlighted(snippet: str) -> Markup:
    """A snippet with the database's highlight markers as ``<mark>``, everything else escaped."""
    marked = str(escape(snippet)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    marked = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", marked)
    return Markup(nh3.clean(marked, tags={"mark"}, attributes={}))
