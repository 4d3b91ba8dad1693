"""``kampus seed`` and ``kampus catalogue export|import``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from kampus.errors import DomainError
from kampus.extensions import db

SEED_DIR = Path(__file__).resolve().parent.parent.parent / "seed"


@click.command("seed")
@click.option("--demo", is_flag=True, help="Also load demo organisations, people and progress.")
@click.option("--path", "seed_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=SEED_DIR,
              show_default=True, help="The seed folder.")
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
@with_appcontext
def export_command(file: Path) -> None:
    """Write the whole catalogue to FILE."""
    from kampus.catalogue.importer import export_catalogue
    from kampus.catalogue.loader import dump_catalogue

    data = export_catalogue()
    file.write_text(dump_catalogue(data), encoding="utf-8")
    click.echo(f"exported {len(data.themes)} themes, {len(data.modules)} modules, {len(data.prerequisites)} prerequisites to {file}")


@catalogue_group.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and print what would change; write nothing.")
@with_appcontext
def import_command(file: Path, dry_run: bool) -> None:
    """Validate FILE (or a folder of *.yaml) and apply it all or nothing."""
    with force_locale("en"):  # the command speaks English, the writer's refusals too
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


def _refuse(errors: list[str]) -> None:
    db.session.rollback()
    click.echo(f"import refused, nothing written ({len(errors)} error(s)):", err=True)
    for error in errors:
        click.echo(f"  {error}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(catalogue_group)
