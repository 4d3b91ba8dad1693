"""Catalogue import and export in the browser, through the catalogue's own importer.

An upload is checked as a dry run (:func:`dry_run`: parse, then
:func:`kampus.catalogue.importer.plan_import`) and applied all or nothing by
:func:`apply` after the author confirms. The uploaded text travels between the
two steps in the confirm form (not the cookie session, which is too small), with
the catalogue version seen at the dry run: if the catalogue moved in between,
the import is checked again instead of applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from kampus.catalogue import audit
from kampus.catalogue.importer import ImportPlan, apply_import, export_catalogue, plan_import, theme_record
from kampus.catalogue.loader import CatalogueData, LoadError, dump_catalogue, parse_text
from kampus.catalogue.models import Theme
from kampus.catalogue.services import current_version
from kampus.extensions import db

MAX_BYTES = 2 * 1024 * 1024


@dataclass
class DryRun:
    plan: ImportPlan | None
    errors: list[LoadError] = field(default_factory=list)
    version: int = 0

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.errors

    @property
    def warnings(self) -> list[str]:
        return self.plan.warnings if self.plan else []


def decode(raw: bytes, name: str) -> tuple[str | None, list[LoadError]]:
    """The upload as text, or an error naming the file."""
    if len(raw) > MAX_BYTES:
        return None, [LoadError(name, "-", "-", _("the file is larger than 2 MB"))]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        return None, [
            LoadError(name, "-", "-", _("cannot read the file as UTF-8 text (%(reason)s)", reason=exc.reason))
        ]


def dry_run(text: str, name: str) -> DryRun:
    """Check ``text`` as a catalogue file against the current catalogue; writes nothing."""
    data, errors = CatalogueData(), list[LoadError]()
    if not parse_text(text, name, data, errors):
        return DryRun(None, errors, current_version())
    plan = plan_import(data, source=name)
    # The graph checks run on what could be read; do not report a field's problem twice.
    reported = {(e.file, e.item, e.field) for e in errors}
    errors += [e for e in plan.errors if (e.file, e.item, e.field) not in reported]
    return DryRun(plan, errors, current_version())


def apply(actor, run: DryRun, *, progress=None) -> ImportPlan:
    """Write a checked import all at once: the module writer audits each changed module;
    here, one entry per changed theme plus a summary. ``progress(done, total)``: modules
    written so far, as :func:`kampus.catalogue.importer.apply_import` reports them."""
    plan = run.plan
    if not run.ok or plan is None:
        raise ValueError("refusing to apply an import with errors")
    data = plan.data
    before = _theme_records()
    apply_import(plan, actor=actor, source="import", progress=progress)
    if plan.changes:
        _audit_themes(actor, before, _theme_records(), {t["slug"] for t in data.themes})
        audit.record(
            actor,
            "catalogue.import",
            changes={
                "added": {"before": None, "after": plan.added},
                "updated": {"before": None, "after": plan.updated},
                "removed": {"before": None, "after": plan.removed},
            },
        )
    return plan


def _theme_records() -> list[dict]:
    return [theme_record(t) for t in db.session.scalars(select(Theme))]


def _audit_themes(actor, before: list[dict], after: list[dict], slugs: set[str]) -> None:
    old = {item["slug"]: item for item in before}
    new = {item["slug"]: item for item in after}
    for slug in sorted(slugs):
        changes = audit.diff(old.get(slug), new.get(slug))
        if changes:
            audit.record(actor, "theme.update", theme_slug=slug, changes=changes)


def export_text() -> str:
    """The whole catalogue as YAML in the seed format."""
    return dump_catalogue(export_catalogue())
