"""``kampus seed`` and ``kampus catalogue export|import``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from kampus.errors import DomainError
from kampus.extensions import db

SEED_DIR = Path(__file__).resolve().parent.parent.parent / "seed"


@click.command("seed")
@click.option("--demo", is_flag=True, help="Also load demo organisations, people and progress.")
@click.option(
    "--path",
    "seed_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=SEED_DIR,
    show_default=True,
    help="The seed folder.",
)
@with_appcontext
def seed_command(demo: bool, seed_dir: Path) -> None:
    """Load the seed catalogue (idempotent; updates by slug)."""
    from kampus.seeding import SeedError, seed_catalogue, seed_demo, seed_templates

    try:
        with force_locale("en"):  # the command speaks English, the loader's refusals too (as import does)
            plan = seed_catalogue(seed_dir)
        click.echo("catalogue: " + plan.summary())
        for warning in plan.warnings:
            click.echo(f"warning: {warning}")
        click.echo(seed_templates(seed_dir))
        if demo:
            for report in seed_demo(seed_dir):
                click.echo(report)
        db.session.commit()
    except SeedError as exc:
        db.session.rollback()
        click.echo(f"seed refused, nothing written:\n{exc}", err=True)
        sys.exit(1)


@click.group("catalogue")
def catalogue_group() -> None:
    """Import and export the catalogue as YAML (the seed format)."""


@catalogue_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["yaml", "case"]),
    default="yaml",
    show_default=True,
    help="yaml: the whole catalogue in the seed format; case: the published catalogue as a CASE 1.0 CFPackage (JSON).",
)
@with_appcontext
def export_command(file: Path, file_format: str) -> None:
    """Write the whole catalogue to FILE."""
    if file_format == "case":
        _export_case(file)
        return
    from kampus.catalogue.importer import export_catalogue
    from kampus.catalogue.loader import dump_catalogue

    data = export_catalogue()
    file.write_text(dump_catalogue(data), encoding="utf-8")
    click.echo(
        f"exported {len(data.themes)} themes, {len(data.modules)} modules, "
        f"{len(data.prerequisites)} prerequisites to {file}"
    )


def _export_case(file: Path) -> None:
    import json

    from flask import current_app

    from kampus.case.services import case_package

    package = case_package(current_app.config["KAMPUS_BASE_URL"])
    file.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    kinds = [a["associationType"] for a in package["CFAssociations"]]
    click.echo(
        f"exported CASE CFPackage {package['CFDocument']['identifier']}: {len(package['CFItems'])} items, "
        f"{kinds.count('isChildOf')} isChildOf and {kinds.count('precedes')} precedes associations to {file}"
    )


@catalogue_group.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and print what would change; write nothing.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["yaml", "case"]),
    default="yaml",
    show_default=True,
    help="yaml: the seed format; case: a CASE 1.0 CFPackage (JSON) such as export --format case writes.",
)
@with_appcontext
def import_command(file: Path, dry_run: bool, file_format: str) -> None:
    """Validate FILE (or a folder of *.yaml) and apply it all or nothing."""
    with force_locale("en"):  # the command speaks English, the writer's refusals too
        if file_format == "case":
            _import_case(file, dry_run)
        else:
            _import(file, dry_run)


def _import(file: Path, dry_run: bool) -> None:
    from kampus.catalogue.importer import apply_import, plan_import
    from kampus.catalogue.loader import CatalogueFileError, read_catalogue

    try:
        data, errors = read_catalogue(file), []
    except CatalogueFileError as exc:
        if exc.data is None:  # a file is no catalogue at all: its edges are unknown
            _refuse([str(e) for e in exc.errors])
        data, errors = exc.data, list(exc.errors)
    plan = plan_import(data, source=file.name)
    # Report the graph's problems too, but not twice what a field error said already.
    reported = {(e.file, e.item, e.field) for e in errors}
    errors += [e for e in plan.errors if (e.file, e.item, e.field) not in reported]
    if errors:
        _refuse([str(e) for e in errors])
    for warning in plan.warnings:
        click.echo(f"warning: {warning}")
    if dry_run:
        click.echo("dry run, nothing written: " + plan.summary())
        return
    try:
        apply_import(plan, source="import")
    except DomainError as refused:  # the checked plan met a rule on writing
        _refuse([f"{file.name}: -: {refused.field or '-'}: {refused.message}"])
    db.session.commit()
    click.echo("imported: " + plan.summary())


def _import_case(file: Path, dry_run: bool) -> None:
    import json

    from kampus.case.importer import plan_case_import
    from kampus.catalogue.importer import apply_import
    from kampus.errors import ValidationFailed

    try:
        package = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _refuse([f"{file.name}: -: -: cannot read the file as CASE JSON ({exc})"])
    if not isinstance(package, dict):
        _refuse([f"{file.name}: -: -: a CASE package is a JSON object with CFDocument, CFItems and CFAssociations"])
    try:
        plan = plan_case_import(package, source=file.name)
    except ValidationFailed as exc:
        _refuse([str(e) for e in exc.errors])
    for warning in plan.warnings:
        click.echo(f"warning: {warning}")
    if dry_run:
        click.echo("dry run, nothing written: " + plan.summary())
        return
    apply_import(plan)
    db.session.commit()
    click.echo("imported: " + plan.summary())


def _refuse(errors: list[str]) -> NoReturn:
    db.session.rollback()
    click.echo(f"import refused, nothing written ({len(errors)} error(s)):", err=True)
    for error in errors:
        click.echo(f"  {error}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(catalogue_group)
