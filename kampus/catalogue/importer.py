"""Import and export of the catalogue (also the seed): validate everything
first, then write all or nothing.

An import is merged into the current catalogue by slug: themes and modules in
the file are added or updated (a module is never deleted or renamed; retire it
instead). Each module is written by
:func:`kampus.catalogue.writer.apply_module_content`, the editor's own write
path, so its lifecycle rules hold here too (and are checked in the plan, before
anything is written), and question and section ids stay where the content is the
same item. The prerequisites of every module in the file become exactly those
the file lists for it; edges to modules not in the file are added. The merged
catalogue must pass the engine's validation (no unknown module, no cycle)
before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kampus.catalogue.loader import CatalogueData, LoadError
from kampus.catalogue.models import Module, Prerequisite, Theme
from kampus.catalogue.services import raise_version_once
from kampus.catalogue.writer import (
    ModuleWrite,
    apply_module_content,
    check_lifecycle,
    module_record,
    same_content,
    write_batch,
)
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.graph import Finding, validate
from kampus.graph.prereqs import ARROW, edge_name


@dataclass
class ImportPlan:
    data: CatalogueData
    source: str
    errors: list[LoadError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    added: dict = field(default_factory=lambda: {"themes": 0, "modules": 0, "prerequisites": 0})
    updated: dict = field(default_factory=lambda: {"themes": 0, "modules": 0})
    unchanged: dict = field(default_factory=lambda: {"themes": 0, "modules": 0, "prerequisites": 0})
    removed: dict = field(default_factory=lambda: {"prerequisites": 0})

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return sum(self.added.values()) + sum(self.updated.values()) + sum(self.removed.values())

    def summary(self) -> str:
        return (
            f"added: {self.added['themes']} themes, {self.added['modules']} modules, "
            f"{self.added['prerequisites']} prerequisites; "
            f"updated: {self.updated['themes']} themes, {self.updated['modules']} modules; "
            f"removed: {self.removed['prerequisites']} prerequisites; "
            f"unchanged: {self.unchanged['themes']} themes, {self.unchanged['modules']} modules, "
            f"{self.unchanged['prerequisites']} prerequisites"
        )


# --- export ------------------------------------------------------------------


def theme_record(theme: Theme) -> dict:
    return {
        "slug": theme.slug,
        "position": theme.position,
        "title": dict(theme.title),
        "description": dict(theme.description or {}),
    }


def export_catalogue() -> CatalogueData:
    """The whole catalogue (every status) in the import format."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    slug_of_theme = {t.id: t.slug for t in themes}
    modules = db.session.scalars(
        select(Module)
        .options(selectinload(Module.sections), selectinload(Module.questions))
        .join(Theme)
        .order_by(Theme.position, Module.position, Module.slug)
    ).all()
    slug_of_module = {m.id: m.slug for m in modules}
    edges = db.session.scalars(select(Prerequisite)).all()
    prerequisites = sorted(
        ({"before": slug_of_module[e.before_id], "after": slug_of_module[e.after_id], "kind": e.kind} for e in edges),
        key=lambda e: (e["after"], e["before"]),
    )
    return CatalogueData(
        themes=[theme_record(t) for t in themes],
        modules=[module_record(m, slug_of_theme[m.theme_id]) for m in modules],
        prerequisites=prerequisites,
    )


# --- import --------------------------------------------------------------------


def plan_import(data: CatalogueData, source: str = "import") -> ImportPlan:
    """Compare ``data`` with the catalogue and validate the merged result; writes nothing.

    Every problem is a :class:`LoadError` naming the file (``data.sources``, else
    ``source``), the item (a slug, or an edge ``a → b``) and the field.
    """
    plan = ImportPlan(data=data, source=source)
    current = export_catalogue()
    themes_now = {t["slug"]: t for t in current.themes}
    modules_now = {m["slug"]: m for m in current.modules}
    rejected = {slug for kind, slug in data.rejected if kind == "module"}

    for theme in data.themes:
        _count(plan, "themes", themes_now.get(theme["slug"]), theme)
    theme_slugs = set(themes_now) | {t["slug"] for t in data.themes} | {s for k, s in data.rejected if k == "theme"}
    for module in data.modules:
        if module["theme"] not in theme_slugs:
            plan.errors.append(
                LoadError(
                    data.sources.get(("module", module["slug"]), source),
                    module["slug"],
                    "theme",
                    _(
                        "unknown theme %(theme)s; add it to themes or use an existing theme's slug",
                        theme=repr(module["theme"]),
                    ),
                )
            )
        before = modules_now.get(module["slug"])
        _count(plan, "modules", before, before if same_content(before, module) else module)
        try:
            check_lifecycle(modules_now.get(module["slug"]), module)
        except DomainError as refused:
            plan.errors.append(
                LoadError(
                    data.sources.get(("module", module["slug"]), source),
                    module["slug"],
                    refused.field or "-",
                    refused.message,
                )
            )

    merged_modules = dict(modules_now)
    merged_modules.update({m["slug"]: m for m in data.modules})
    in_file = {m["slug"] for m in data.modules}
    file_pairs = {(e["before"], e["after"]): e["kind"] for e in data.prerequisites}
    current_pairs = {(e["before"], e["after"]): e["kind"] for e in current.prerequisites}
    # The file's edges replace those of its modules; its edges into other modules are
    # added (or change the kind of the edge already there).
    kept = [
        e for e in current.prerequisites if e["after"] not in in_file and (e["before"], e["after"]) not in file_pairs
    ]
    merged_edges = kept + list(data.prerequisites)
    for pair, kind in file_pairs.items():
        if pair not in current_pairs:
            plan.added["prerequisites"] += 1
        elif current_pairs[pair] != kind:
            plan.added["prerequisites"] += 1
            plan.removed["prerequisites"] += 1
        else:
            plan.unchanged["prerequisites"] += 1
    plan.removed["prerequisites"] += sum(
        1 for e in current.prerequisites if e["after"] in in_file and (e["before"], e["after"]) not in file_pairs
    )

    theme_position = {t["slug"]: t["position"] for t in current.themes}
    theme_position.update({t["slug"]: t["position"] for t in data.themes})
    engine_modules = [
        {
            "slug": m["slug"],
            "theme": m["theme"],
            "theme_position": theme_position.get(m["theme"], 0),
            "position": m["position"],
            "level": m["level"],
            "minutes": m["minutes"],
            "status": m["status"],
        }
        for m in merged_modules.values()
    ]
    # Refused modules still count as modules here: their own errors are reported already.
    engine_modules += [
        {
            "slug": slug,
            "theme": None,
            "theme_position": 0,
            "position": 0,
            "level": None,
            "minutes": 0,
            "status": "draft",
        }
        for slug in sorted(rejected - set(merged_modules))
    ]
    report = validate(engine_modules, merged_edges)
    for finding in report.errors:
        plan.errors.append(_graph_error(data, finding, source))
    plan.warnings = [f.message for f in report.warnings]
    return plan


UNKNOWN_END = re.compile(r"unknown module: (\S+);")


def _graph_error(data: CatalogueData, finding: Finding, default: str) -> LoadError:
    """A validation finding as a :class:`LoadError` naming the file and the edge to fix.

    A cycle is blamed on its first edge that comes from the file (the catalogue
    itself is acyclic, so the file closed the loop); an unknown module on the end
    (``before`` or ``after``) that names it.
    """
    item, where = finding.subject or "-", "prerequisites"
    if finding.code == "cycle":
        loop = finding.message.removeprefix("cycle: ").split(ARROW)
        edges = [edge_name(a, b) for a, b in zip(loop, loop[1:], strict=False)]
        item = next((e for e in edges if ("prerequisite", e) in data.sources), item)
    elif finding.code == "unknown_module":
        match = UNKNOWN_END.search(finding.message)
        before, _arrow, after = item.partition(ARROW)
        if match and match.group(1) == before:
            where = "before"
        elif match and match.group(1) == after:
            where = "after"
    elif finding.code == "duplicate_module":
        where = "slug"
    file = data.sources.get(("prerequisite", item)) or data.sources.get(("module", item), default)
    return LoadError(file, item, where, graph_message(finding))


DUPLICATE_MODULE = re.compile(r"is defined (\d+) times")
DUPLICATE_EDGE = re.compile(r"is listed (\d+) times \(as ([^)]*)\)")


def graph_message(finding: Finding) -> str:
    """An engine finding (English, from the pure engine) in the reader's language, by its code."""
    subject = finding.subject or "-"
    before, _arrow, after = subject.partition(ARROW)
    if finding.code == "cycle":
        return _("cycle: %(cycle)s", cycle=finding.message.removeprefix("cycle: "))
    if finding.code == "unknown_module":
        match = UNKNOWN_END.search(finding.message)
        end = match.group(1) if match else subject
        return _(
            "prerequisite %(edge)s names an unknown module: %(slug)s; create the module %(slug)s or remove "
            "the prerequisite",
            edge=subject,
            slug=end,
        )
    if finding.code == "self_loop":
        return _(
            "module %(slug)s cannot be its own prerequisite (%(edge)s); remove the prerequisite",
            slug=before,
            edge=subject,
        )
    if finding.code == "duplicate_edge" and (match := DUPLICATE_EDGE.search(finding.message)):
        return _(
            "prerequisite %(edge)s is listed %(num)s times (as %(kinds)s); keep one",
            edge=subject,
            num=match.group(1),
            kinds=match.group(2),
        )
    if finding.code == "duplicate_module" and (match := DUPLICATE_MODULE.search(finding.message)):
        return _("module %(slug)s is defined %(num)s times; a slug names one module", slug=subject, num=match.group(1))
    return finding.message


def _count(plan: ImportPlan, key: str, before: dict | None, after: dict | None) -> None:
    if before is None:
        plan.added[key] += 1
    elif before != after:
        plan.updated[key] += 1
    else:
        plan.unchanged[key] += 1


#: Modules written between two calls of an import's ``progress`` callback.
PROGRESS_EVERY = 100


def apply_import(
    plan: ImportPlan, *, actor=None, source: str = "import", progress: Callable[[int, int], None] | None = None
) -> ImportPlan:
    """Write a valid plan (flush, no commit); raises ValueError for a plan with errors.

    ``progress(done, total)`` is told the modules written so far after every
    :data:`PROGRESS_EVERY` modules and once at the end (an import job's bar).

    ``actor`` (None from the command line) and ``source`` (``import`` or ``seed``)
    go to the module writer, which writes the audit entries; the catalogue version
    rises once. A :class:`DomainError` from the writer (the catalogue moved since
    the plan) leaves the caller to roll back: nothing is half written after that.
    """
    if not plan.ok:
        raise ValueError("refusing to apply an import with errors")
    if plan.changes == 0:
        return plan
    data = plan.data
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    for record in data.themes:
        theme = themes.get(record["slug"]) or Theme(slug=record["slug"])
        theme.position, theme.title, theme.description = record["position"], record["title"], record["description"]
        db.session.add(theme)
        themes[theme.slug] = theme
    db.session.flush()

    modules = {
        m.slug: m
        for m in db.session.scalars(
            select(Module).options(
                selectinload(Module.theme), selectinload(Module.sections), selectinload(Module.questions)
            )
        )
    }
    total = len(data.modules)
    batch: list[ModuleWrite] = []
    for done, record in enumerate(data.modules, start=1):
        written = apply_module_content(
            modules.get(record["slug"]), record, actor=actor, source=source, themes=themes, batch=True
        )
        modules[record["slug"]] = written.module
        batch.append(written)
        if done % PROGRESS_EVERY == 0 or done == total:
            write_batch(batch)  # new modules, their items, search rows and audit entries: one insert each
            batch.clear()
            if progress is not None:
                progress(done, total)
    db.session.flush()

    in_file = {m["slug"] for m in data.modules}
    existing = {(e.before_id, e.after_id): e for e in db.session.scalars(select(Prerequisite))}
    wanted = {}
    for e in data.prerequisites:
        wanted[(modules[e["before"]].id, modules[e["after"]].id)] = e["kind"]
    in_file_ids = {modules[s].id for s in in_file}
    for pair, edge in existing.items():
        if pair[1] in in_file_ids and pair not in wanted:
            db.session.delete(edge)
    for pair, kind in wanted.items():
        found = existing.get(pair)
        if found is None:
            db.session.add(Prerequisite(before_id=pair[0], after_id=pair[1], kind=kind))
        elif found.kind != kind:
            found.kind = kind
    db.session.flush()
    raise_version_once()
    return plan
