"""``kampus sso add-oidc``, ``kampus sso load FILE`` and ``kampus sso list``.

``load`` reads a YAML file of providers (see README, "Single sign-on") and adds or updates
them by slug, all or nothing. Secrets may be given by the name of an environment variable
(``client_secret_env``, ``private_key_env``) so the file can live in version control.
Errors are printed in English with a non-zero exit status; nothing is written then.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click
import yaml
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from kampus.errors import DomainError
from kampus.extensions import db


def _refuse(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group("sso")
def sso_group() -> None:
    """Organisations' own sign-in (OpenID Connect, SAML 2.0)."""


def _secret(entry: dict, key: str) -> str | None:
    if entry.get(f"{key}_env"):
        value = os.environ.get(entry[f"{key}_env"])
        if not value:
            raise DomainError(f"the environment variable {entry[f'{key}_env']} is not set", field=key)
        return value
    return entry.get(key)


def upsert_provider(entry: dict, *, check_discovery: bool = True):
    """Add or change one provider from a mapping (a YAML entry or the command's options); flushes."""
    from kampus.orgs.services import get_organisation_by_slug
    from kampus.sso import oidc, services
    from kampus.sso.models import IdentityProvider

    slug = str(entry.get("slug") or "")
    try:
        organisation = get_organisation_by_slug(str(entry.get("organisation") or ""))
    except DomainError:
        raise DomainError(f"there is no organisation {entry.get('organisation')!r}", field="organisation") from None
    existing = db.session.scalar(select(IdentityProvider).where(IdentityProvider.slug == slug.strip().lower()))
    if existing is not None and existing.organisation_id != organisation.id:
        raise DomainError(f"the provider {slug} belongs to another organisation", field="slug")
    kind = entry.get("kind", "oidc")
    if kind == "oidc":
        claims = entry.get("claims") or {}
        config = services.oidc_config(
            issuer=entry.get("issuer", ""),
            client_id=str(entry.get("client_id") or ""),
            auth_method=entry.get("auth_method", "client_secret_basic"),
            client_secret=_secret(entry, "client_secret"),
            private_key=_secret(entry, "private_key"),
            scopes=entry.get("scopes"),
            email_claim=claims.get("email"),
            name_claim=claims.get("name"),
            roles_claim=claims.get("roles"),
            trust_email=bool(entry.get("trust_email")),
            previous=existing.config if existing is not None else None,
            allow_http=bool(entry.get("allow_http")),
        )
        if check_discovery:
            try:
                oidc.discover(config["issuer"], force=True)
            except oidc.OidcRefused as refusal:
                raise DomainError(f"cannot read the issuer's discovery document: {refusal.detail}") from None
    else:
        config = dict(entry.get("config") or {})
    rules = list(entry.get("role_rules") or [])
    for rule in rules:
        if not isinstance(rule, dict) or not (rule.get("claim") or rule.get("attribute")) or not rule.get("value"):
            raise DomainError(f"a role rule needs claim, value and role: {rule!r}", field="role_rules")
        if rule.get("role") != "manager":
            raise DomainError(f"a role rule can grant only the manager role: {rule!r}", field="role_rules")
    domains = entry.get("email_domains") or ""
    if isinstance(domains, list):
        domains = " ".join(domains)
    return services.save_provider(
        existing,
        organisation=organisation,
        kind=kind,
        name=str(entry.get("name") or slug),
        slug=slug,
        email_domains=domains,
        config=config,
        role_rules=rules,
        require_sso=bool(entry.get("require_sso", False)),
        enabled=bool(entry.get("enabled", True)),
    )


@sso_group.command("add-oidc")
@click.argument("slug")
@click.option("--org", "organisation", required=True, help="The organisation's short name (slug).")
@click.option("--name", default="", help="The name on the sign-in page.")
@click.option("--issuer", required=True, help="The issuer URL (discovery is read from it).")
@click.option("--client-id", required=True)
@click.option("--domains", default="", help="E-mail domains routed here, comma separated.")
@click.option("--scopes", default=None, help="Default: openid email profile.")
@click.option("--roles-claim", default=None, help="The claim with groups or roles (e.g. groups).")
@click.option("--manager-value", multiple=True, help="A value of the roles claim that makes a manager (repeatable).")
@click.option("--trust-email", is_flag=True, help="The IdP owns its domains and sends no email_verified.")
@click.option("--require-sso", is_flag=True, help="Staff may not sign in with a password.")
@click.option(
    "--private-key-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Use private_key_jwt with this RSA private key (PEM) instead of a client secret.",
)
@click.option("--allow-http", is_flag=True, help="Accept an http issuer on this machine (local tests only).")
@with_appcontext
def add_oidc_command(slug, organisation, name, issuer, client_id, domains, scopes, roles_claim, manager_value,
                     trust_email, require_sso, private_key_file, allow_http) -> None:  # fmt: skip
    """Add (or change) the OpenID Connect provider SLUG. The client secret comes from the
    environment variable KAMPUS_SSO_CLIENT_SECRET, or is asked for."""
    entry = {
        "slug": slug,
        "organisation": organisation,
        "name": name or slug,
        "issuer": issuer,
        "client_id": client_id,
        "email_domains": domains,
        "scopes": scopes,
        "claims": {"roles": roles_claim} if roles_claim else {},
        "role_rules": [{"claim": roles_claim, "value": value, "role": "manager"} for value in manager_value],
        "trust_email": trust_email,
        "require_sso": require_sso,
        "allow_http": allow_http,
    }
    if manager_value and not roles_claim:
        _refuse("--manager-value needs --roles-claim")
    if private_key_file:
        entry["auth_method"] = "private_key_jwt"
        entry["private_key"] = Path(private_key_file).read_text()
    else:
        entry["client_secret"] = os.environ.get("KAMPUS_SSO_CLIENT_SECRET") or click.prompt(
            "Client secret", hide_input=True
        )
    with force_locale("en"):
        try:
            provider = upsert_provider(entry)
        except DomainError as error:
            _refuse(error.message)
    db.session.commit()
    click.echo(f"saved oidc provider {provider.slug} for {provider.organisation.slug}")


@sso_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--no-check", is_flag=True, help="Do not read the issuers' discovery documents.")
@with_appcontext
def load_command(file: str, no_check: bool) -> None:
    """Add or update the providers listed in the YAML FILE (by slug), all or nothing."""
    try:
        data = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        _refuse(f"{file} is not valid YAML: {error}")
    entries = data.get("providers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        _refuse(f"{file} needs a list under 'providers'")
    saved = []
    with force_locale("en"):
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                _refuse(f"provider {number} is not a mapping")
            try:
                saved.append(upsert_provider(entry, check_discovery=not no_check))
            except DomainError as error:
                where = f" ({error.field})" if error.field else ""
                _refuse(f"provider {number} {entry.get('slug', '')!r}{where}: {error.message}")
    db.session.commit()
    for provider in saved:
        click.echo(f"saved {provider.kind} provider {provider.slug} for {provider.organisation.slug}")


@sso_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every provider: slug, kind, organisation, domains, switches."""
    from kampus.sso.models import IdentityProvider

    for provider in db.session.scalars(select(IdentityProvider).order_by(IdentityProvider.slug)):
        flags = [flag for flag, on in (("required", provider.require_sso), ("off", not provider.enabled)) if on]
        columns = [provider.slug, provider.kind, provider.organisation.slug, provider.email_domains, " ".join(flags)]
        click.echo("\t".join(columns))


def register(app: Flask) -> None:
    app.cli.add_command(sso_group)
