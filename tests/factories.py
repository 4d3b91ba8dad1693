"""Small factories for tests: organisations, people, teams, assignments, and signing in.

Each factory commits, so the rows are visible to requests made with the test
client. Password hashes are computed once per password (argon2 is slow on
purpose).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from kampus.auth.models import User
from kampus.auth.passwords import hash_password
from kampus.extensions import db
from kampus.orgs.models import Organisation, Team, TeamMembership

PASSWORD = "oikea-salasana-123"
_sequence = itertools.count(1)
_hashes: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


def _slugify(name: str) -> str:
    table = str.maketrans("äåöÄÅÖ", "aaoAAO")
    return re.sub(r"[^a-z0-9]+", "-", name.translate(table).lower()).strip("-")


def make_org(name: str | None = None, slug: str | None = None) -> Organisation:
    n = next(_sequence)
    name = name or f"Ammattiopisto {n}"
    organisation = Organisation(name=name, slug=slug or f"{_slugify(name)}-{n}")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(
    org: Organisation | None = None,
    *,
    manager: bool = False,
    admin: bool = False,
    email: str | None = None,
    password: str | None = PASSWORD,
    name: str | None = None,
    active: bool = True,
    language: str = "fi",
) -> User:
    """A person; ``password=None`` makes one who is invited but not signed up."""
    n = next(_sequence)
    user = User(
        email=email or f"henkilo{n}@example.fi",
        name=name if name is not None else f"Henkilö {n}",
        password_hash=_hash(password) if password is not None else None,
        organisation=org,
        is_manager=manager,
        is_admin=admin,
        active=active,
        language=language,
        target_group="teaching",
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_team(org: Organisation, name: str | None = None, members=()) -> Team:
    team = Team(organisation=org, name=name or f"Tiimi {next(_sequence)}")
    db.session.add(team)
    db.session.flush()
    for member in members:
        db.session.add(TeamMembership(team=team, user=member))
    db.session.commit()
    return team


def make_assignment(
    org: Organisation,
    manager: User,
    team: Team | None = None,
    *,
    title: str | dict = "Perehdytys",
    module_slugs=("digcomp-perusteet",),
    due_in_days: int = 30,
    people=(),
    template=None,
    due: dt.date | None = None,
):
    """An organisation's own path template of ``module_slugs`` (or the given ``template``) assigned
    by ``manager`` to ``team`` and/or ``people``, due in ``due_in_days`` days, through the assignment
    services; returns ``(template, assignment)``. ``title`` is the Finnish title or a mapping of
    languages. ``due`` sets the due date afterwards (a past date cannot be given through the service)."""
    from kampus.assignments import services as assignments

    if template is None:
        template = assignments.save_template(
            None,
            organisation_id=org.id,
            title=title if isinstance(title, dict) else {"fi": title},
            description={},
            target_group=None,
            module_slugs=list(module_slugs),
            theme_slugs=[],
        )
    assignment = assignments.assign(
        org.id,
        manager.id,
        template_id=template.id,
        team_id=team.id if team else None,
        user_ids=[p.id for p in people],
        due=dt.date.today() + dt.timedelta(days=due_in_days),
    )
    if due is not None:
        assignment.due = due
    db.session.commit()
    return template, assignment


def csrf_token(client, path: str = "/login") -> str:
    """A CSRF token valid for this client's session (read from any page with a form)."""
    from tests.conftest import form_token

    return form_token(client.get(path).get_data(as_text=True))


def login(client, email: str, password: str = PASSWORD, *, next: str | None = None, remember: bool = False):
    """Sign in through the real form (GET /login for the token, then POST); returns the POST's response."""
    token = csrf_token(client)
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    url = "/login" if next is None else "/login?" + urlencode({"next": next})
    return client.post(url, data=data)


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


@dataclass
class World:
    """Two organisations side by side, for access tests: A and B each with a
    manager, learners and a team; an administrator; someone invited to A."""

    org_a: Organisation
    org_b: Organisation
    manager_a: User
    manager_b: User
    learner_a: User
    other_a: User
    invited_a: User
    learner_b: User
    admin: User
    team_a: Team
    team_b: Team

    def ids(self) -> dict[str, int]:
        """Ids to fill URL and form templates with, e.g. ``/org/teams/{team_a}``."""
        return {name: getattr(self, name).id for name in self.__dataclass_fields__}

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def make_world() -> World:
    org_a = make_org("Järvilaakson ammattiopisto", "org-a")
    org_b = make_org("Rannikon opisto", "org-b")
    learner_a = make_user(org_a, email="learner.a@example.fi", name="Liisa Oppija")
    other_a = make_user(org_a, email="other.a@example.fi", name="Olli Toinen")
    learner_b = make_user(org_b, email="learner.b@example.fi", name="Bertta Oppija")
    return World(
        org_a=org_a,
        org_b=org_b,
        manager_a=make_user(org_a, manager=True, email="manager.a@example.fi", name="Maija Esihenkilö"),
        manager_b=make_user(org_b, manager=True, email="manager.b@example.fi", name="Bengt Chef"),
        learner_a=learner_a,
        other_a=other_a,
        invited_a=make_user(org_a, email="invited.a@example.fi", name="", password=None),
        learner_b=learner_b,
        admin=make_user(None, admin=True, email="admin@example.fi", name="Aino Ylläpitäjä"),
        team_a=make_team(org_a, "Tiimi A", [learner_a]),
        team_b=make_team(org_b, "Tiimi B", [learner_b]),
    )


def drop_language(slug: str, lang: str) -> None:
    """Take one language out of a module's material (title and summary stay): the seed has
    every part in Swedish, so the fallback tests make a module "not translated yet"."""
    from sqlalchemy import select

    from kampus.catalogue.models import Module

    def without(value):
        return {k: v for k, v in value.items() if k != lang} if isinstance(value, dict) else value

    module = db.session.scalar(select(Module).where(Module.slug == slug))
    for section in module.sections:
        section.title, section.body = without(section.title), without(section.body)
    for question in module.questions:
        question.prompt, question.explanation = without(question.prompt), without(question.explanation)
        question.choices = [without(choice) for choice in question.choices]
    module.reflection = without(module.reflection)
    db.session.commit()
