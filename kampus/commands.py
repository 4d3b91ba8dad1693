"""The project's own ``kampus`` commands, registered on the app's CLI group."""

from __future__ import annotations

import importlib

import click
from flask import Flask

FEATURE_COMMANDS = (
    "kampus.catalogue.cli",
    "kampus.orgs.cli",
    "kampus.assignments.cli",
    "kampus.xapi.cli",
    "kampus.credentials.cli",
    "kampus.sso.cli",
)


@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogues."""


@i18n_group.command("build")
def i18n_build() -> None:
    """Compile every feature's messages.yaml into gettext catalogues."""
    from kampus.i18n import build_catalogues

    counts = build_catalogues()
    click.echo("translations: " + ", ".join(f"{lang} {count}" for lang, count in counts.items()))


def register(app: Flask) -> None:
    app.cli.add_command(i18n_group)
    # Each listed module must exist: a missing one is an error, never silently skipped.
    for name in FEATURE_COMMANDS:
        importlib.import_module(name).register(app)
