"""``kampus orgs create`` and ``kampus users create``.

Errors are printed in English with a non-zero exit status; nothing is written
when a command refuses.
"""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from kampus.errors import DomainError
from kampus.extensions import db


def _refuse(message: str) -> None:
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group("orgs")
def orgs_group() -> None:
    """Organisations."""


@orgs_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's full name.")
@with_appcontext
def create_org_command(slug: str, name: str) -> None:
    """Add the organisation SLUG (lower-case letters, digits, hyphens)."""
    from kampus.orgs import services

    with force_locale("en"):
        try:
            organisation = services.create_organisation(slug, name)
        except DomainError as error:
            _refuse(error.message)
    db.session.commit()
    click.echo(f"created organisation {organisation.slug}: {organisation.name}")


@click.group("users")
def users_group() -> None:
    """People."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="The person's name.")
@click.option("--admin", "role", flag_value="admin", help="A network administrator.")
@click.option("--manager", "role", flag_value="manager", help="A manager of --org.")
@click.option("--org", "org_slug", default=None, help="The organisation's short name (slug).")
@with_appcontext
def create_user_command(email: str, name: str, role: str | None, org_slug: str | None) -> None:
    """Add a person who can sign in with EMAIL.

    The password comes from the environment variable KAMPUS_USER_PASSWORD, or
    is asked for (twice, hidden).
    """
    from kampus.auth import services as auth_services
    from kampus.orgs import services

    organisation = None
    with force_locale("en"):
        if org_slug:
            try:
                organisation = services.get_organisation_by_slug(org_slug)
            except DomainError:
                _refuse(
                    f"there is no organisation {org_slug!r}; create it with: kampus orgs create {org_slug} --name NAME"
                )
        if role == "manager" and organisation is None:
            _refuse("a manager needs an organisation: add --org SLUG")
        if auth_services.find_user_by_email(email) is not None:
            _refuse(f"{email.strip().lower()} already has an account")
        password = os.environ.get("KAMPUS_USER_PASSWORD")
        if not password:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = auth_services.create_user(
                email,
                name=name,
                password=password,
                organisation=organisation,
                is_manager=role == "manager",
                is_admin=role == "admin",
            )
        except DomainError as error:
            _refuse(error.message)
    db.session.commit()
    roles = {"admin": "administrator", "manager": "manager"}.get(role or "", "learner")
    where = f" of {organisation.slug}" if organisation else ""
    click.echo(f"created {roles}{where}: {user.email}")


def register(app: Flask) -> None:
    app.cli.add_command(orgs_group)
    app.cli.add_command(users_group)
