"""Reading a CASE 1.0 CFPackage back into the catalogue.

:func:`package_records` turns a package into catalogue records in the import
format (pure); :func:`import_case_package` checks them with the catalogue
loader's field rules and writes them through the catalogue's own import
service (:func:`kampus.catalogue.importer.plan_import` then ``apply_import``),
so no rule of the catalogue is written twice here.

What a package gives back: every theme, every module (as published: only
published modules are exported), and the prerequisites with their kinds. The
material (sections, self-checks, reflections) is not part of the public CASE
export, so imported modules have none. The catalogue assigns its own CASE
identifiers to the new rows.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

from kampus.case.export import KINDS, grouping_uuid
from kampus.catalogue.importer import ImportPlan, apply_import, plan_import
from kampus.catalogue.loader import CatalogueData, LoadError, parse_text
from kampus.errors import ValidationFailed


def package_records(package: dict, source: str = "CASE package") -> tuple[dict, list[LoadError]]:
    """The package as ``{themes, modules, prerequisites}`` records, and the problems
    that stop a record from being built (each naming the item and the field)."""
    errors: list[LoadError] = []
    document = package.get("CFDocument") or {}
    document_id = str(document.get("identifier", ""))
    items = {str(i.get("identifier", "")).lower(): i for i in package.get("CFItems") or []}
    kind_of_grouping = {}
    if document_id:
        try:
            kind_of_grouping = {grouping_uuid(document_id, kind): kind for kind in KINDS}
        except ValueError:
            errors.append(LoadError(source, "CFDocument", "identifier", f"not a UUID: {document_id!r}"))

    def slug_of(item: dict) -> str:
        slug = (item.get("extensions") or {}).get("kampus", {}).get("slug")
        return slug or urlparse(item.get("uri", "")).path.rstrip("/").rsplit("/", 1)[-1]

    def target(link: dict | None) -> dict | None:
        return items.get(str((link or {}).get("identifier", "")).lower())

    themes, modules, prerequisites = {}, {}, []
    parent: dict[str, tuple[dict | None, int | None]] = {}
    for association in package.get("CFAssociations") or []:
        origin = target(association.get("originNodeURI"))
        destination = target(association.get("destinationNodeURI"))
        kind = association.get("associationType")
        if kind == "isChildOf" and origin is not None:
            parent[origin["identifier"].lower()] = (destination, association.get("sequenceNumber"))
        elif kind == "precedes" and origin is not None and destination is not None:
            grouping = str((association.get("CFAssociationGroupingURI") or {}).get("identifier", "")).lower()
            # A precedes without our grouping only orders: it must not lock anyone out.
            prerequisites.append(
                {
                    "before": slug_of(origin),
                    "after": slug_of(destination),
                    "kind": kind_of_grouping.get(grouping, "recommended"),
                }
            )

    for key, item in items.items():
        item_type = str(item.get("CFItemType", "")).lower()
        extra = (item.get("extensions") or {}).get("kampus", {})
        slug = slug_of(item)
        up, sequence = parent.get(key, (None, None))
        position = sequence if sequence is not None else _int(item.get("listEnumeration"))
        if item_type == "theme":
            themes[key] = {
                "slug": slug,
                "position": position,
                "title": extra.get("title") or {"fi": item.get("fullStatement")},
                "description": extra.get("description") or ({"fi": item["notes"]} if item.get("notes") else {}),
            }
        elif item_type == "module":
            if up is None or str(up.get("CFItemType", "")).lower() != "theme":
                errors.append(LoadError(source, slug, "theme", "the module is no child (isChildOf) of a theme item"))
            modules[key] = {
                "slug": slug,
                "theme": slug_of(up) if up else None,
                "position": position,
                "title": extra.get("title") or {"fi": item.get("fullStatement")},
                "summary": extra.get("summary") or ({"fi": item["notes"]} if item.get("notes") else {}),
                "level": extra.get("level"),
                "minutes": extra.get("minutes"),
                "target_groups": extra.get("targetGroups") or [],
                "competences": item.get("conceptKeywords") or [],
                # A CASE framework carries no material, and a module is published only with
                # material (the writer's one lifecycle rule): imported modules arrive as drafts.
                "status": "draft",
            }
        else:
            errors.append(
                LoadError(source, slug, "CFItemType", f"expected Theme or Module (got {item.get('CFItemType')!r})")
            )
    records = {"themes": list(themes.values()), "modules": list(modules.values()), "prerequisites": prerequisites}
    return records, errors


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def plan_case_import(package: dict, source: str = "CASE package") -> ImportPlan:
    """Check a CFPackage against the catalogue (merged by slug, like a YAML import)
    and return the catalogue import's plan; writes nothing. Raises
    :class:`ValidationFailed` listing every problem (item and field named)."""
    records, errors = package_records(package, source)
    data = CatalogueData()
    # The loader's own field rules check the records (JSON is YAML): no rule written twice.
    parse_text(json.dumps(records, ensure_ascii=False), source, data, errors)
    if not errors:
        plan = plan_import(data, source=source)
        errors = list(plan.errors)
    if errors:
        raise ValidationFailed(
            f"the CASE package cannot be imported ({len(errors)} problem(s)): " + "; ".join(str(e) for e in errors[:5]),
            errors,
        )
    return plan


def import_case_package(package: dict, source: str = "CASE package") -> ImportPlan:
    """Load a CFPackage into the catalogue through the catalogue's import service
    (flush, no commit); returns the applied plan. Raises :class:`ValidationFailed`,
    having written nothing, when the package cannot be imported."""
    return apply_import(plan_case_import(package, source))
