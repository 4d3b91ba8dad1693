"""Learning events as xAPI 1.0.3 statements: a pure mapping from event data to dicts.

No Flask, no SQLAlchemy: :mod:`kampus.xapi.services` reads the rows and hands
over :class:`EventData` / :class:`AssignmentData`; this module only decides
what statement(s) an event makes, in the words of :mod:`kampus.xapi.vocabulary`.

The mapping is the table :data:`KINDS` (event kind → rules). A rule returns the
verb, object, result and extensions of one statement, or ``None`` when it does
not apply to that event; an event kind missing from the table makes no
statement (the caller counts it as skipped). A new kind is one entry.

Identifiers:
- statement ``id``: ``uuid5(namespace, "event/<id>/<rule>")``, the namespace
  derived from the base URL, so a statement keeps its id however often it is
  built or sent (the outbox stores it too);
- actor: an ``account`` with ``homePage`` = the base URL and ``name`` = an
  opaque id per user (see :func:`actor_name`), never an e-mail address;
- activities: ``{base}/modules/{slug}``, ``{base}/modules/{slug}/sections/{n}``
  (``n`` counts from 1), ``{base}/modules/{slug}/self-check``,
  ``{base}/paths/{id}`` (a personal path), ``{base}/me/assignments/{id}`` (an
  assigned path), ``{base}/themes/{slug}``;
- ``context.registration``: ``uuid5(namespace, "assignment/<id>")`` or
  ``"path/<id>"`` for the path the module belongs to (assignments first), and
  every such path in ``contextActivities.grouping`` beside the theme.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kampus.xapi.vocabulary import (  # noqa: F401 - re-exported: the vocabulary is part of the mapping
    ACTIVITY_TYPES,
    KAMPUS_NAMESPACE,
    LANGUAGES,
    SELF_CHECK_NAME,
    VERBS,
    XAPI_VERSION,
    Verb,
    actor_name,
    agent,
    extension,
    iso,
    language_map,
    namespace,
    statement_id,
)

# --- inputs (filled by kampus.xapi.services) ------------------------------------


@dataclass(frozen=True)
class ModuleInfo:
    slug: str
    title: Mapping[str, str]
    theme_slug: str
    theme_title: Mapping[str, str]
    pass_mark: int


@dataclass(frozen=True)
class SectionInfo:
    position: int  # 0-based, as the event log stores it
    title: str


@dataclass(frozen=True)
class PathInfo:
    kind: str  # "assignment" or "path"
    id: int
    title: Mapping[str, str]


@dataclass(frozen=True)
class EventData:
    """One learning event with what its statement needs to know."""

    id: int
    kind: str
    actor: str  # the learner's opaque account name
    occurred_at: datetime  # naive UTC, as stored
    data: Mapping = field(default_factory=dict)
    module: ModuleInfo | None = None
    section: SectionInfo | None = None
    paths: tuple[PathInfo, ...] = ()
    people: Mapping[int, str] = field(default_factory=dict)  # other user ids named in data → opaque names
    language: str | None = None  # the learner's language (fi, sv, en): context.language


@dataclass(frozen=True)
class AssignmentData:
    """An assignment: the manager (actor) gave a path to a team or to named people."""

    id: int
    actor: str | None  # the manager's opaque name; None when the account is gone (or was never recorded)
    occurred_at: datetime
    title: Mapping[str, str]
    organisation: str | None = None  # opaque name of the organisation: the actor when there is no manager
    team: str | None = None  # opaque name of the team
    people: tuple[str, ...] = ()  # opaque names of the named people
    due: str | None = None  # ISO date


# --- small builders -------------------------------------------------------------


def registration(base_url: str, path: PathInfo) -> str:
    return str(uuid.uuid5(namespace(base_url), f"{path.kind}/{path.id}"))


def activity(base_url: str, kind: str, path: str, name: dict, description: dict | None = None) -> dict:
    definition = {"type": ACTIVITY_TYPES[kind], "name": name}
    if description:
        definition["description"] = description
    return {"objectType": "Activity", "id": f"{base_url}{path}", "definition": definition}


def module_activity(base_url: str, module: ModuleInfo) -> dict:
    return activity(base_url, "module", f"/modules/{module.slug}", language_map(module.title))


def theme_activity(base_url: str, module: ModuleInfo) -> dict:
    return activity(base_url, "theme", f"/themes/{module.theme_slug}", language_map(module.theme_title))


def path_activity(base_url: str, path: PathInfo) -> dict:
    where = f"/me/assignments/{path.id}" if path.kind == "assignment" else f"/paths/{path.id}"
    return activity(base_url, "path", where, language_map(path.title))


def self_check_activity(base_url: str, module: ModuleInfo) -> dict:
    title = language_map(module.title)
    name = {tag: f"{SELF_CHECK_NAME[lang]}: {title[tag]}" for lang, tag in LANGUAGES}
    return activity(base_url, "self_check", f"/modules/{module.slug}/self-check", name)


def section_activity(base_url: str, module: ModuleInfo, section: SectionInfo) -> dict:
    n = section.position + 1
    title = language_map(module.title)
    name = {tag: f"{title[tag]} – {n}. {section.title}" for _lang, tag in LANGUAGES}
    return activity(base_url, "section", f"/modules/{module.slug}/sections/{n}", name)


def percent_score(score) -> dict:
    raw = max(0, min(100, int(score)))
    return {"scaled": round(raw / 100, 4), "raw": raw, "min": 0, "max": 100}


# --- the table --------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """What a rule decides; :func:`statements_for_event` adds id, actor, timestamp and context."""

    verb: str
    object: dict
    result: dict | None = None
    extensions: dict | None = None
    parent: dict | None = None
    instructor: dict | None = None


Rule = Callable[[EventData, str], "Part | None"]


def _needs_module(rule: Rule) -> Rule:
    def checked(event: EventData, base_url: str):
        return rule(event, base_url) if event.module is not None else None

    checked.__name__ = rule.__name__
    return checked


@_needs_module
def started(event, base):
    return Part("attempted", module_activity(base, event.module))


def experienced(event, base):
    if event.module is None or event.section is None:
        return None
    return Part(
        "experienced", section_activity(base, event.module, event.section), parent=module_activity(base, event.module)
    )


def _attempt_passed(event: EventData) -> bool | None:
    if "passed" in event.data:
        return bool(event.data["passed"])
    if "score" in event.data and event.module is not None:
        return int(event.data["score"]) >= event.module.pass_mark
    return None


@_needs_module
def answered(event, base):
    if "score" not in event.data:
        return None
    result = {"score": percent_score(event.data["score"]), "completion": True}
    passed = _attempt_passed(event)
    if passed is not None:
        result["success"] = passed
    return Part("answered", self_check_activity(base, event.module), result, parent=module_activity(base, event.module))


@_needs_module
def failed(event, base):
    if _attempt_passed(event) is not False:
        return None
    return Part(
        "failed",
        self_check_activity(base, event.module),
        {"score": percent_score(event.data["score"]), "success": False, "completion": True},
        parent=module_activity(base, event.module),
    )


@_needs_module
def passed(event, base):
    result: dict[str, Any] = {"success": True, "completion": True}
    if "score" in event.data:
        result["score"] = percent_score(event.data["score"])
    return Part("passed", self_check_activity(base, event.module), result, parent=module_activity(base, event.module))


@_needs_module
def completed(event, base):
    result: dict[str, Any] = {"completion": True}
    if "score" in event.data:
        result["score"] = percent_score(event.data["score"])
    return Part("completed", module_activity(base, event.module), result)


#: Provenance keys passed through to the recognition extension (ids of people become opaque names).
PROVENANCE_KEYS = ("how", "request_id", "attempt_id", "level", "theme", "decided_at")
PEOPLE_KEYS = ("approved_by", "decided_by", "manager_id")


def _provenance(event: EventData) -> dict:
    found = {key: event.data[key] for key in PROVENANCE_KEYS if event.data.get(key) not in (None, "")}
    for key in PEOPLE_KEYS:
        if event.data.get(key) in event.people:
            found[key] = event.people[event.data[key]]
    return found


@_needs_module
def recognised(event, base):
    """Prior learning. Passing the self-check first ("testing out") is a pass with the test-out extension;
    any other recognition (self-assessment, a manager's approval) is cmi5's ``waived``."""
    provenance = _provenance(event)
    extensions: dict[str, Any] = {extension(base, "recognition"): provenance}
    instructor = None
    for key in PEOPLE_KEYS:
        if key in provenance:
            instructor = agent(base, provenance[key])
            break
    if event.data.get("how") == "self_check" or event.data.get("test_out"):
        extensions[extension(base, "test-out")] = True
        result: dict[str, Any] = {"success": True, "completion": True}
        if "score" in event.data:
            result["score"] = percent_score(event.data["score"])
        return Part("passed", module_activity(base, event.module), result, extensions, instructor=instructor)
    return Part(
        "waived",
        module_activity(base, event.module),
        {"success": True, "completion": True},
        extensions,
        instructor=instructor,
    )


def tested_out(event, base):
    """A kind of its own for testing out (should the log name it so): a recognition by self-check."""
    return recognised(
        replace(event, data={**event.data, "how": event.data.get("how", "self_check"), "test_out": True}), base
    )


@_needs_module
def rated(event, base):
    if event.data.get("rating") is None:
        return None
    rating = int(event.data["rating"])
    return Part(
        "rated",
        module_activity(base, event.module),
        {"score": {"scaled": round(rating / 5, 4), "raw": rating, "min": 1, "max": 5}},
    )


#: Event kind (``LearningEvent.verb``) → the rules that make its statements, keyed by a name that
#: is part of each statement id (so never rename a key). Kinds not here make no statement.
KINDS: dict[str, dict[str, Rule]] = {
    "started": {"main": started},
    "section_viewed": {"main": experienced},
    "attempted": {"main": answered, "failed": failed},
    "passed": {"main": passed},
    "completed": {"main": completed},
    "recognised": {"main": recognised},
    "tested_out": {"main": tested_out},
    "rated": {"main": rated},
}


def statements_for_event(event: EventData, base_url: str) -> list[dict]:
    """The statements ``event`` makes (none for a kind the table does not know)."""
    base_url = base_url.rstrip("/")
    made = []
    for key, rule in KINDS.get(event.kind, {}).items():
        part = rule(event, base_url)
        if part is None:
            continue
        made.append(_assemble(event, base_url, key, part))
    return made


def _assemble(event: EventData, base: str, key: str, part: Part) -> dict:
    context: dict = {"platform": "Kampus"}
    if event.language in dict(LANGUAGES):
        context["language"] = dict(LANGUAGES)[event.language]
    activities: dict = {}
    if part.parent is not None:
        activities["parent"] = [part.parent]
    grouping = [theme_activity(base, event.module)] if event.module is not None else []
    grouping += [path_activity(base, path) for path in event.paths]
    if grouping:
        activities["grouping"] = grouping
    if activities:
        context["contextActivities"] = activities
    if event.paths:
        context["registration"] = registration(base, event.paths[0])
    if part.instructor is not None:
        context["instructor"] = part.instructor
    if part.extensions:
        context["extensions"] = part.extensions
    statement = {
        "id": statement_id(base, f"event/{event.id}/{key}"),
        "actor": agent(base, event.actor),
        "verb": VERBS[part.verb].as_dict(),
        "object": part.object,
        "context": context,
        "timestamp": iso(event.occurred_at),
        "version": XAPI_VERSION,
    }
    if part.result:
        statement["result"] = part.result
    return statement


def statements_for_assignment(assignment: AssignmentData, base_url: str) -> list[dict]:
    """The manager assigned a path: actor the manager (else the organisation, as an identified
    Group), object the assigned path, the team or the named people as ``context.team``,
    ``registration`` the assignment's."""
    base = base_url.rstrip("/")
    if assignment.actor is not None:
        actor = agent(base, assignment.actor)
    elif assignment.organisation is not None:
        actor = {"objectType": "Group", "account": {"homePage": base, "name": assignment.organisation}}
    else:
        return []
    path = PathInfo("assignment", assignment.id, assignment.title)
    context: dict = {"platform": "Kampus", "registration": registration(base, path)}
    if assignment.team is not None:
        context["team"] = {"objectType": "Group", "account": {"homePage": base, "name": assignment.team}}
    elif assignment.people:
        context["team"] = {"objectType": "Group", "member": [agent(base, name) for name in assignment.people]}
    if assignment.due:
        context["extensions"] = {extension(base, "due"): assignment.due}
    return [
        {
            "id": statement_id(base, f"assignment/{assignment.id}/main"),
            "actor": actor,
            "verb": VERBS["assigned"].as_dict(),
            "object": path_activity(base, path),
            "context": context,
            "timestamp": iso(assignment.occurred_at),
            "version": XAPI_VERSION,
        }
    ]
