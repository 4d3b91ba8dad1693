"""One write path for a module's content: the editor, the import and the seed all call
:func:`apply_module_content`.

A module travels as one *record* in the catalogue's import format
(:func:`module_record`). Writing a record:

- refuses the lifecycle moves no door may make (:func:`check_lifecycle`: the one
  rule for statuses, slugs and publishing);
- copies the module's fields (the tables below: adding a simple column is one line);
- keeps section and question ids where the content is the same item, because
  learners' attempts name questions by id: a record that carries the id of one of
  the module's rows (the editor's) keeps that row; otherwise the same (Finnish)
  prompt or title; otherwise, for records without ids (the import and the seed),
  the next unmatched row in order. Matched rows are updated in place, new items
  become new rows, rows no record matched are deleted;
- when anything changed: touches the row (so its ``edit_version`` moves), writes
  one audit entry (not for the seed, whose history is the repository's) and raises
  the catalogue version once per transaction, and rewrites the module's search
  rows (:func:`kampus.catalogue.search.index_module`). An import's new modules are written a
  batch at a time (``batch=True``, then :func:`write_batch`): the same rows, audit entries and
  search rows, each kind in one statement.

Flush only, never commit; refusals are :class:`~kampus.errors.DomainError` naming
the module and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from kampus.catalogue import audit
from kampus.catalogue.loader import ITEM_KEYS
from kampus.catalogue.models import AuditEntry, Module, Question, Section, Theme
from kampus.catalogue.search import index_module, index_new_modules
from kampus.catalogue.services import raise_version_once
from kampus.db import utcnow
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.i18n import as_map

#: Where a module may go from each status (None: a module not yet in the catalogue).
TRANSITIONS = {
    None: ("draft", "published"),
    "draft": ("draft", "published"),
    "published": ("published", "retired"),
    "retired": ("retired", "published"),
}
SOURCES = ("editor", "import", "seed")


def _same(value):
    return value


def _texts(value) -> dict:
    """A translated text as a ``{fi, sv, en}`` map (a plain string is Finnish)."""
    return as_map(value)


def _texts_or_none(value):
    return as_map(value) or None


def _choices(value) -> list:
    """A question's choices: a list of ``{fi, sv, en}`` maps, in order (graded by index, never by text)."""
    return [as_map(c) for c in (value or [])]


def _items(value) -> list:
    return list(value or [])


#: Module columns copied from the record's top-level key of the same name, each with its normaliser.
#: (``slug``, ``theme`` and ``status`` are written by :func:`apply_module_content` itself.)
MODULE_FIELDS = {
    "position": _same,
    "title": _texts,
    "summary": _texts,
    "level": _same,
    "minutes": _same,
    "target_groups": _items,
    "competences": _items,
    "reflection": _texts_or_none,
}
#: Self-check settings on the module: column -> (key in the record's ``self_check``, value without a self-check;
#: for a NOT NULL column, its default). Export, comparison and writing all read this table.
#: A key a record leaves out keeps the module's value (an editor that does not show it changes nothing).
SELF_CHECK_FIELDS = {
    "pass_mark": ("pass_mark", None),
    "questions_asked": ("ask", None),
    "test_out_pass_mark": ("test_out_pass_mark", None),
}
SECTION_FIELDS = {"title": _texts, "body": _texts}
QUESTION_FIELDS = {"prompt": _texts, "choices": _choices, "correct": _items, "explanation": _texts}


# --- the record format ---------------------------------------------------------------


def module_record(module: Module, theme_slug: str, items: dict[str, list[dict]] | None = None) -> dict[str, Any]:
    """The module as a record of the import format (what the export writes and the audit log compares).

    ``items``: the rows of a new module's sections and questions not yet written
    (:attr:`ModuleWrite.items`), read instead of the module's collections."""
    record: dict[str, Any] = {"slug": module.slug, "theme": theme_slug, "status": module.status}
    record.update({key: normalise(getattr(module, key)) for key, normalise in MODULE_FIELDS.items()})
    sections, questions = (
        (module.sections, module.questions)
        if items is None
        else ([SimpleNamespace(**row) for row in items[name]] for name in ("sections", "questions"))
    )
    record["sections"] = [
        {key: normalise(getattr(s, key)) for key, normalise in SECTION_FIELDS.items()} for s in sections
    ]
    has_check = bool(questions) or module.pass_mark is not None
    record["self_check"] = (
        {
            **{key: getattr(module, column) for column, (key, _empty) in SELF_CHECK_FIELDS.items()},
            "questions": [
                {key: normalise(getattr(q, key)) for key, normalise in QUESTION_FIELDS.items()} for q in questions
            ],
        }
        if has_check
        else None
    )
    return _in_export_order(record)


# A record's keys in the order of the import format (the loader's known keys of a module).
EXPORT_ORDER = ITEM_KEYS["module"]


def _in_export_order(record: dict) -> dict:
    return {**{k: record[k] for k in EXPORT_ORDER if k in record}, **record}


def content_of(record: dict) -> dict:
    """What of a record the writer writes, normalised: two records with equal contents give equal modules."""
    check = record.get("self_check")
    return {
        "slug": record.get("slug"),
        "theme": record.get("theme"),
        "status": record.get("status"),
        **{key: normalise(record.get(key)) for key, normalise in MODULE_FIELDS.items()},
        "sections": [{k: n(s.get(k)) for k, n in SECTION_FIELDS.items()} for s in record.get("sections") or []],
        "self_check": (
            {
                **{key: check.get(key) for key, _empty in SELF_CHECK_FIELDS.values()},
                "questions": [
                    {k: n(q.get(k)) for k, n in QUESTION_FIELDS.items()} for q in check.get("questions") or []
                ],
            }
            if check
            else None
        ),
    }


# --- the lifecycle ----------------------------------------------------------------------


def allowed_statuses(status: str | None) -> tuple[str, ...]:
    """The statuses a module in ``status`` (None: a new module) may be saved with."""
    return TRANSITIONS[status]


def check_lifecycle(current: dict | None, record: dict) -> None:
    """Refuse what no door may do to a module; ``current`` is its record now (None for a new module).

    - status moves only as :data:`TRANSITIONS` says (a published module never returns to draft);
    - the slug never changes once the module has left the draft state;
    - a published module has at least one section.

    Raises :class:`DomainError` naming the module and, in ``field``, ``status`` or ``slug``.
    """
    slug = current["slug"] if current else record.get("slug")
    status_now = current["status"] if current else None
    status = record.get("status")
    if current and record.get("slug", slug) != slug and status_now != "draft":
        raise DomainError(
            _("The short name of the module %(slug)s cannot change once it has been published.", slug=slug),
            field="slug",
        )
    if status not in allowed_statuses(status_now):
        if status_now is None:
            message = _(
                "The new module %(slug)s must be a draft or published, not %(status)s.",
                slug=slug,
                status=status_name(status),
            )
        else:
            message = _(
                "The module %(slug)s cannot move from %(current)s to %(status)s.",
                slug=slug,
                current=status_name(status_now),
                status=status_name(status),
            )
        raise DomainError(message, field="status")
    if status == "published" and not record.get("sections"):
        raise DomainError(
            _("Add at least one section to the module %(slug)s before publishing it.", slug=slug), field="status"
        )


def status_name(status: str | None) -> str:
    names = {"draft": _("Draft"), "published": _("Published"), "retired": _("Retired")}
    return names.get(status or "", str(status)).lower()


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleWrite:
    """What :func:`apply_module_content` did: ``outcome`` is ``created``, ``updated`` or ``unchanged``."""

    module: Module
    outcome: str
    #: A new module of a batch: its audit entry's columns, for :func:`write_batch` to insert with the batch.
    audit_entry: dict | None = None
    #: A new module of a batch: the columns of its ``sections`` and ``questions`` rows (without
    #: ``module_id``, which the batch's flush gives), for :func:`write_batch` to insert.
    items: dict[str, list[dict]] | None = None

    @property
    def changed(self) -> bool:
        return self.outcome != "unchanged"


def apply_module_content(
    module: Module | None,
    record: dict,
    *,
    actor,
    source: str,
    themes: dict[str, Theme] | None = None,
    batch: bool = False,
) -> ModuleWrite:
    """Make ``module`` (None: a new one) hold ``record``; flush only.

    ``actor`` is the acting user (None for the command line and the seed), ``source``
    one of :data:`SOURCES`. Raises :class:`DomainError` (``field`` ``status``,
    ``slug`` or ``theme``) for a refused change, before anything is written, and
    lets SQLAlchemy's ``StaleDataError`` through when someone else saved the module
    first (the editor turns it into a conflict).

    ``themes`` (slug → theme) spares a query per module; with ``batch`` a new module is left
    for :func:`write_batch` to flush, to give its sections, questions, search rows and audit entry,
    and the caller raises the catalogue version (an import does all of it once per batch).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    current = module_record(module, module.theme.slug) if module is not None else None
    record = _keep_omitted_settings(record, current)
    check_lifecycle(current, record)
    if themes is not None:  # an import's themes, read once for all its modules
        theme = themes.get(record.get("theme") or "")
    else:
        theme = db.session.scalar(select(Theme).where(Theme.slug == record.get("theme")))
    if theme is None:
        raise DomainError(_("Choose a theme from the list."), field="theme")
    if module is not None and same_content(current, record):
        return ModuleWrite(module, "unchanged")

    created = module is None
    if module is None:
        module = Module(slug=record["slug"])
        db.session.add(module)
    module.slug = record.get("slug") or module.slug
    module.theme = theme
    module.status = record["status"]
    for key, normalise in MODULE_FIELDS.items():
        setattr(module, key, normalise(record.get(key)))
    check = record.get("self_check")
    for column, (key, empty) in SELF_CHECK_FIELDS.items():
        setattr(module, column, check.get(key, getattr(module, column)) if check else empty)
    # In a batch (an import) a new module is not flushed here: write_batch flushes many at once and
    # inserts their sections and questions as rows (no objects: they have no ids to keep yet); the
    # caller raises the catalogue version once. Updates flush as always (their version check).
    deferred = batch and created
    sections, questions = record.get("sections") or [], (check or {}).get("questions") or []
    items = None
    if deferred:
        items = {"sections": _new_rows(sections, SECTION_FIELDS), "questions": _new_rows(questions, QUESTION_FIELDS)}
    else:
        _sync(module, "sections", Section, sections, SECTION_FIELDS, match_on="title")
        _sync(module, "questions", Question, questions, QUESTION_FIELDS, match_on="prompt")
    module.updated_at = utcnow()  # always touch the row, so that its edit_version moves on every change
    if not deferred:
        db.session.flush()
    if not deferred:  # the search index follows every write, whichever door it came through
        index_module(module, new=created)

    entry = None
    if source != "seed":
        entry = audit.values(
            actor,
            "module.create" if created else "module.update",
            module_slug=module.slug,
            theme_slug=theme.slug,
            changes=audit.diff(current or {}, module_record(module, theme.slug, items)),
        )
        if not deferred:
            db.session.add(audit.AuditEntry(**entry))
            entry = None
    if not deferred:
        raise_version_once()
    return ModuleWrite(module, "created" if created else "updated", entry, items)


def write_batch(writes: list[ModuleWrite]) -> None:
    """Finish a batch of :func:`apply_module_content` calls made with ``batch``: flush the new
    modules, then insert their sections, questions, search rows and audit entries, one statement
    (of many rows) each. Flush only; the caller raises the catalogue version. The modules' ``sections``
    and ``questions`` were never loaded, so they are read from these rows when asked for."""
    db.session.flush()
    new = [w for w in writes if w.items is not None]
    for name, model in (("sections", Section), ("questions", Question)):
        rows = [{"module_id": w.module.id, **row} for w in new for row in (w.items or {})[name]]
        if rows:
            db.session.execute(insert(model), rows)
    index_new_modules([(w.module, (w.items or {})["sections"]) for w in new])
    entries = [w.audit_entry for w in writes if w.audit_entry is not None]
    if entries:
        db.session.execute(insert(AuditEntry), entries)


def same_content(current: dict | None, record: dict) -> bool:
    """True when writing ``record`` over the module exported as ``current`` would change nothing
    (self-check settings the record leaves out count as kept)."""
    return current is not None and content_of(current) == content_of(_keep_omitted_settings(record, current))


def _keep_omitted_settings(record: dict, current: dict | None) -> dict:
    """The record with the self-check settings it leaves out taken from the module as it is."""
    check, old = record.get("self_check"), (current or {}).get("self_check")
    if not check or not old:
        return record
    missing = {key: old[key] for key, _empty in SELF_CHECK_FIELDS.values() if key not in check}
    return {**record, "self_check": {**missing, **check}} if missing else record


def _sync(module: Module, name: str, model, records: list[dict], fields: dict, *, match_on: str) -> None:
    """Make the module's sections (or questions) equal ``records``, in order, keeping ids where it can."""
    rows = _match(list(getattr(module, name)), records, match_on, model)
    for row, values in zip(rows, _new_rows(records, fields), strict=True):
        for key, value in values.items():
            setattr(row, key, value)
    setattr(module, name, rows)  # rows left out are deleted (delete-orphan)


def _new_rows(records: list[dict], fields: dict) -> list[dict]:
    """The columns of ``records``' rows, in order (position and normalised fields): what
    :func:`_sync` sets on the rows it keeps or makes, and a batch inserts for a new module."""
    return [
        {"position": position, **{key: normalise(record.get(key)) for key, normalise in fields.items()}}
        for position, record in enumerate(records, start=1)
    ]


def _match(rows: list, records: list[dict], match_on: str, model) -> list:
    """For each record, the existing row it updates or a new ``model`` row: by id, then by text, then in order."""
    unused = list(rows)
    chosen: list = [None] * len(records)
    by_id = {row.id: row for row in rows}
    for i, record in enumerate(records):
        row = by_id.get(_int_or_none(record.get("id")))
        if row is not None and row in unused:
            chosen[i] = row
            unused.remove(row)
    for i, record in enumerate(records):
        if chosen[i] is None:
            key = match_key(record.get(match_on))
            row = next((r for r in unused if match_key(getattr(r, match_on)) == key), None)
            if row is not None:
                chosen[i] = row
                unused.remove(row)
    # Records that know no ids (import, seed) take the remaining rows in order: an edited
    # prompt at the same place is the same question. The editor's id-less records are new.
    for i, record in enumerate(records):
        if chosen[i] is None and "id" not in record and unused:
            chosen[i] = unused.pop(0)
    return [row if row is not None else model() for row in chosen]


def match_key(text) -> str:
    """The text two items are matched on: the Finnish one of a translated mapping, without outer whitespace."""
    if isinstance(text, dict):
        text = text.get("fi")
    return (text or "").strip()


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
