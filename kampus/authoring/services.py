"""Authoring services: creating, editing, retiring and deleting modules, and editing themes.

A module is edited as one record in the catalogue's import format (see
:func:`kampus.catalogue.importer.module_record`), so the editor, the import and
the audit log speak the same language. Services add and flush, raise a
:class:`~kampus.errors.DomainError` with the form field to blame, write an audit
entry and raise the catalogue version; views commit.

Safety rules kept here, whatever the form sends:
- a slug never changes once a module has left the draft state;
- status moves draft → published → retired (and a retired module may return);
- a module with any learner data is never deleted (retire it instead);
- a save carries the module's ``edit_version``: a stale one is refused with
  :class:`~kampus.errors.Conflict` and nothing is overwritten.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from kampus.authoring import audit
from kampus.catalogue.importer import module_record, theme_record
from kampus.catalogue.loader import SLUG
from kampus.catalogue.models import LEVELS, Module, Prerequisite, Question, Section, Theme
from kampus.catalogue.services import bump_version
from kampus.db import utcnow
from kampus.errors import Conflict, DomainError, NotFound
from kampus.extensions import db

#: Where a module may go from each status (staying put is always allowed).
TRANSITIONS = {
    "draft": ("draft", "published"),
    "published": ("published", "retired"),
    "retired": ("retired", "published"),
}
NEW_STATUSES = ("draft", "published")
LANGUAGES = ("fi", "sv", "en")


def load_module(slug: str) -> Module:
    """The module with its theme, sections and questions; :class:`NotFound` when there is none."""
    module = db.session.scalar(
        select(Module).where(Module.slug == slug)
        .options(selectinload(Module.theme), selectinload(Module.sections), selectinload(Module.questions))
    )
    if module is None:
        raise NotFound(f"no module {slug}")
    return module


def load_theme(slug: str) -> Theme:
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        raise NotFound(f"no theme {slug}")
    return theme


def snapshot(module: Module) -> dict:
    """The module as an import record (what the audit log compares)."""
    return module_record(module, module.theme.slug)


def allowed_statuses(module: Module | None) -> tuple[str, ...]:
    return NEW_STATUSES if module is None else TRANSITIONS[module.status]


def completeness(record: dict) -> dict[str, list[str]]:
    """Per language, the translated fields still missing (``title``, ``summary``); empty = complete."""
    result = {}
    for lang in LANGUAGES:
        missing = [name for name in ("title", "summary") if not (record.get(name) or {}).get(lang)]
        result[lang] = missing
    return result


def has_learner_data(module: Module) -> bool:
    """True when any learner row (progress, attempts, feedback, reflections, events, path goals) names the module."""
    from kampus.paths.models import PathGoal
    from kampus.progress.models import Attempt, Feedback, LearningEvent, Progress, Reflection

    checks = [model.module_id == module.id for model in (Progress, Attempt, Feedback, Reflection, LearningEvent, PathGoal)]
    return bool(db.session.scalar(select(or_(*(exists().where(c) for c in checks)))))


def dependants(module: Module) -> list[Module]:
    """The modules that name ``module`` as a prerequisite (any kind)."""
    return list(db.session.scalars(
        select(Module).join(Prerequisite, Prerequisite.after_id == Module.id)
        .where(Prerequisite.before_id == module.id).order_by(Module.slug)
    ))


# --- checks shared by create and update ---------------------------------------------

def _check_record(record: dict, module: Module | None) -> Theme:
    if not (record.get("title") or {}).get("fi"):
        raise DomainError(_("The Finnish title is required."), field="title_fi")
    if record["level"] not in LEVELS:
        raise DomainError(_("Choose a level."), field="level")
    theme = db.session.scalar(select(Theme).where(Theme.slug == record["theme"]))
    if theme is None:
        raise DomainError(_("Choose a theme from the list."), field="theme")
    status = record["status"]
    if status not in allowed_statuses(module):
        current = module.status if module else "draft"
        raise DomainError(
            _("A %(current)s module cannot become %(status)s.", current=current, status=status), field="status"
        )
    if status == "published" and not record["sections"]:
        raise DomainError(_("Add at least one section before publishing the module."), field="status")
    return theme


def _check_slug(slug: str, module: Module | None) -> None:
    if not SLUG.match(slug or ""):
        raise DomainError(
            _("Use lower-case letters, digits and hyphens, for example digital-pedagogy."), field="slug"
        )
    taken = db.session.scalar(select(Module.id).where(Module.slug == slug))
    if taken is not None and (module is None or taken != module.id):
        raise DomainError(_("Another module already has this short name; choose another."), field="slug")


def _fill(module: Module, record: dict, theme: Theme) -> None:
    module.theme = theme
    module.position = record["position"]
    module.title = dict(record["title"])
    module.summary = dict(record.get("summary") or {})
    module.level = record["level"]
    module.minutes = record["minutes"]
    module.target_groups = list(record.get("target_groups") or [])
    module.competences = list(record.get("competences") or [])
    module.status = record["status"]
    module.reflection = record.get("reflection") or None
    check = record.get("self_check")
    module.pass_mark = check["pass_mark"] if check else None
    _sync_children(module, "sections", Section, record.get("sections") or [], ("title", "body"))
    questions = check["questions"] if check else []
    _sync_children(module, "questions", Question, questions, ("prompt", "choices", "correct", "explanation"))
    module.updated_at = utcnow()  # always touch the row, so that its edit_version moves on every save


def _sync_children(module: Module, name: str, model, records: list[dict], fields: tuple[str, ...]) -> None:
    """Make the module's sections (or questions) equal ``records``, in order.

    A record that carries the ``id`` of one of this module's rows updates that
    row (so a reordered question keeps its id, which learners' attempts name);
    other records become new rows; rows no record names are removed.
    """
    current = list(getattr(module, name))
    by_id = {row.id: row for row in current}
    rows = []
    for position, record in enumerate(records, start=1):
        row = by_id.pop(_int_or_none(record.get("id")), None) or model()
        row.position = position
        for field in fields:
            setattr(row, field, record.get(field, "" if field != "choices" and field != "correct" else []))
        rows.append(row)
    setattr(module, name, rows)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_conflict_message()) from None


def _conflict_message() -> str:
    return _(
        "Someone else saved this module while you were editing it, so your changes were not saved. "
        "Your text is still in the form: copy what you need, open the latest version and make your changes there."
    )


# --- modules ------------------------------------------------------------------------------

def create_module(actor, record: dict) -> Module:
    """A new module from an editor record; raises :class:`DomainError` naming the field."""
    _check_slug(record.get("slug", ""), None)
    theme = _check_record(record, None)
    module = Module(slug=record["slug"])
    _fill(module, record, theme)
    db.session.add(module)
    db.session.flush()
    audit.record(actor, "module.create", module_slug=module.slug, theme_slug=theme.slug,
                 changes=audit.diff({}, snapshot(module)))
    bump_version()
    return module


def update_module(actor, module: Module, record: dict, *, edit_version: int) -> bool:
    """Save an edit made from ``edit_version``; returns False when nothing changed.

    Raises :class:`Conflict` when the module was saved by someone else since
    (the form's ``edit_version`` is stale), and :class:`DomainError` for a
    refused change (a published slug, a status move, an unknown theme).
    """
    if edit_version != module.edit_version:
        raise Conflict(_conflict_message())
    slug = record.get("slug") or module.slug
    if slug != module.slug:
        if module.status != "draft":
            raise DomainError(_("The short name cannot change once the module has been published."), field="slug")
        _check_slug(slug, module)
    theme = _check_record(record, module)
    before = snapshot(module)
    after_record = {**record, "slug": slug}
    if _comparable(before) == _comparable(after_record):
        return False
    module.slug = slug
    _fill(module, after_record, theme)
    _flush_or_conflict()
    changes = audit.diff(before, snapshot(module))
    audit.record(actor, "module.update", module_slug=module.slug, theme_slug=theme.slug, changes=changes)
    bump_version()
    return True


def _comparable(record: dict) -> dict:
    """A record without the row ids the editor carries, for "did anything change?"."""
    def clean(items):
        return [{k: v for k, v in item.items() if k != "id"} for item in items or []]

    check = record.get("self_check")
    return {
        **{k: v for k, v in record.items() if k not in ("sections", "self_check")},
        "sections": clean(record.get("sections")),
        "self_check": {"pass_mark": check["pass_mark"], "questions": clean(check["questions"])} if check else None,
        "reflection": record.get("reflection") or None,
    }


def delete_module(actor, module: Module) -> None:
    """Delete a draft that no learner has touched, with its prerequisites.

    Raises :class:`DomainError` for a published or retired module, or one with
    learner data: those are retired, never deleted, so no progress is lost.
    """
    if module.status != "draft":
        raise DomainError(_("Only a draft can be deleted. Retire a published module instead."))
    if has_learner_data(module):
        raise DomainError(_("Learners have already used this module, so it cannot be deleted. Retire it instead."))
    before = snapshot(module)
    for edge in db.session.scalars(
        select(Prerequisite).where(or_(Prerequisite.before_id == module.id, Prerequisite.after_id == module.id))
    ):
        db.session.delete(edge)
    db.session.delete(module)
    db.session.flush()
    audit.record(actor, "module.delete", module_slug=before["slug"], theme_slug=before["theme"],
                 changes=audit.diff(before, {}))
    bump_version()


# --- themes ---------------------------------------------------------------------------------

def update_theme(actor, theme: Theme, *, title: dict, description: dict, position: int) -> bool:
    """Save a theme's texts and position; returns False when nothing changed."""
    title = {k: v for k, v in title.items() if v}
    description = {k: v for k, v in description.items() if v}
    if not title.get("fi"):
        raise DomainError(_("The Finnish title is required."), field="title_fi")
    if position < 1:
        raise DomainError(_("The position is a whole number from 1."), field="position")
    before = theme_record(theme)
    theme.title, theme.description, theme.position = title, description, position
    after = theme_record(theme)
    if before == after:
        return False
    db.session.flush()
    audit.record(actor, "theme.update", theme_slug=theme.slug, changes=audit.diff(before, after))
    bump_version()
    return True
