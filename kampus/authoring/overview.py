"""The content overview: every module with its translations, self-check,
ratings and comments, and the whole graph's validation findings.

A fixed number of queries whatever the catalogue's size: modules (with their
sections and questions, for the per-language completeness), question counts,
section counts and ratings are each one (grouped) query.

:class:`OverviewFilters` narrows the overview to a theme, a status, a state of
translation (completeness is :mod:`kampus.catalogue.languages`' rule) and
modules with or without warnings (the graph's findings that name the module,
and a missing self-check).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kampus.authoring.prerequisites import findings_naming
from kampus.catalogue import languages
from kampus.catalogue.languages import Completeness
from kampus.catalogue.models import STATUSES, Module, Question, Section, Theme
from kampus.catalogue.services import engine_rows
from kampus.catalogue.writer import module_record
from kampus.extensions import db
from kampus.graph import Finding, Report, validate

LANGUAGES = languages.OPTIONAL_LANGUAGES


@dataclass
class ModuleRow:
    module: Module
    questions: int
    sections: int
    rating: float | None
    ratings: int
    comments: int
    languages: dict[str, Completeness]  # per optional language: translated parts of all its parts
    findings: list[Finding] = field(default_factory=list)  # the graph's errors and warnings naming the module

    @property
    def missing(self) -> list[str]:
        """The languages the module is not complete in (some section, question, choice … lacks them)."""
        return [lang for lang, c in self.languages.items() if not c.complete]

    @property
    def warnings(self) -> int:
        """How many things to look at: the graph's findings about the module, and a missing self-check."""
        return len(self.findings) + (0 if self.questions else 1)


#: The translation filter's values: complete in every optional language, or not complete in one (or any).
TRANSLATION_FILTERS = ("complete", "incomplete", *(f"incomplete-{lang}" for lang in LANGUAGES))
WARNING_FILTERS = ("with", "without")


@dataclass(frozen=True)
class OverviewFilters:
    """What the overview is narrowed to; None: everything. Unknown values are dropped by :meth:`from_args`."""

    theme: str | None = None
    status: str | None = None
    translation: str | None = None
    warnings: str | None = None

    @classmethod
    def from_args(cls, args, theme_slugs) -> OverviewFilters:
        """The filters of a query string (``theme``, ``status``, ``translation``, ``warnings``)."""

        def pick(name, allowed):
            value = args.get(name)
            return value if value in allowed else None

        return cls(
            theme=pick("theme", set(theme_slugs)),
            status=pick("status", STATUSES),
            translation=pick("translation", TRANSLATION_FILTERS),
            warnings=pick("warnings", WARNING_FILTERS),
        )

    @property
    def any(self) -> bool:
        return any((self.theme, self.status, self.translation, self.warnings))

    def keeps(self, theme: Theme, row: ModuleRow) -> bool:
        if self.theme and theme.slug != self.theme:
            return False
        if self.status and row.module.status != self.status:
            return False
        if self.translation == "complete" and row.missing:
            return False
        if self.translation == "incomplete" and not row.missing:
            return False
        lang = (self.translation or "").removeprefix("incomplete-")
        if lang in LANGUAGES and lang not in row.missing:
            return False
        if self.warnings == "with" and not row.warnings:
            return False
        return not (self.warnings == "without" and row.warnings)


def filtered(blocks: list[ThemeBlock], filters: OverviewFilters) -> list[ThemeBlock]:
    """The themes and modules ``filters`` keeps: with a filter, themes left without modules are left out."""
    if not filters.any:
        return blocks
    kept = [ThemeBlock(b.theme, [row for row in b.modules if filters.keeps(b.theme, row)]) for b in blocks]
    return [b for b in kept if b.modules]


@dataclass
class ThemeBlock:
    theme: Theme
    modules: list[ModuleRow]

    @property
    def languages(self) -> dict[str, Completeness]:
        """Per optional language, the theme's modules' parts summed."""
        return {lang: languages.combined([row.languages[lang] for row in self.modules], lang) for lang in LANGUAGES}


def _counts(model) -> dict[int, int]:
    return dict(db.session.execute(select(model.module_id, func.count(model.id)).group_by(model.module_id)).all())


def content_overview(report: Report | None = None) -> list[ThemeBlock]:
    """Themes in order, each with all its modules (every status) and their figures; ``report``
    (default: :func:`graph_report`) gives each module its findings."""
    report = report if report is not None else graph_report()
    from kampus.progress.models import Feedback

    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.slug)).all()
    modules = db.session.scalars(
        select(Module)
        .options(selectinload(Module.sections), selectinload(Module.questions))
        .order_by(Module.position, Module.slug)
    ).all()
    questions, sections = _counts(Question), _counts(Section)
    has_comment = func.length(func.trim(Feedback.comment)) > 0
    ratings = {
        module_id: (avg, n, comments)
        for module_id, avg, n, comments in db.session.execute(
            select(
                Feedback.module_id,
                func.avg(Feedback.rating),
                func.count(Feedback.id),
                func.count(Feedback.id).filter(has_comment),
            ).group_by(Feedback.module_id)
        )
    }
    by_theme: dict[int, list[ModuleRow]] = {t.id: [] for t in themes}
    for module in modules:
        avg, n, comments = ratings.get(module.id, (None, 0, 0))
        record = module_record(module, "")
        completeness = {lang: languages.completeness(record, lang) for lang in LANGUAGES}
        by_theme.setdefault(module.theme_id, []).append(
            ModuleRow(
                module,
                questions.get(module.id, 0),
                sections.get(module.id, 0),
                round(float(avg), 1) if avg is not None else None,
                n,
                comments,
                completeness,
                findings_naming(report, module.slug),
            )
        )
    return [ThemeBlock(t, by_theme.get(t.id, [])) for t in themes]


def graph_report() -> Report:
    """The whole catalogue's validation (errors and warnings)."""
    modules, edges = engine_rows()
    return validate(modules, edges)


def latest_comments(limit: int = 20, module_id: int | None = None) -> list[tuple]:
    """The newest non-empty comments: (feedback, module slug, module title)."""
    from kampus.progress.models import Feedback

    query = (
        select(Feedback, Module.slug, Module.title)
        .join(Module, Feedback.module_id == Module.id)
        .where(func.length(func.trim(Feedback.comment)) > 0)
        .order_by(Feedback.updated_at.desc(), Feedback.id.desc())
        .limit(limit)
    )
    if module_id is not None:
        query = query.where(Feedback.module_id == module_id)
    return list(db.session.execute(query).all())
