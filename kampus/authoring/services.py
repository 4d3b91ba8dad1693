"""Authoring services: creating, editing, retiring and deleting modules, and editing themes.

A module is edited as one record in the catalogue's import format (see
:func:`kampus.catalogue.writer.module_record`) and written by the same operation
as the import and the seed (:func:`kampus.catalogue.writer.apply_module_content`),
which keeps the lifecycle rules (statuses, published slugs, publishing needs
material), writes the audit entry and raises the catalogue version. Services add
and flush and raise a :class:`~kampus.errors.DomainError` with the form field to
blame; views commit.

Rules kept here, on top of the writer's, whatever the form sends:
- a slug is well formed and not taken; a Finnish title and a level are given;
- a module with any learner data is never deleted (retire it instead);
- a save carries the module's ``edit_version``: a stale one is refused with
  :class:`~kampus.errors.Conflict` and nothing is overwritten.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from kampus.catalogue import audit, writer
from kampus.catalogue.importer import theme_record
from kampus.catalogue.loader import SLUG
from kampus.catalogue.models import LEVELS, Module, Prerequisite, Theme
from kampus.catalogue.services import bump_version
from kampus.catalogue.writer import module_record
from kampus.errors import Conflict, DomainError, NotFound
from kampus.extensions import db

LANGUAGES = ("fi", "sv", "en")


def load_module(slug: str) -> Module:
    """The module with its theme, sections and questions; :class:`NotFound` when there is none."""
    module = db.session.scalar(
        select(Module)
        .where(Module.slug == slug)
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
    """The statuses the editor offers for ``module`` (None: a new one): the writer's lifecycle rule."""
    return writer.allowed_statuses(module.status if module is not None else None)


def completeness(record: dict) -> dict[str, list]:
    """Per language, the translatable parts still missing (:class:`kampus.catalogue.languages.Part`,
    every section, question, choice, explanation and the reflection included); empty = complete.
    Finnish lists the parts the editor requires but the record lacks (title, section texts, prompts)."""
    from kampus.catalogue import languages

    result = {"fi": [p for p in _required_parts(record) if not p.value]}
    for lang in languages.OPTIONAL_LANGUAGES:
        result[lang] = languages.missing(record, lang)
    return result


def _required_parts(record: dict) -> list:
    from kampus.catalogue.languages import Part

    found = [Part("title", (record.get("title") or {}).get("fi"))]
    for s, section in enumerate(record.get("sections") or [], start=1):
        found += [
            Part("section_title", (section.get("title") or {}).get("fi"), section=s),
            Part("section_body", (section.get("body") or {}).get("fi"), section=s),
        ]
    for q, question in enumerate((record.get("self_check") or {}).get("questions") or [], start=1):
        found.append(Part("prompt", (question.get("prompt") or {}).get("fi"), question=q))
    return found


def has_learner_data(module: Module) -> bool:
    """True when any learner row (progress, attempts, feedback, reflections, events, path goals) names the module."""
    from kampus.paths.models import PathGoal
    from kampus.progress.models import Attempt, Feedback, LearningEvent, Progress, Reflection

    checks = [
        model.module_id == module.id for model in (Progress, Attempt, Feedback, Reflection, LearningEvent, PathGoal)
    ]
    return bool(db.session.scalar(select(or_(*(exists().where(c) for c in checks)))))


def dependants(module: Module) -> list[Module]:
    """The modules that name ``module`` as a prerequisite (any kind)."""
    return list(
        db.session.scalars(
            select(Module)
            .join(Prerequisite, Prerequisite.after_id == Module.id)
            .where(Prerequisite.before_id == module.id)
            .order_by(Module.slug)
        )
    )


# --- checks shared by create and update ---------------------------------------------


def _check_record(record: dict) -> None:
    """The editor's own checks; the lifecycle and the theme are the writer's."""
    if not (record.get("title") or {}).get("fi"):
        raise DomainError(_("The Finnish title is required."), field="title_fi")
    if record["level"] not in LEVELS:
        raise DomainError(_("Choose a level."), field="level")


def _check_slug(slug: str, module: Module | None) -> None:
    if not SLUG.match(slug or ""):
        raise DomainError(_("Use lower-case letters, digits and hyphens, for example digital-pedagogy."), field="slug")
    taken = db.session.scalar(select(Module.id).where(Module.slug == slug))
    if taken is not None and (module is None or taken != module.id):
        raise DomainError(_("Another module already has this short name; choose another."), field="slug")


def _conflict_message() -> str:
    return _(
        "Someone else saved this module while you were editing it, so your changes were not saved. "
        "Your text is still in the form: copy what you need, open the latest version and make your changes there."
    )


# --- modules ------------------------------------------------------------------------------


def create_module(actor, record: dict) -> Module:
    """A new module from an editor record; raises :class:`DomainError` naming the field."""
    _check_slug(record.get("slug", ""), None)
    _check_record(record)
    return writer.apply_module_content(None, record, actor=actor, source="editor").module


def update_module(actor, module: Module, record: dict, *, edit_version: int) -> bool:
    """Save an edit made from ``edit_version``; returns False when nothing changed.

    Raises :class:`Conflict` when the module was saved by someone else since
    (the form's ``edit_version`` is stale), and :class:`DomainError` for a
    refused change (a published slug, a status move, an unknown theme).
    """
    if edit_version != module.edit_version:
        raise Conflict(_conflict_message())
    slug = record.get("slug") or module.slug
    if slug != module.slug and module.status == "draft":
        _check_slug(slug, module)
    _check_record(record)
    try:
        written = writer.apply_module_content(module, {**record, "slug": slug}, actor=actor, source="editor")
    except StaleDataError:
        raise Conflict(_conflict_message()) from None
    return written.changed


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
    audit.record(
        actor, "module.delete", module_slug=before["slug"], theme_slug=before["theme"], changes=audit.diff(before, {})
    )
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
