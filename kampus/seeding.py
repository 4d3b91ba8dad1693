"""Loading ``seed/``: the catalogue (through the import service and its module
writer, so the seed obeys the same validation and lifecycle rules and keeps
question and section ids) and, with ``--demo``, demo organisations, people and
progress. Idempotent: seeding twice changes nothing.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from kampus.catalogue.importer import ImportPlan, apply_import, plan_import
from kampus.catalogue.loader import CatalogueFileError, read_catalogue
from kampus.errors import DomainError

DEMO_LOADERS = ("kampus.orgs.demo", "kampus.paths.demo", "kampus.credentials.demo")


class SeedError(Exception):
    """The seed files are broken; the message lists every problem."""


def seed_catalogue(seed_dir: Path) -> ImportPlan:
    """Load ``seed_dir/catalogue`` into the database (flush only; the caller commits)."""
    try:
        data = read_catalogue(Path(seed_dir) / "catalogue")
    except CatalogueFileError as exc:
        raise SeedError(str(exc)) from exc
    plan = plan_import(data, source="seed/catalogue")
    if not plan.ok:
        raise SeedError("\n".join(str(e) for e in plan.errors))
    try:
        return apply_import(plan, source="seed")
    except DomainError as exc:
        raise SeedError(str(exc)) from exc


def seed_templates(seed_dir: Path) -> str:
    """Load ``seed_dir/templates.yaml`` (network-wide path templates) by slug; flush only."""
    import yaml

    from kampus.assignments.services import seed_templates as load
    from kampus.errors import DomainError

    path = Path(seed_dir) / "templates.yaml"
    if not path.exists():
        return "templates: none"
    try:
        records = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("templates") or []
        counts = load(records)
    except (yaml.YAMLError, DomainError) as exc:
        raise SeedError(str(exc)) from exc
    return "templates: " + ", ".join(f"{key} {value}" for key, value in counts.items())


def seed_demo(seed_dir: Path) -> list[str]:
    """Load the demo data of every feature that has some; returns what each loader reported."""
    reports = []
    for name in DEMO_LOADERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        reports.append(module.seed_demo(Path(seed_dir)))
    return [r for r in reports if r]
