"""Reading the catalogue for the CASE export: the only adapter between the
catalogue's rows and :mod:`kampus.case.export` (four queries, whatever the size).

Only published modules are exported, and only prerequisites between two of
them; every theme is (themes have no status).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from kampus.case.export import (
    CaseCatalogue,
    ModuleRecord,
    PrerequisiteRecord,
    ThemeRecord,
    build_package,
    find,
)
from kampus.catalogue.models import CatalogueState, Module, Prerequisite, Theme
from kampus.errors import NotFound
from kampus.extensions import db


def document_uuid() -> str | None:
    """The network catalogue's CFDocument identifier (kept in the catalogue_state row)."""
    return db.session.scalar(select(CatalogueState.case_uuid).where(CatalogueState.id == 1))


def case_catalogue() -> CaseCatalogue:
    """The catalogue as the export's plain records. Raises NotFound when there is
    no catalogue state row (a database that was never migrated to head)."""
    state = db.session.scalar(select(CatalogueState).where(CatalogueState.id == 1))
    if state is None:
        raise NotFound("no catalogue document")
    themes = db.session.scalars(select(Theme).order_by(Theme.position, Theme.slug)).all()
    rows = db.session.execute(
        select(Module, Theme.slug).join(Theme, Module.theme_id == Theme.id).where(Module.status == "published")
    ).all()
    before, after = aliased(Module), aliased(Module)
    edges = db.session.execute(
        select(Prerequisite.case_uuid, before.slug, after.slug, Prerequisite.kind)
        .join(before, Prerequisite.before_id == before.id)
        .join(after, Prerequisite.after_id == after.id)
        .where(before.status == "published", after.status == "published")
    ).all()
    return CaseCatalogue(
        document_uuid=state.case_uuid,
        version=state.version,
        themes=[ThemeRecord(t.case_uuid, t.slug, t.position, dict(t.title), dict(t.description or {})) for t in themes],
        modules=[
            ModuleRecord(
                uuid=m.case_uuid,
                slug=m.slug,
                theme=theme_slug,
                position=m.position,
                title=dict(m.title),
                summary=dict(m.summary or {}),
                level=m.level,
                minutes=m.minutes,
                target_groups=list(m.target_groups or []),
                competences=list(m.competences or []),
                changed=m.updated_at,
            )
            for m, theme_slug in rows
        ],
        prerequisites=[PrerequisiteRecord(uuid, b, a, kind) for uuid, b, a, kind in edges],
    )


def case_package(base_url: str) -> dict:
    """The whole catalogue as a CASE CFPackage, links under ``base_url``."""
    return build_package(case_catalogue(), base_url)


def case_documents(base_url: str) -> list[dict]:
    """The CFDocuments this server offers: the one network catalogue."""
    return [case_package(base_url)["CFDocument"]]


def get_package(base_url: str, identifier: str) -> dict:
    """The package of the document ``identifier``; raises NotFound for any other identifier."""
    package = case_package(base_url)
    if package["CFDocument"]["identifier"].lower() != identifier.lower():
        raise NotFound(f"no CFDocument {identifier}")
    return package


def get_document(base_url: str, identifier: str) -> dict:
    return get_package(base_url, identifier)["CFDocument"]


def get_entry(base_url: str, collection: str, identifier: str) -> dict:
    """One CFItem, CFAssociation, CFItemType or CFAssociationGrouping; raises NotFound."""
    entry = find(case_package(base_url), collection, identifier)
    if entry is None:
        raise NotFound(f"no {collection[:-1]} {identifier}")
    return entry
