"""The API's operations, a thin layer over the feature services.

Each operation: check access (:mod:`kampus.api.auth`) → call the service →
commit (writes) → shape the answer with a schema. Rules (who may see what,
what may be assigned, how a path is planned) live in the services; refusals
come back as problems (:mod:`kampus.api.problems`).
"""

from __future__ import annotations

import http
from contextlib import contextmanager
from types import SimpleNamespace

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kampus.api import schemas as s
from kampus.api import services
from kampus.api.auth import caller, checked_id, require_manager, require_person
from kampus.api.spec import PUBLIC
from kampus.assignments import services as assignment_services
from kampus.auth.models import User
from kampus.catalogue import services as catalogue_services
from kampus.catalogue.models import Module, Theme
from kampus.errors import Conflict, NotFound
from kampus.extensions import db
from kampus.orgs import services as org_services
from kampus.orgs.models import TeamMembership
from kampus.paths import services as path_services
from kampus.progress import services as progress_services
from kampus.progress.models import Progress

PREFIX = "/api/v1"
catalogue_bp = Blueprint("catalogue-api", __name__, url_prefix=PREFIX, description="The public catalogue")
me_bp = Blueprint("me-api", __name__, url_prefix=PREFIX, description="The caller's own data (personal tokens)")
org_bp = Blueprint(
    "org-api",
    __name__,
    url_prefix=PREFIX,
    description="A manager's organisation (a manager's personal token or an organisation token)",
)
BLUEPRINTS = (catalogue_bp, me_bp, org_bp)


@contextmanager
def unique_or_conflict():
    """Run a service in a savepoint; a unique constraint that fires anyway (two requests at
    once, or a check the database sees differently) is a 409, not a 500."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise Conflict("This conflicts with what is already stored; read it again and retry.") from None


def problems(blueprint, *codes):
    """Document the problems an operation may answer with (plus 429, which any may)."""

    def decorator(func):
        for code in sorted(set(codes) | {401, 429}, reverse=True):
            func = blueprint.alt_response(code, response=_status_name(code))(func)
        return func

    return decorator


def _status_name(code: int) -> str:
    return http.HTTPStatus(code).name


# --- catalogue --------------------------------------------------------------------------


def _module_dict(module: Module) -> dict:
    return {
        "slug": module.slug,
        "theme": module.theme.slug,
        "position": module.position,
        "title": module.title or {},
        "summary": module.summary or {},
        "level": module.level,
        "minutes": module.minutes,
        "target_groups": list(module.target_groups or []),
    }


def _published_module(slug: str) -> Module:
    module = catalogue_services.get_module(slug)
    if module.status != "published":
        raise NotFound(f"no module {slug}")
    return module


@catalogue_bp.route("/themes")
@catalogue_bp.doc(security=PUBLIC)
@catalogue_bp.response(200, s.ThemeSchema(many=True))
@problems(catalogue_bp)
def list_themes():
    """The eight themes in order, with their published-module counts."""
    return [
        {
            "slug": t.theme.slug,
            "position": t.theme.position,
            "title": t.theme.title or {},
            "description": t.theme.description or {},
            "module_count": t.module_count,
        }
        for t in catalogue_services.theme_overview()
    ]


@catalogue_bp.route("/themes/<slug>")
@catalogue_bp.doc(security=PUBLIC)
@catalogue_bp.response(200, s.ThemeDetailSchema)
@problems(catalogue_bp, 404)
def get_theme(slug):
    """A theme with its published modules in path order (each after what it builds on)."""
    theme = catalogue_services.get_theme(slug)
    view = catalogue_services.theme_graph_view(theme)
    return {
        "slug": theme.slug,
        "position": theme.position,
        "title": theme.title or {},
        "description": theme.description or {},
        "module_count": len(view.own),
        "modules": [_module_dict(view.modules[slug]) for slug in view.own],
    }


@catalogue_bp.route("/modules")
@catalogue_bp.doc(security=PUBLIC)
@catalogue_bp.arguments(s.ModuleArgsSchema, location="query", as_kwargs=True)
@catalogue_bp.response(200, s.ModuleSchema(many=True))
@problems(catalogue_bp, 404)
def list_modules(theme=None):
    """Published modules, by theme and position; ``theme`` keeps one theme's."""
    query = (
        select(Module)
        .join(Theme, Module.theme_id == Theme.id)
        .where(Module.status == "published")
        .options(selectinload(Module.theme))
        .order_by(Theme.position, Module.position, Module.slug)
    )
    if theme:
        query = query.where(Theme.id == catalogue_services.get_theme(theme).id)
    return [_module_dict(m) for m in db.session.scalars(query)]


@catalogue_bp.route("/modules/<slug>")
@catalogue_bp.doc(security=PUBLIC)
@catalogue_bp.response(200, s.ModuleDetailSchema)
@problems(catalogue_bp, 404)
def get_module(slug):
    """A published module's summary and its prerequisites both ways."""
    module = _published_module(slug)
    links = catalogue_services.module_links(module)
    return {
        **_module_dict(module),
        "requires": [{"module": m.slug, "kind": kind} for m, kind in links.requires],
        "unlocks": [{"module": m.slug, "kind": kind} for m, kind in links.unlocks],
    }


@catalogue_bp.route("/prerequisites")
@catalogue_bp.doc(security=PUBLIC)
@catalogue_bp.response(200, s.PrerequisiteSchema(many=True))
@problems(catalogue_bp)
def list_prerequisites():
    """Every prerequisite between published modules ("before" comes before "after")."""
    graph = catalogue_services.catalogue_graph()

    def published(slug):
        return graph.nodes[slug].get("status") == "published"

    return [
        {"before": b, "after": a, "kind": data["kind"]}
        for b, a, data in sorted(graph.edges(data=True))
        if published(b) and published(a)
    ]


# --- the caller -------------------------------------------------------------------------


@me_bp.route("/me")
@me_bp.response(200, s.MeSchema)
@problems(me_bp)
def me():
    """Who this token speaks for."""
    found = caller()
    person = found.person
    return {
        "id": person.id if person else None,
        "email": person.email if person else None,
        "name": person.name if person else None,
        "organisation": (
            found.organisation or (person.organisation if person else None) or SimpleNamespace(slug=None)
        ).slug,
        "manager": found.organisation is not None,
        "token": found.token.prefix,
        "scope": found.token.scope,
    }


def _progress_dict(progress: Progress, slug: str) -> dict:
    return {
        "id": progress.id,
        "user_id": progress.user_id,
        "module": slug,
        "status": progress.status,
        "recognised_by": progress.recognised_by,
        "best_score": progress.best_score,
        "started_at": progress.started_at,
        "finished_at": progress.finished_at,
    }


@me_bp.route("/me/progress")
@me_bp.response(200, s.ProgressSchema(many=True))
@problems(me_bp, 403)
def my_progress():
    """The caller's progress, one row per module started, completed or recognised."""
    person = require_person()
    rows = progress_services.progress_rows(person.id)
    return [_progress_dict(row, slug) for slug, row in sorted(rows.items(), key=lambda item: item[1].id)]


@me_bp.route("/me/paths")
@me_bp.response(200, s.PathSchema(many=True))
@problems(me_bp, 403)
def my_paths():
    """The caller's assigned and personal paths, planned now from their progress and the live graph."""
    person = require_person()
    return [
        {
            "key": planned.key,
            "kind": "personal" if planned.path is not None else "assigned",
            "title": planned.title,
            "due": planned.due,
            "state": planned.state,
            "goals": list(planned.goals),
            "percent_done": planned.coverage.percent,
            "total_minutes": planned.plan.total_minutes,
            "finish": planned.plan.finish,
            "on_track": planned.plan.on_track,
            "steps": [
                {
                    "module": step.slug,
                    "status": step.status,
                    "blocked_by": list(step.blocked_by),
                    "minutes": step.minutes,
                    "week": step.week,
                }
                for step in planned.plan.steps
            ],
        }
        for planned in path_services.dashboard(person.id)
    ]


# --- organisation: staff ----------------------------------------------------------------


def _staff_dicts(organisation, people: list[User]) -> list[dict]:
    ids = [p.id for p in people]
    external = services.external_ids(organisation, ids)
    teams: dict[int, list[int]] = {}
    if ids:
        for user_id, team_id in db.session.execute(
            select(TeamMembership.user_id, TeamMembership.team_id)
            .where(TeamMembership.user_id.in_(ids))
            .order_by(TeamMembership.team_id)
        ):
            teams.setdefault(user_id, []).append(team_id)
    return [
        {
            "id": p.id,
            "email": p.email,
            "name": p.name,
            "external_id": external.get(p.id),
            "active": p.active,
            "signed_up": p.has_signed_up,
            "manager": p.is_manager,
            "teams": teams.get(p.id, []),
        }
        for p in people
    ]


@org_bp.route("/org/staff")
@org_bp.arguments(s.StaffArgsSchema, location="query", as_kwargs=True)
@org_bp.response(200, s.StaffPageSchema)
@problems(org_bp, 403)
def list_staff(cursor=None, limit=50, status="active"):
    """The organisation's people by id, a page at a time (``status``: active, inactive or all)."""
    organisation = require_manager()
    query = select(User).where(User.organisation_id == organisation.id)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "inactive":
        query = query.where(User.active.is_(False))
    rows, next_cursor = services.page(query, User.id, cursor=cursor, limit=limit)
    return {"items": _staff_dicts(organisation, [row[0] for row in rows]), "next_cursor": next_cursor}


@org_bp.route("/org/staff", methods=["POST"])
@org_bp.arguments(s.StaffCreateSchema)
@org_bp.response(201, s.StaffSchema, description="Invited now")
@org_bp.alt_response(
    200, schema=s.StaffSchema, description="Already there (found by external id or e-mail)", success=True
)
@problems(org_bp, 403, 404, 409, 422)
def create_staff(data):
    """Invite a person, or find them again: idempotent by ``external_id`` and by e-mail (for HR-system sync)."""
    organisation = require_manager()
    team = org_services.get_team(organisation, data["team_id"]) if data.get("team_id") else None
    with unique_or_conflict():
        synced = services.sync_staff_member(
            organisation,
            email=data["email"],
            name=data.get("name") or "",
            external_id=data.get("external_id"),
            team=team,
            inviter=caller().acting_user,
        )
    db.session.commit()
    return _staff_dicts(organisation, [synced.user])[0], 201 if synced.created else 200


@org_bp.route("/org/staff/<int:user_id>")
@org_bp.response(200, s.StaffSchema)
@problems(org_bp, 403, 404)
def get_staff(user_id):
    """One person of the organisation."""
    organisation = require_manager()
    person = org_services.get_staff_member(organisation, checked_id(user_id))
    return _staff_dicts(organisation, [person])[0]


def _set_active(user_id: int, active: bool) -> dict:
    organisation = require_manager()
    person = org_services.get_staff_member(organisation, checked_id(user_id))
    org_services.set_active(organisation, person, active, acting=caller().acting_user)
    db.session.commit()
    return _staff_dicts(organisation, [person])[0]


@org_bp.route("/org/staff/<int:user_id>/deactivate", methods=["POST"])
@org_bp.response(200, s.StaffSchema)
@problems(org_bp, 403, 404, 422)
def deactivate_staff(user_id):
    """The person can no longer sign in (their progress stays). Repeating it changes nothing."""
    return _set_active(user_id, False)


@org_bp.route("/org/staff/<int:user_id>/reactivate", methods=["POST"])
@org_bp.response(200, s.StaffSchema)
@problems(org_bp, 403, 404, 422)
def reactivate_staff(user_id):
    """The person can sign in again."""
    return _set_active(user_id, True)


# --- organisation: teams ----------------------------------------------------------------


@org_bp.route("/org/teams")
@org_bp.response(200, s.TeamSchema(many=True))
@problems(org_bp, 403)
def list_teams():
    """The organisation's teams with their member counts."""
    organisation = require_manager()
    return [{"id": t.id, "name": t.name, "member_count": n} for t, n in org_services.teams_with_counts(organisation)]


@org_bp.route("/org/teams", methods=["POST"])
@org_bp.arguments(s.TeamCreateSchema)
@org_bp.response(201, s.TeamSchema)
@problems(org_bp, 403, 409, 422)
def create_team(data):
    """A new team (names are unique in the organisation, whatever their case)."""
    organisation = require_manager()
    with unique_or_conflict():
        team = org_services.create_team(organisation, data["name"])
    db.session.commit()
    return {"id": team.id, "name": team.name, "member_count": 0}


def _team_detail(organisation, team) -> dict:
    members = team.members
    return {
        "id": team.id,
        "name": team.name,
        "member_count": len(members),
        "members": _staff_dicts(organisation, list(members)),
    }


@org_bp.route("/org/teams/<int:team_id>")
@org_bp.response(200, s.TeamDetailSchema)
@problems(org_bp, 403, 404)
def get_team(team_id):
    """A team and its members."""
    organisation = require_manager()
    return _team_detail(organisation, org_services.get_team(organisation, checked_id(team_id)))


@org_bp.route("/org/teams/<int:team_id>/members/<int:user_id>", methods=["PUT"])
@org_bp.response(200, s.MembershipSchema)
@problems(org_bp, 403, 404, 409)
def add_member(team_id, user_id):
    """Put a person in the team (``added`` false when they already were)."""
    organisation = require_manager()
    team = org_services.get_team(organisation, checked_id(team_id))
    person = org_services.get_staff_member(organisation, checked_id(user_id))
    with unique_or_conflict():
        added = org_services.add_member(organisation, team, person)
    db.session.commit()
    return {"team_id": team.id, "user_id": person.id, "added": added}


@org_bp.route("/org/teams/<int:team_id>/members/<int:user_id>", methods=["DELETE"])
@org_bp.response(204)
@problems(org_bp, 403, 404)
def remove_member(team_id, user_id):
    """Take a person out of the team (nothing happens when they were not in it)."""
    organisation = require_manager()
    team = org_services.get_team(organisation, checked_id(team_id))
    person = org_services.get_staff_member(organisation, checked_id(user_id))
    org_services.remove_member(organisation, team, person)
    db.session.commit()
    return ""


# --- organisation: templates and assignments ----------------------------------------------


@org_bp.route("/org/templates")
@org_bp.response(200, s.TemplateSchema(many=True))
@problems(org_bp, 403)
def list_templates():
    """The path templates this organisation may assign: network-wide and its own."""
    organisation = require_manager()
    return [
        {
            "id": t.id,
            "title": t.title or {},
            "network": t.organisation_id is None,
            "modules": [g.module.slug for g in t.goals if g.module is not None],
            "themes": [g.theme.slug for g in t.goals if g.theme is not None],
        }
        for t in assignment_services.templates_for(organisation.id)
    ]


def _assignment_dict(assignment) -> dict:
    return {
        "id": assignment.id,
        "template_id": assignment.template_id,
        "team_id": assignment.team_id,
        "user_ids": sorted(p.user_id for p in assignment.people),
        "start": assignment.start,
        "due": assignment.due,
        "note": assignment.note or "",
        "withdrawn": assignment.withdrawn_at is not None,
    }


@org_bp.route("/org/assignments")
@org_bp.response(200, s.AssignmentSchema(many=True))
@problems(org_bp, 403)
def list_assignments():
    """The organisation's active assignments, by due date."""
    organisation = require_manager()
    return [_assignment_dict(a) for a in assignment_services.organisation_assignments(organisation.id)]


@org_bp.route("/org/assignments", methods=["POST"])
@org_bp.arguments(s.AssignmentCreateSchema)
@org_bp.response(201, s.AssignmentSchema)
@problems(org_bp, 403, 404, 422)
def create_assignment(data):
    """Give a template to a team or to named people, due on ``due`` (not in the past)."""
    organisation = require_manager()
    acting = caller().acting_user
    assignment = assignment_services.assign(
        organisation.id,
        acting.id if acting else None,
        template_id=data["template_id"],
        team_id=data.get("team_id"),
        user_ids=list(data.get("user_ids") or []),
        due=data["due"],
        note=data.get("note") or "",
    )
    db.session.commit()
    return _assignment_dict(assignment)


# --- organisation: progress -----------------------------------------------------------------


@org_bp.route("/org/progress")
@org_bp.arguments(s.ProgressArgsSchema, location="query", as_kwargs=True)
@org_bp.response(200, s.ProgressPageSchema)
@problems(org_bp, 403, 404)
def org_progress(cursor=None, limit=50, team_id=None, user_id=None):
    """Progress rows of the organisation's people (or one team's, or one person's), a page at a time.

    The cursor is the last row's place: rows added meanwhile come on later pages, none is repeated or skipped.
    """
    organisation = require_manager()
    query = (
        select(Progress, Module.slug)
        .join(Module, Module.id == Progress.module_id)
        .join(User, User.id == Progress.user_id)
        .where(User.organisation_id == organisation.id)
    )
    if team_id is not None:
        team = org_services.get_team(organisation, team_id)
        query = query.where(
            Progress.user_id.in_(select(TeamMembership.user_id).where(TeamMembership.team_id == team.id))
        )
    if user_id is not None:
        person = org_services.get_staff_member(organisation, user_id)
        query = query.where(Progress.user_id == person.id)
    rows, next_cursor = services.page(query, Progress.id, cursor=cursor, limit=limit)
    return {"items": [_progress_dict(p, slug) for p, slug in rows], "next_cursor": next_cursor}
