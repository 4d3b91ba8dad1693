"""The catalogue as a CASE 1.0 CFPackage: a pure mapping from plain catalogue
records to the JSON of the CASE REST binding (no Flask, no SQLAlchemy).

The network catalogue is one ``CFDocument``. Every theme and every published
module is a ``CFItem`` (``CFItemType`` "Theme" or "Module"); ``isChildOf``
associations place a module under its theme and a theme under the document,
their ``sequenceNumber`` being the position; a prerequisite "A before B" is
``A precedes B``, its kind (required or recommended) given by the association's
``CFAssociationGroupingURI``, one of two ``CFAssociationGroupings``. Groupings
are the CASE 1.0 way to qualify associations; ``extensions`` only arrived in
CASE 1.1, so a 1.0 client (OpenSALT) still sees the kind.

What CASE has no field for (the slug, the Swedish and English texts, the level,
minutes and target groups) goes in each item's ``extensions["kampus"]``, so
:mod:`kampus.case.importer` can rebuild the catalogue from a package.

Identifiers: documents, items and prerequisites carry UUIDs kept in the
database; everything else (the child associations, the item types, the
groupings) is a UUID 5 derived from the document's identifier and the
identifiers it joins, so it is as stable as they are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PREFIX = "/ims/case/v1p0"
KINDS = ("required", "recommended")
EPOCH = datetime(1970, 1, 1)

DOCUMENT_TITLE = "Kampus – ammatillisen koulutuksen henkilöstön digiosaamisen moduulit ja niiden edellytykset"
DOCUMENT_DESCRIPTION = (
    "Virtuaalikampuksen osaamiskatalogi: digitalisaation teemat, niiden moduulit ja moduulien väliset "
    "edellytykset (A ennen B). Julkaistut moduulit."
)
CREATOR = "Kampus"

ITEM_TYPES = {
    "Theme": {
        "hierarchyCode": "1",
        "typeCode": "theme",
        "description": "A digitalisation theme of the network catalogue; its modules are its children.",
    },
    "Module": {
        "hierarchyCode": "2",
        "typeCode": "module",
        "description": "A study module: material, an optional self-check and a reflection.",
    },
}
GROUPINGS = {
    "required": ("Required prerequisite", "A precedes B and gates it: B is locked until A is completed or recognised."),
    "recommended": ("Recommended prerequisite", "A precedes B as a suggested order only: B is not locked."),
}


@dataclass(frozen=True)
class ThemeRecord:
    uuid: str
    slug: str
    position: int
    title: dict
    description: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ModuleRecord:
    uuid: str
    slug: str
    theme: str  # the theme's slug
    position: int
    title: dict
    summary: dict
    level: str
    minutes: int
    target_groups: list
    competences: list
    changed: datetime


@dataclass(frozen=True)
class PrerequisiteRecord:
    uuid: str
    before: str  # module slugs
    after: str
    kind: str


@dataclass(frozen=True)
class CaseCatalogue:
    """What the export needs: the document's identifier, the catalogue version,
    every theme, the published modules and the prerequisites between them."""

    document_uuid: str
    version: int
    themes: list[ThemeRecord]
    modules: list[ModuleRecord]
    prerequisites: list[PrerequisiteRecord]


def derived_uuid(document_uuid: str, *parts: str) -> str:
    """A UUID 5 in the document's namespace: the same parts always give the same identifier."""
    return str(uuid.uuid5(uuid.UUID(document_uuid), ":".join(parts)))


def grouping_uuid(document_uuid: str, kind: str) -> str:
    return derived_uuid(document_uuid, "CFAssociationGrouping", kind)


def item_type_uuid(document_uuid: str, name: str) -> str:
    return derived_uuid(document_uuid, "CFItemType", name)


def child_association_uuid(document_uuid: str, child: str, parent: str) -> str:
    return derived_uuid(document_uuid, "isChildOf", child, parent)


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as CASE's ``lastChangeDateTime`` wants (naive datetimes are UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "+00:00"


def shorten(text: str, limit: int = 60) -> str:
    """The text itself when short, else cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def build_package(catalogue: CaseCatalogue, base_url: str) -> dict:
    """The whole catalogue as a CFPackage dict (``CFDocument``, ``CFItems``,
    ``CFAssociations``, ``CFDefinitions``). ``base_url`` has no trailing slash."""
    return _Builder(catalogue, base_url.rstrip("/")).package()


class _Builder:
    def __init__(self, catalogue: CaseCatalogue, base_url: str):
        self.c = catalogue
        self.base = base_url
        self.doc_id = catalogue.document_uuid
        self.modules_of: dict[str, list[ModuleRecord]] = {}
        for module in sorted(catalogue.modules, key=lambda m: (m.position, m.slug)):
            self.modules_of.setdefault(module.theme, []).append(module)
        self.themes = sorted(catalogue.themes, key=lambda t: (t.position, t.slug))
        self.theme_by_slug = {t.slug: t for t in self.themes}
        self.module_by_slug = {m.slug: m for m in catalogue.modules}
        latest = max((m.changed for m in catalogue.modules), default=EPOCH)
        self.document_changed = latest
        self.theme_changed = {
            t.slug: max((m.changed for m in self.modules_of.get(t.slug, [])), default=latest) for t in self.themes
        }

    # --- links ---------------------------------------------------------------

    def api(self, collection: str, identifier: str) -> str:
        return f"{self.base}{PREFIX}/{collection}/{identifier}"

    def document_link(self) -> dict:
        return {"title": DOCUMENT_TITLE, "identifier": self.doc_id, "uri": self.api("CFDocuments", self.doc_id)}

    def theme_link(self, theme: ThemeRecord) -> dict:
        return {"title": theme.title["fi"], "identifier": theme.uuid, "uri": f"{self.base}/themes/{theme.slug}"}

    def module_link(self, module: ModuleRecord) -> dict:
        return {"title": module.title["fi"], "identifier": module.uuid, "uri": f"{self.base}/modules/{module.slug}"}

    def item_type_link(self, name: str) -> dict:
        identifier = item_type_uuid(self.doc_id, name)
        return {"title": name, "identifier": identifier, "uri": self.api("CFItemTypes", identifier)}

    def grouping_link(self, kind: str) -> dict:
        identifier = grouping_uuid(self.doc_id, kind)
        return {
            "title": GROUPINGS[kind][0],
            "identifier": identifier,
            "uri": self.api("CFAssociationGroupings", identifier),
        }

    # --- the package ---------------------------------------------------------

    def package(self) -> dict:
        return {
            "CFDocument": self.document(),
            "CFItems": self.items(),
            "CFAssociations": self.associations(),
            "CFDefinitions": self.definitions(),
        }

    def document(self) -> dict:
        return {
            "identifier": self.doc_id,
            "uri": self.api("CFDocuments", self.doc_id),
            "CFPackageURI": {
                "title": DOCUMENT_TITLE,
                "identifier": self.doc_id,
                "uri": self.api("CFPackages", self.doc_id),
            },
            "creator": CREATOR,
            "publisher": CREATOR,
            "title": DOCUMENT_TITLE,
            "description": DOCUMENT_DESCRIPTION,
            "officialSourceURL": f"{self.base}/",
            "language": "fi",
            "version": str(self.c.version),
            "adoptionStatus": "Adopted",
            "lastChangeDateTime": timestamp(self.document_changed),
        }

    def items(self) -> list[dict]:
        items = []
        for theme in self.themes:
            items.append(self.theme_item(theme))
            items.extend(self.module_item(m, theme) for m in self.modules_of.get(theme.slug, []))
        return items

    def theme_item(self, theme: ThemeRecord) -> dict:
        item = self._item(self.theme_link(theme), "Theme", theme.title, theme.description, str(theme.position))
        item["listEnumeration"] = str(theme.position)
        item["lastChangeDateTime"] = timestamp(self.theme_changed[theme.slug])
        item["extensions"] = {
            "kampus": {"slug": theme.slug, "title": dict(theme.title), "description": dict(theme.description)}
        }
        return item

    def module_item(self, module: ModuleRecord, theme: ThemeRecord) -> dict:
        item = self._item(
            self.module_link(module), "Module", module.title, module.summary, f"{theme.position}.{module.position}"
        )
        item["listEnumeration"] = str(module.position)
        if module.competences:
            item["conceptKeywords"] = [str(c) for c in module.competences]
        item["lastChangeDateTime"] = timestamp(module.changed)
        item["extensions"] = {
            "kampus": {
                "slug": module.slug,
                "title": dict(module.title),
                "summary": dict(module.summary),
                "level": module.level,
                "minutes": module.minutes,
                "targetGroups": list(module.target_groups),
            }
        }
        return item

    def _item(self, link: dict, item_type: str, title: dict, notes: dict, code: str) -> dict:
        item = {
            "identifier": link["identifier"],
            "uri": link["uri"],
            "CFDocumentURI": self.document_link(),
            "fullStatement": title["fi"],
            "abbreviatedStatement": shorten(title["fi"]),
            "humanCodingScheme": code,
            "language": "fi",
            "CFItemType": item_type,
            "CFItemTypeURI": self.item_type_link(item_type),
        }
        if title.get("sv"):
            item["alternativeLabel"] = title["sv"]
        if notes.get("fi"):
            item["notes"] = notes["fi"]
        return item

    def associations(self) -> list[dict]:
        associations = []
        document = self.document_link()
        for theme in self.themes:
            associations.append(
                self._association(
                    child_association_uuid(self.doc_id, theme.uuid, self.doc_id),
                    "isChildOf",
                    self.theme_link(theme),
                    document,
                    self.theme_changed[theme.slug],
                    sequence=theme.position,
                )
            )
        for theme in self.themes:
            for module in self.modules_of.get(theme.slug, []):
                associations.append(
                    self._association(
                        child_association_uuid(self.doc_id, module.uuid, theme.uuid),
                        "isChildOf",
                        self.module_link(module),
                        self.theme_link(theme),
                        module.changed,
                        sequence=module.position,
                    )
                )
        edges = [e for e in self.c.prerequisites if e.before in self.module_by_slug and e.after in self.module_by_slug]
        for edge in sorted(edges, key=lambda e: (e.after, e.before)):
            before, after = self.module_by_slug[edge.before], self.module_by_slug[edge.after]
            association = self._association(
                edge.uuid,
                "precedes",
                self.module_link(before),
                self.module_link(after),
                max(before.changed, after.changed),
            )
            association["CFAssociationGroupingURI"] = self.grouping_link(edge.kind)
            associations.append(association)
        return associations

    def _association(
        self,
        identifier: str,
        kind: str,
        origin: dict,
        destination: dict,
        changed: datetime,
        *,
        sequence: int | None = None,
    ) -> dict:
        association: dict[str, Any] = {
            "identifier": identifier,
            "uri": self.api("CFAssociations", identifier),
            "CFDocumentURI": self.document_link(),
            "associationType": kind,
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": timestamp(changed),
        }
        if sequence is not None:
            association["sequenceNumber"] = sequence
        return association

    def definitions(self) -> dict:
        changed = timestamp(EPOCH)  # the vocabularies are fixed in the code
        item_types = []
        for name, spec in ITEM_TYPES.items():
            link = self.item_type_link(name)
            item_types.append(
                {
                    "identifier": link["identifier"],
                    "uri": link["uri"],
                    "title": name,
                    "description": spec["description"],
                    "hierarchyCode": spec["hierarchyCode"],
                    "typeCode": spec["typeCode"],
                    "lastChangeDateTime": changed,
                }
            )
        groupings = []
        for kind in KINDS:
            link = self.grouping_link(kind)
            title, description = GROUPINGS[kind]
            groupings.append(
                {
                    "identifier": link["identifier"],
                    "uri": link["uri"],
                    "title": title,
                    "description": description,
                    "lastChangeDateTime": changed,
                }
            )
        return {"CFItemTypes": item_types, "CFAssociationGroupings": groupings}


def find(package: dict, collection: str, identifier: str) -> dict | None:
    """The entry of ``package`` with this identifier: ``collection`` is ``CFItems``,
    ``CFAssociations``, ``CFItemTypes`` or ``CFAssociationGroupings``."""
    entries = package.get(collection)
    if entries is None:
        entries = package.get("CFDefinitions", {}).get(collection, [])
    wanted = identifier.lower()
    return next((e for e in entries if e["identifier"].lower() == wanted), None)
