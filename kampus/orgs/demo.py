"""Demo organisations, teams and people from ``seed/demo.yaml`` (``kampus seed --demo``).

Idempotent: organisations are matched by slug, teams by name, people by
e-mail; what exists is left as it is and only what is missing is added.
Flushes only; the caller commits. The shared demo password is hashed once.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from kampus.auth import services as auth_services
from kampus.auth.passwords import hash_password
from kampus.extensions import db
from kampus.orgs import services
from kampus.orgs.models import Organisation, Team


class DemoDataError(ValueError):
    """seed/demo.yaml is malformed; the message names the entry."""


def _organisation(entry: dict) -> tuple[Organisation, bool]:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == entry["slug"]))
    if organisation is not None:
        return organisation, False
    return services.create_organisation(entry["slug"], entry["name"]), True


def _theme_roles(organisation: Organisation, roles: dict) -> None:
    from kampus.catalogue.models import Theme

    if not roles:
        return
    ids = dict(db.session.execute(select(Theme.slug, Theme.id).where(Theme.slug.in_(list(roles)))).all())
    missing = sorted(set(roles) - set(ids))
    if missing:
        raise DemoDataError(f"demo.yaml: {organisation.slug}: unknown theme(s) {', '.join(missing)}")
    existing = {r.theme_id for r in organisation.theme_roles}
    services.set_theme_roles(organisation, {ids[s]: r for s, r in roles.items() if ids[s] not in existing})


def seed_demo(seed_dir: Path) -> str:
    """Load ``seed_dir/demo.yaml``; returns a one-line report (it names the demo password, which is public)."""
    path = Path(seed_dir) / "demo.yaml"
    if not path.exists():
        return ""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    password = data.get("password") or "kampus-demo"
    password_hash = hash_password(password)
    counts = {"organisations": 0, "teams": 0, "people": 0, "memberships": 0}

    def person(entry: dict, organisation: Organisation | None = None, **flags):
        user = auth_services.find_user_by_email(entry["email"])
        if user is None:
            user = auth_services.create_user(
                entry["email"],
                name=entry.get("name", ""),
                password_hash=password_hash,
                organisation=organisation,
                language=entry.get("language", "fi"),
                target_group=entry.get("target_group", "other"),
                **flags,
            )
            counts["people"] += 1
        return user

    for entry in data.get("admins") or []:
        person(entry, is_admin=True)
    for org_entry in data.get("organisations") or []:
        organisation, created = _organisation(org_entry)
        counts["organisations"] += created
        _theme_roles(organisation, org_entry.get("theme_roles") or {})
        teams = {t.name: t for t in db.session.scalars(select(Team).where(Team.organisation_id == organisation.id))}
        for name in org_entry.get("teams") or []:
            if name not in teams:
                teams[name] = services.create_team(organisation, name)
                counts["teams"] += 1
        for entry in org_entry.get("staff") or []:
            user = person(entry, organisation, is_manager=bool(entry.get("manager")))
            if user.organisation_id != organisation.id:
                raise DemoDataError(f"demo.yaml: {entry['email']} belongs to another organisation")
            for team_name in entry.get("teams") or []:
                if team_name not in teams:
                    raise DemoDataError(f"demo.yaml: {entry['email']}: unknown team {team_name!r}")
                counts["memberships"] += services.add_member(organisation, teams[team_name], user)
    return (
        "demo accounts: {organisations} organisations, {teams} teams, {people} people, "
        "{memberships} team memberships added; every demo account's password is {password!r}"
    ).format(password=password, **counts)
