"""The app's routes as tests see them: every rule of the URL map, and the demo values
that fill a rule's arguments, so generated checks (the browser's every-page check, the
route × role matrices' coverage test) cannot miss a route.

- :func:`url_rules` lists ``(method, rule)`` for every rule (HEAD and OPTIONS left out),
  read from an app built on an in-memory database (usable at collection time).
- :data:`DEMO_VALUES` maps an argument name (``team_id``), or ``endpoint:argument``
  (``catalogue.theme:slug``) where one name means different things, to a function that
  returns a value from the demo data (``seed/demo.yaml``), making the object when the demo
  data has none. :func:`demo_url` fills a rule and fails with the line to add when an
  argument has no entry.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sqlalchemy import select
from werkzeug.routing import Rule

SKIPPED_METHODS = {"HEAD", "OPTIONS"}

# The demo people each role signs in as (password: seed/demo.yaml's).
DEMO_PASSWORD = "kampus-demo"
DEMO_USERS = {
    "learner": "maija.virtanen@jarvilaakso.example",  # team Sosiaali- ja terveysala, which has an assignment
    "manager": "sari.manninen@jarvilaakso.example",
    "admin": "admin@kampus.example",
}
DEMO_ORGANISATION = "jarvilaakso"
DEMO_TEAM = "Sosiaali- ja terveysala"
DEMO_MODULE = "digikyvykkyyden-itsearviointi"  # published, no prerequisites, a self-check
DEMO_THEME = "pedagogiikka"


@cache
def rules_app():
    """An app on an in-memory database: only its URL map is read."""
    from kampus.app import create_app
    from kampus.config import TestConfig

    return create_app({"ENV_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def url_rules(app=None) -> list[tuple[str, Rule]]:
    """``(method, rule)`` for every rule of the URL map, sorted by path."""
    app = app or rules_app()
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - SKIPPED_METHODS):
            found.append((method, rule))
    return sorted(found, key=lambda pair: (pair[1].rule, pair[0]))


def get_rules(app=None) -> list[Rule]:
    return [rule for method, rule in url_rules(app) if method == "GET"]


# --- demo values ---------------------------------------------------------------------
# Each function runs inside the app context of the server under test and may flush;
# the caller commits. Values are computed once per server.


def _user(email: str):
    from kampus.auth.models import User

    return select(User).where(User.email == email)


def _one(statement):
    from kampus.extensions import db

    value = db.session.scalar(statement)
    assert value is not None, f"the demo data has nothing for {statement}"
    return value


def _learner():
    return _one(_user(DEMO_USERS["learner"]))


def _organisation_id():
    from kampus.orgs.models import Organisation

    return _one(select(Organisation.id).where(Organisation.slug == DEMO_ORGANISATION))


def _team_id():
    from kampus.orgs.models import Team

    return _one(select(Team.id).where(Team.organisation_id == _organisation_id(), Team.name == DEMO_TEAM))


def _network_template_id():
    from kampus.assignments.models import PathTemplate

    return _one(select(PathTemplate.id).where(PathTemplate.organisation_id.is_(None)).order_by(PathTemplate.id))


def _organisation_template_id():
    from kampus.assignments import services
    from kampus.assignments.models import PathTemplate

    found = select(PathTemplate.id).where(PathTemplate.organisation_id == _organisation_id())
    from kampus.extensions import db

    existing = db.session.scalar(found)
    if existing:
        return existing
    template = services.save_template(
        None,
        organisation_id=_organisation_id(),
        title={"fi": "Järvilaakson oma polku"},
        description={},
        target_group=None,
        module_slugs=[DEMO_MODULE],
        theme_slugs=[],
    )
    return template.id


def _assignment_id():
    from kampus.assignments.models import Assignment

    return _one(select(Assignment.id).where(Assignment.team_id == _team_id()).order_by(Assignment.id))


def _path_id():
    from kampus.extensions import db
    from kampus.paths import services
    from kampus.paths.models import Path

    learner = _learner()
    existing = db.session.scalar(select(Path.id).where(Path.user_id == learner.id))
    if existing:
        return existing
    return services.create_path(learner.id, title="Oma polku", module_slugs=[DEMO_MODULE], theme_slugs=[]).id


def _module():
    from kampus.catalogue.services import get_module

    return get_module(DEMO_MODULE, with_material=True)


def _attempt_id():
    """Learner's passed self-check of DEMO_MODULE (which also issues a credential when keys exist)."""
    from kampus.progress import services as progress
    from kampus.progress.models import Attempt

    learner = _learner()
    from kampus.extensions import db

    module = _module()
    existing = db.session.scalar(
        select(Attempt.id).where(Attempt.user_id == learner.id, Attempt.module_id == module.id)
    )
    if existing:
        return existing
    answers = {q.id: list(q.correct) for q in module.questions}
    return progress.submit_self_check(learner.id, module, answers).attempt_id


def _credential_uuid():
    from kampus.credentials.models import Credential
    from kampus.extensions import db

    _attempt_id()
    db.session.commit()  # the credential is issued after the commit
    return _one(select(Credential.uuid).where(Credential.user_id == _learner().id))


def _recognition_request_id():
    """A request of the learner's for a published module they have not started."""
    from kampus.catalogue.models import Module
    from kampus.extensions import db
    from kampus.progress.models import Progress
    from kampus.recognition.models import RecognitionRequest
    from kampus.recognition.services import request_recognition

    learner = _learner()
    existing = db.session.scalar(select(RecognitionRequest.id).where(RecognitionRequest.user_id == learner.id))
    if existing:
        return existing
    started = select(Progress.module_id).where(Progress.user_id == learner.id)
    module = _one(select(Module).where(Module.status == "published", Module.id.not_in(started)).order_by(Module.id))
    row, _ = request_recognition(learner, module, "Olen tehnyt tätä vuosia.")
    return row.id


def api_token(role: str) -> str | None:
    """A read token of the demo ``role``'s own (None for visitors and administrators), for /api/v1."""
    from kampus.api import services

    if role not in ("learner", "manager"):
        return None
    person = _one(_user(DEMO_USERS[role]))
    return services.create_token(name="Sivutesti", scope="read", user=person, created_by=person).secret


def _personal_token_id():
    """The demo learner's own token (its revoke confirmation page)."""
    from kampus.api import services

    person = _learner()
    return services.create_token(name="Vahvistussivu", scope="read", user=person, created_by=person).token.id


def _organisation_token_id():
    """A token of the demo organisation (its revoke confirmation page, for its manager)."""
    from kampus.api import services
    from kampus.orgs.models import Organisation

    manager = _one(_user(DEMO_USERS["manager"]))
    organisation = _one(select(Organisation).where(Organisation.slug == DEMO_ORGANISATION))
    return services.create_token(
        name="Vahvistussivu", scope="read", organisation=organisation, created_by=manager
    ).token.id


def _invitation_token():
    from kampus.auth import tokens
    from kampus.auth.models import User
    from kampus.extensions import db

    invited = db.session.scalar(_user("kutsuttu.demo@jarvilaakso.example"))
    if invited is None:
        invited = User(
            email="kutsuttu.demo@jarvilaakso.example",
            name="",
            organisation_id=_organisation_id(),
            language="fi",
        )
        db.session.add(invited)
        db.session.flush()
    return tokens.make_token(tokens.INVITATION, invited)


def _reset_token():
    from kampus.auth import tokens

    return tokens.make_token(tokens.PASSWORD_RESET, _one(_user("juha.nieminen@jarvilaakso.example")))


def _case(collection: str, *, definition: bool = False) -> Callable[[], str]:
    """The identifier of the first entry of ``collection`` in the CASE package (or its definitions)."""

    def identifier():
        from kampus.case import services

        package = services.case_package("http://localhost")
        if collection == "CFDocument":
            return package["CFDocument"]["identifier"]
        entries = package["CFDefinitions"][collection] if definition else package[collection]
        return entries[0]["identifier"]

    return identifier


def _status_list_number():
    from kampus.credentials import services

    _credential_uuid()
    return services.status_list_numbers()[0]


def _identity_provider_id():
    """An OpenID Connect provider of the demo organisation (the demo data has none)."""
    from kampus.extensions import db
    from kampus.orgs.models import Organisation
    from kampus.sso.models import IdentityProvider

    found = db.session.scalar(select(IdentityProvider.id).where(IdentityProvider.slug == "jarvilaakso-demo-id"))
    if found is not None:
        return found
    provider = IdentityProvider(
        organisation=db.session.get(Organisation, _organisation_id()),
        kind="oidc",
        name="Järvilaakso ID",
        slug="jarvilaakso-demo-id",
        email_domains="jarvilaakso.example",
        config={"issuer": "https://idp.example.invalid", "client_id": "kampus", "client_secret": "demo-secret"},
        role_rules=[],
    )
    db.session.add(provider)
    db.session.flush()
    return provider.id


def _job_id():
    """A finished export of the demo manager's, with its file (the demo data has none)."""
    from kampus.db import utcnow
    from kampus.extensions import db
    from kampus.jobs.models import DONE, Job
    from kampus.jobs.progress import files_folder

    found = db.session.scalar(select(Job.id).where(Job.key == "demo:progress-export"))
    if found is not None:
        return found
    manager = _one(_user(DEMO_USERS["manager"]))
    (files_folder() / "demo-progress-export").write_bytes("\ufeffNimi;Sähköposti\r\n".encode())
    job = Job(
        kind="progress_export",
        key="demo:progress-export",
        user_id=manager.id,
        organisation_id=manager.organisation_id,
        params={"format": "csv", "file_name": "kampus-demo-progress.csv", "locale": "fi"},
        state=DONE,
        done=3,
        total=3,
        file_name="kampus-demo-progress.csv",
        file_mimetype="text/csv",
        file_path="demo-progress-export",
        finished_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job.id


DEMO_VALUES: dict[str, Callable[[], object]] = {
    # by argument name
    "slug": lambda: DEMO_MODULE,
    "team_id": _team_id,
    "user_id": lambda: _learner().id,
    "organisation_id": _organisation_id,
    "assignment_id": _assignment_id,
    "path_id": _path_id,
    "attempt_id": _attempt_id,
    "request_id": _recognition_request_id,
    "credential_uuid": _credential_uuid,
    "number": _status_list_number,
    "filename": lambda: "css/kampus.css",
    "provider_id": _identity_provider_id,
    "job_id": _job_id,
    # where one name means different things
    "catalogue.theme:slug": lambda: DEMO_THEME,
    "catalogue-api.get_theme:slug": lambda: DEMO_THEME,
    "authoring.edit_theme:slug": lambda: DEMO_THEME,
    "assignments.org_template_edit:template_id": _organisation_template_id,
    "assignments.admin_template_edit:template_id": _network_template_id,
    "credentials.path_achievement:template_id": _network_template_id,
    "credentials.path_badge:template_id": _network_template_id,
    "api_tokens.revoke_personal:token_id": _personal_token_id,
    "api_tokens.revoke_organisation:token_id": _organisation_token_id,
    "auth.accept_invitation:token": _invitation_token,
    "auth.reset_password:token": _reset_token,
    "case.document:identifier": _case("CFDocument"),
    "case.package:identifier": _case("CFDocument"),
    "case.item:identifier": _case("CFItems"),
    "case.association:identifier": _case("CFAssociations"),
    "case.item_type:identifier": _case("CFItemTypes", definition=True),
    "case.association_grouping:identifier": _case("CFAssociationGroupings", definition=True),
}


class MissingDemoValue(AssertionError):
    pass


def demo_key(rule: Rule, argument: str) -> str:
    key = f"{rule.endpoint}:{argument}"
    if key in DEMO_VALUES:
        return key
    if argument in DEMO_VALUES:
        return argument
    raise MissingDemoValue(
        f"GET {rule.rule} ({rule.endpoint}) has the argument <{argument}> and tests/routes.py has no demo value "
        f"for it. Add to DEMO_VALUES in tests/routes.py either\n"
        f'    "{rule.endpoint}:{argument}": lambda: <a value from seed/demo.yaml>,\n'
        f'or, when every <{argument}> means the same kind of object,\n    "{argument}": <function>,\n'
        "(a function may make the object through the services and flush when the demo data has none)."
    )


class DemoUrls:
    """Fill rules with demo values, each value computed once (inside ``app``'s context)."""

    def __init__(self, app):
        self.app = app
        self.values: dict[str, object] = {}

    def value(self, rule: Rule, argument: str):
        key = demo_key(rule, argument)
        return self.value_of(key, DEMO_VALUES[key])

    def api_token(self, role: str) -> str | None:
        return self.value_of(f"api-token:{role}", lambda: api_token(role))

    def value_of(self, key: str, make: Callable[[], object]):
        if key not in self.values:
            from kampus.extensions import db

            with self.app.app_context():
                self.values[key] = make()
                db.session.commit()
                db.session.remove()
        return self.values[key]

    def url(self, rule: Rule) -> str:
        # An argument the rule fixes itself (``defaults``, e.g. an export's format) needs no demo value.
        arguments = {name: self.value(rule, name) for name in sorted(rule.arguments - set(rule.defaults or ()))}
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **arguments)
