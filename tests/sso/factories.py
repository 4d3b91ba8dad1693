"""Identity providers for tests (committed, so requests see them)."""

from __future__ import annotations

import itertools

from kampus.extensions import db
from kampus.sso.models import IdentityProvider

_sequence = itertools.count(1)


def make_provider(org, *, config: dict, domains: str = "", role_rules=(), require_sso=False, slug=None, kind="oidc"):
    n = next(_sequence)
    provider = IdentityProvider(
        organisation=org,
        kind=kind,
        name=f"{org.name} ID",
        slug=slug or f"{org.slug}-idp-{n}",
        email_domains=domains,
        config=config,
        role_rules=list(role_rules),
        require_sso=require_sso,
        enabled=True,
    )
    db.session.add(provider)
    db.session.commit()
    return provider
