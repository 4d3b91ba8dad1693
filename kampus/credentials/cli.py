"""``kampus credentials keygen | verify FILE | enable-all``.

``keygen`` writes a new Ed25519 key to ``KAMPUS_CREDENTIALS_KEY_DIR`` (outside the
database); the newest key signs, older keys stay in ``/.well-known/did.json`` so
credentials they signed still verify. ``verify`` prints the verdict for a
credential JSON (ours, or anyone's signed with ``eddsa-rdfc-2022`` by a
``did:key`` or by a ``did:web`` whose DID document is given with ``--did-document``).
"""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale

from kampus.extensions import db


@click.group("credentials")
def credentials_group() -> None:
    """Open Badges 3.0 credentials."""


@credentials_group.command("keygen")
@with_appcontext
def keygen_command() -> None:
    """Make a new signing key (rotation: the old ones stay published for verification)."""
    from kampus.credentials import services, signing

    directory = services.key_directory()
    key = signing.generate_key(directory)
    click.echo(
        f"new key {key.kid} in {directory}; {len(signing.load_keys(directory))} key(s) published for "
        f"{services.issuer_did()}"
    )


@credentials_group.command("verify")
@click.argument("file", type=click.File("r"))
@click.option(
    "--did-document",
    "did_documents",
    multiple=True,
    type=click.File("r"),
    help="A DID document to resolve a did:web issuer offline (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@with_appcontext
def verify_command(file, did_documents, as_json: bool) -> None:
    """Verify the credential in FILE; exit status 0 when it verifies, 1 when it does not."""
    from kampus.credentials import services

    try:
        document = json.load(file)
    except json.JSONDecodeError as error:
        click.echo(f"error: {file.name} is not JSON: {error}", err=True)
        sys.exit(2)
    with force_locale("en"):
        verdict = services.verify_document(document, did_documents=[json.load(f) for f in did_documents])
    if as_json:
        click.echo(json.dumps(verdict.as_dict(), indent=2))
    else:
        for name, ok, detail in verdict.checks:
            mark = "ok" if ok else ("skipped" if ok is None else "FAILED")
            click.echo(f"{name}: {mark}{' – ' + detail if detail else ''}")
        click.echo("VERIFIED" if verdict.verified else "NOT VERIFIED")
    sys.exit(0 if verdict.verified else 1)


@credentials_group.command("enable-all")
@with_appcontext
def enable_all_command() -> None:
    """Switch badges on for every published module and every path template."""
    from kampus.credentials import services

    switched = services.enable_all_published()
    db.session.commit()
    click.echo(f"badges switched on: {switched}")


def register(app: Flask) -> None:
    app.cli.add_command(credentials_group)
