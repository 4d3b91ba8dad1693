"""Organisation services: organisations and their theme roles, staff, teams,
managers. Every function that takes ids takes the organisation too and loads
through it, so one organisation's manager can never reach another's rows.
Services flush; views and commands commit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kampus.auth import services as auth_services
from kampus.auth.models import User, normalise_email
from kampus.errors import DomainError, NotFound
from kampus.extensions import db
from kampus.orgs import population
from kampus.orgs.models import THEME_ROLES, Organisation, OrganisationThemeRole, Team, TeamMembership

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --- organisations -------------------------------------------------------------


def get_organisation_by_slug(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == (slug or "").strip()))
    if organisation is None:
        raise NotFound(f"no organisation {slug}")
    return organisation


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"no organisation {organisation_id}")
    return organisation


def create_organisation(slug: str, name: str) -> Organisation:
    """Add an organisation. Raises DomainError beside ``slug`` or ``name``."""
    slug, name = (slug or "").strip(), (name or "").strip()
    if not SLUG_PATTERN.match(slug) or len(slug) > 80:
        raise DomainError(
            _("Use lower-case letters a–z, digits and hyphens in the short name, e.g. jarvilaakso."), field="slug"
        )
    if not name:
        raise DomainError(_("Enter the organisation's name."), field="name")
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        raise DomainError(_("The short name %(slug)s is already in use.", slug=slug), field="slug")
    organisation = Organisation(slug=slug, name=name)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def rename_organisation(organisation: Organisation, name: str) -> None:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the organisation's name."), field="name")
    organisation.name = name
    db.session.flush()


def set_theme_roles(organisation: Organisation, roles: dict[int, str | None]) -> None:
    """Set the organisation's role per theme id (None or "" removes it)."""
    from kampus.catalogue.models import Theme

    known = set(db.session.scalars(select(Theme.id)))
    current = {r.theme_id: r for r in organisation.theme_roles}
    for theme_id, role in roles.items():
        if theme_id not in known:
            raise NotFound(f"no theme {theme_id}")
        if role and role not in THEME_ROLES:
            raise DomainError(_("Choose a role from the list."), field=f"theme_{theme_id}")
        existing = current.get(theme_id)
        if not role:
            if existing is not None:
                organisation.theme_roles.remove(existing)
        elif existing is None:
            organisation.theme_roles.append(OrganisationThemeRole(theme_id=theme_id, role=role))
        else:
            existing.role = role
    db.session.flush()


@dataclass(frozen=True)
class OrganisationSummary:
    organisation: Organisation
    staff: int  # joined and not deactivated (kampus.orgs.population)
    managers: int
    teams: int
    pending: int = 0  # invited, not yet joined


def organisation_summaries() -> list[OrganisationSummary]:
    """Every organisation with its head counts (two grouped queries)."""
    staff = dict(
        db.session.execute(
            select(User.organisation_id, func.count(User.id)).where(population.joined()).group_by(User.organisation_id)
        ).all()
    )
    pending = dict(
        db.session.execute(
            select(User.organisation_id, func.count(User.id)).where(population.pending()).group_by(User.organisation_id)
        ).all()
    )
    managers = dict(
        db.session.execute(
            select(User.organisation_id, func.count(User.id)).where(User.is_manager).group_by(User.organisation_id)
        ).all()
    )
    teams = dict(
        db.session.execute(select(Team.organisation_id, func.count(Team.id)).group_by(Team.organisation_id)).all()
    )
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return [
        OrganisationSummary(o, staff.get(o.id, 0), managers.get(o.id, 0), teams.get(o.id, 0), pending.get(o.id, 0))
        for o in organisations
    ]


def organisation_summary(organisation: Organisation) -> OrganisationSummary:
    def count(query) -> int:
        return db.session.scalar(query) or 0

    return OrganisationSummary(
        organisation,
        count(select(func.count(User.id)).where(User.organisation_id == organisation.id, population.joined())),
        count(select(func.count(User.id)).where(User.organisation_id == organisation.id, User.is_manager)),
        count(select(func.count(Team.id)).where(Team.organisation_id == organisation.id)),
        count(select(func.count(User.id)).where(User.organisation_id == organisation.id, population.pending())),
    )


# --- staff -----------------------------------------------------------------------

STATUS_FILTERS = ("active", "inactive", "all")


def get_staff_member(organisation: Organisation, user_id) -> User:
    """A person of this organisation; NotFound for anyone else's (or nonsense) id."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise NotFound("no such person") from None
    user = db.session.scalar(select(User).where(User.id == user_id, User.organisation_id == organisation.id))
    if user is None:
        raise NotFound("no such person")
    return user


def staff_list(organisation: Organisation, *, search: str = "", status: str = "active") -> list[User]:
    """People of the organisation matching ``search`` (name or e-mail) and ``status``, with their teams."""
    query = (
        select(User)
        .where(User.organisation_id == organisation.id)
        .options(selectinload(User.team_memberships).selectinload(TeamMembership.team))
        .order_by(func.lower(User.name), User.email)
    )
    if status == "active":
        query = query.where(User.active)
    elif status == "inactive":
        query = query.where(~User.active)
    search = (search or "").strip()
    if search:
        query = query.where(person_matches(search))
    return list(db.session.scalars(query))


#: People per page of the staff list, and the most candidates a member picker shows.
STAFF_PER_PAGE = 50
PICKER_LIMIT = 20


def person_matches(search: str):
    """SQL condition: the person's name or e-mail contains ``search`` (case-insensitive, ``%``
    and ``_`` taken literally): the one search of people, on the staff list, the member picker
    and the administrators' list."""
    pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(func.lower(User.name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))


def staff_page(
    organisation: Organisation,
    *,
    search: str = "",
    status: str = "active",
    page: int = 1,
    per_page: int = STAFF_PER_PAGE,
) -> tuple[list[User], int]:
    """One page of :func:`staff_list` and how many people match in all (two queries, and
    one for the page's teams)."""
    query = select(User.id).where(User.organisation_id == organisation.id)
    if status == "active":
        query = query.where(User.active)
    elif status == "inactive":
        query = query.where(~User.active)
    search = (search or "").strip()
    if search:
        query = query.where(person_matches(search))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    ids = query.order_by(func.lower(User.name), User.email, User.id).limit(per_page).offset((page - 1) * per_page)
    people = db.session.scalars(
        select(User)
        .where(User.id.in_(ids.scalar_subquery()))
        .options(selectinload(User.team_memberships).selectinload(TeamMembership.team))
        .order_by(func.lower(User.name), User.email, User.id)
    )
    return list(people), total


def member_candidates(
    organisation: Organisation, team: Team, search: str, *, limit: int = PICKER_LIMIT
) -> list[tuple[int, str, str]]:
    """At most ``limit`` active people of the organisation, not in ``team``, whose name or
    e-mail matches ``search``: (id, name, e-mail), three columns and one query."""
    search = (search or "").strip().lower()[:200]
    if not search:
        return []
    in_team = select(TeamMembership.id).where(TeamMembership.team_id == team.id, TeamMembership.user_id == User.id)
    return [
        (user_id, name, email)
        for user_id, name, email in db.session.execute(
            select(User.id, User.name, User.email)
            .where(
                User.organisation_id == organisation.id,
                User.active,
                ~in_team.exists(),
                person_matches(search),
            )
            .order_by(func.lower(User.name), User.email)
            .limit(limit)
        )
    ]


def set_content_language(organisation: Organisation, language: str) -> bool:
    """Set the organisation's default content language (``fi``, ``sv`` or ``en``); returns False when unchanged.

    New people of the organisation (invited, imported, signed in through its
    identity provider) get it as their language until they choose another.
    Raises :class:`DomainError` (field ``content_language``) for another value.
    """
    from kampus.i18n import LANGUAGES

    if language not in LANGUAGES:
        raise DomainError(_("Choose a language from the list."), field="content_language")
    if organisation.content_language == language:
        return False
    organisation.content_language = language
    db.session.flush()
    return True


def invite_staff(
    organisation: Organisation, *, email: str, name: str = "", team: Team | None = None, inviter: User | None = None
):
    """Add an invited person to the organisation (and the team) and send them the link.

    Returns :class:`kampus.auth.services.SentLink`. Raises DomainError beside ``email``.
    """
    if team is not None and team.organisation_id != organisation.id:
        raise NotFound("no such team")
    try:
        with db.session.begin_nested():  # the same address invited twice at once: one account, a form error
            user = auth_services.create_user(email, name=name, organisation=organisation)
    except IntegrityError:
        raise DomainError(_("%(email)s already has an account.", email=normalise_email(email)), field="email") from None
    if team is not None:
        add_member(organisation, team, user)
    return auth_services.send_invitation(user, inviter=inviter)


def resend_invitation(organisation: Organisation, user: User, *, inviter: User | None = None):
    """A new invitation for someone who has never signed up.

    Someone who has signed up is refused: a password link goes only to its owner's
    mailbox, when they ask for it on the sign-in page, so a manager can never take
    over a colleague's account. Raises DomainError.
    """
    if user.organisation_id != organisation.id:
        raise NotFound("no such person")
    if not user.active:
        raise DomainError(_("Reactivate the account first."))
    if user.has_signed_up:
        raise DomainError(
            _(
                "%(name)s has already signed up. If they have forgotten their password, they can ask for a new "
                "one with “Forgot your password?” on the sign-in page.",
                name=user.display_name,
            )
        )
    return auth_services.send_invitation(user, inviter=inviter)


def set_active(organisation: Organisation, user: User, active: bool, *, acting: User | None) -> None:
    """``acting`` is None for an organisation's API token whose maker is gone."""
    if user.organisation_id != organisation.id:
        raise NotFound("no such person")
    if active:
        auth_services.reactivate(user)
    else:
        auth_services.deactivate(user, acting=acting)


# --- teams -------------------------------------------------------------------------


def get_team(organisation: Organisation, team_id) -> Team:
    """A team of this organisation; NotFound for another organisation's (or nonsense) id."""
    try:
        team_id = int(team_id)
    except (TypeError, ValueError):
        raise NotFound("no such team") from None
    team = db.session.scalar(select(Team).where(Team.id == team_id, Team.organisation_id == organisation.id))
    if team is None:
        raise NotFound("no such team")
    return team


def teams_with_counts(organisation: Organisation) -> list[tuple[Team, int]]:
    count = func.count(TeamMembership.id)
    rows = db.session.execute(
        select(Team, count)
        .outerjoin(TeamMembership, TeamMembership.team_id == Team.id)
        .where(Team.organisation_id == organisation.id)
        .group_by(Team.id)
        .order_by(func.lower(Team.name))
    ).all()
    return [(team, n) for team, n in rows]


def normalise_team_name(name: str) -> str:
    """``name`` as stored: NFKC, without format characters (zero-width spaces, direction marks …),
    inner runs of white space as one space, none around."""
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


def team_name_key(name: str) -> str:
    """What two team names must not share: the normalised name, case-folded."""
    return normalise_team_name(name).casefold()


def _check_team_name(organisation: Organisation, name: str, team: Team | None = None) -> str:
    name = normalise_team_name(name)
    if not name:
        raise DomainError(_("Enter a name for the team."), field="name")
    if len(name) > 120:
        raise DomainError(_("At most 120 characters."), field="name")
    key = team_name_key(name)
    # Compared in Python: the names stored before normalisation, and case rules beyond ASCII, count too.
    others = db.session.execute(select(Team.id, Team.name).where(Team.organisation_id == organisation.id)).all()
    if any(team_name_key(other) == key and (team is None or other_id != team.id) for other_id, other in others):
        raise DomainError(_("Your organisation already has a team called %(name)s.", name=name), field="name")
    return name


def create_team(organisation: Organisation, name: str) -> Team:
    """A new team; DomainError beside ``name`` when it is empty or taken (also by a request at the same time)."""
    team = Team(organisation_id=organisation.id, name=_check_team_name(organisation, name))
    try:
        with db.session.begin_nested():
            db.session.add(team)
    except IntegrityError:
        raise DomainError(
            _("Your organisation already has a team called %(name)s.", name=team.name), field="name"
        ) from None
    return team


def rename_team(organisation: Organisation, team: Team, name: str) -> None:
    if team.organisation_id != organisation.id:
        raise NotFound("no such team")
    new_name = _check_team_name(organisation, name, team)
    try:
        with db.session.begin_nested():
            team.name = new_name
    except IntegrityError:
        raise DomainError(
            _("Your organisation already has a team called %(name)s.", name=new_name), field="name"
        ) from None


def _check_membership(organisation: Organisation, team: Team, user: User) -> None:
    """A team's members are people of the team's organisation: NotFound for anyone else's team or person."""
    if team.organisation_id != organisation.id or user.organisation_id != organisation.id:
        raise NotFound("no such team or person")


def add_member(organisation: Organisation, team: Team, user: User) -> bool:
    """Put ``user`` in ``team``; False when they already were (nothing changes)."""
    _check_membership(organisation, team, user)
    exists = db.session.scalar(
        select(TeamMembership.id).where(TeamMembership.team_id == team.id, TeamMembership.user_id == user.id)
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():  # added twice at once: the unique pair lets one win
            db.session.add(TeamMembership(team_id=team.id, user_id=user.id))
    except IntegrityError:
        return False
    db.session.expire(team, ["memberships", "members"])
    return True


def add_members(organisation: Organisation, pairs: list[tuple[Team, User]]) -> int:
    """:func:`add_member` for many ``(team, person)`` pairs at once (the staff import's batch): the
    memberships already there are read in one query, the new ones flushed together. Returns how
    many were added; a pair already there, or twice in ``pairs``, changes nothing. The people may
    be new and not yet flushed (they are flushed first, for their ids).

    Raises NotFound as :func:`add_member` does, before adding any membership. Takes no savepoint:
    a membership written meanwhile by another request raises IntegrityError at the flush, for the
    caller's savepoint to roll back (and write its pairs one by one with :func:`add_member`).
    """
    if not pairs:
        return 0
    known = {user.id for _team, user in pairs if user.id is not None}  # a person not yet flushed is in no team
    db.session.flush()  # the new people's ids and organisation
    for team, user in pairs:
        _check_membership(organisation, team, user)
    present: set[tuple[int, int]] = set()
    if known:
        query = select(TeamMembership.team_id, TeamMembership.user_id).where(
            TeamMembership.team_id.in_({team.id for team, _user in pairs}), TeamMembership.user_id.in_(known)
        )
        present = {(team_id, user_id) for team_id, user_id in db.session.execute(query)}
    added = 0
    for team, user in pairs:
        if (team.id, user.id) not in present:
            present.add((team.id, user.id))
            db.session.add(TeamMembership(team_id=team.id, user_id=user.id))
            added += 1
    db.session.flush()
    for team in {team.id: team for team, _user in pairs}.values():
        db.session.expire(team, ["memberships", "members"])
    return added


def remove_member(organisation: Organisation, team: Team, user: User) -> bool:
    _check_membership(organisation, team, user)
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.team_id == team.id, TeamMembership.user_id == user.id)
    )
    if membership is None:
        return False
    db.session.delete(membership)
    db.session.flush()
    return True
