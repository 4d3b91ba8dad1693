"""The prerequisite editor's services: check a change, show its impact, apply it.

A change is one edge ``before → after`` added (or its kind changed) or
removed. :func:`preview` asks the engine whether the change is allowed (a cycle
is refused, named in order), what validation would warn about afterwards, and
what it would change for learners (:func:`kampus.graph.impact`); nothing is
written. :func:`apply` writes it, refusing if the catalogue moved since the
preview, so that what the author confirmed is what happens.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from flask_babel import gettext as _
from sqlalchemy import select

from kampus.catalogue import audit
from kampus.catalogue.models import KINDS, Module, Prerequisite, Theme
from kampus.catalogue.services import bump_version, catalogue_graph, current_version, engine_rows
from kampus.errors import Conflict, CycleError, DomainError, UnknownModule
from kampus.extensions import db
from kampus.graph import Finding, ImpactLearner, Report, check_edge, impact, validate
from kampus.graph.goals import goal_modules
from kampus.graph.prereqs import edge_name

ACTIONS = ("add", "remove")


@dataclass(frozen=True)
class EdgeChange:
    """Add (or re-kind) the edge ``before → after``, or remove it."""

    action: str
    before: str
    after: str
    kind: str = "required"

    @property
    def name(self) -> str:
        return edge_name(self.before, self.after)


@dataclass
class ImpactSummary:
    """What an edit would change for learners: counts for people, and the path keys for tests."""

    learners_changed: int
    paths_changed: int
    newly_locked: dict[str, int]  # slug -> number of learners who started it and would find it locked
    path_keys: list = field(default_factory=list)  # (user_id, "p<id>" | "a<id>") whose plans change
    people: list[ImpactPerson] = field(default_factory=list)  # the first PEOPLE_LISTED of those learners
    people_more: int = 0  # how many more are not listed
    due_at_risk: int = 0  # assigned paths whose deadline state moves to at risk or overdue


@dataclass
class ImpactPerson:
    """One learner whose path changes: who, the planned minutes added (negative: removed)
    over their changed paths, and the assignments that would move to at risk."""

    user_id: int
    name: str
    organisation: str
    minutes: int
    at_risk: list = field(default_factory=list)  # (assignment title map, due date, new state)


#: Learners listed by name in an impact preview (the rest are counted).
PEOPLE_LISTED = 50


@dataclass
class ChangePreview:
    change: EdgeChange
    version: int
    previous_kind: str | None
    impact: ImpactSummary
    warnings: list[Finding] = field(default_factory=list)


def graph_with(graph: nx.DiGraph, change: EdgeChange) -> nx.DiGraph:
    """A copy of ``graph`` with the change made."""
    after = graph.copy()
    if change.action == "add":
        after.add_edge(change.before, change.after, kind=change.kind)
    elif after.has_edge(change.before, change.after):
        after.remove_edge(change.before, change.after)
    return after


def check(graph: nx.DiGraph, change: EdgeChange) -> str | None:
    """Refuse a change the catalogue cannot take; returns the edge's current kind (None if new).

    Raises :class:`DomainError` with the field ``before``: a cycle is named in
    order (``a → b → c → a``).
    """
    if change.action not in ACTIONS or change.kind not in KINDS:
        raise DomainError(_("Choose whether the prerequisite is required or recommended."), field="kind")
    current = graph.edges[change.before, change.after]["kind"] if graph.has_edge(change.before, change.after) else None
    if change.action == "remove":
        if current is None:
            raise DomainError(_("There is no such prerequisite (any more)."), field="before")
        return current
    if change.before == change.after:
        raise DomainError(_("A module cannot be its own prerequisite."), field="before")
    try:
        check_edge(graph, change.before, change.after)
    except CycleError as error:
        raise DomainError(
            _(
                "This prerequisite would close a loop: %(cycle)s. A module cannot come before itself; "
                "remove a prerequisite of the loop first or choose another module.",
                cycle=" → ".join(error.cycle),
            ),
            field="before",
        ) from None
    except UnknownModule:
        raise DomainError(_("Choose a module from the list."), field="before") from None
    if current == change.kind:
        raise DomainError(_("This prerequisite exists already."), field="before")
    return current


NO_PATH = "-"


def learner_states(graph_before: nx.DiGraph, graph_after: nx.DiGraph) -> dict[tuple[int, str], ImpactLearner]:
    """Every learner's every path and assignment as the engine's state, in a fixed number of queries.

    Keys are ``(user_id, "p<path id>")`` for personal paths and ``(user_id, "a<assignment id>")``
    for active assignments (through a team the person is in, or by name), as the
    dashboard names them. Goals are the modules chosen plus the published modules
    of whole-theme goals (on either graph, as the planner's callers do on the live
    one). A learner with modules in progress but neither gets ``(user_id, "-")``
    with no goals, so that newly locked modules count them too.
    """
    from kampus.paths.models import Path, PathGoal
    from kampus.progress.services import EMPTY_STATE, learner_states

    states = learner_states(None)

    graphs = (graph_before, graph_after)
    themes = {data["theme"] for graph in graphs for _slug, data in graph.nodes(data=True) if data.get("theme")}
    # A theme goal means its published modules (the one rule, goal_modules), on either graph.
    theme_modules: dict[str | None, list[str]] = {
        theme: list(dict.fromkeys(slug for graph in graphs for slug in goal_modules(graph, [], [theme])))
        for theme in themes
    }

    goals: dict[tuple[int, str], list[str]] = defaultdict(list)
    for user_id, path_id, module_slug, theme_slug in db.session.execute(
        select(Path.user_id, Path.id, Module.slug, Theme.slug)
        .join(PathGoal, PathGoal.path_id == Path.id)
        .outerjoin(Module, PathGoal.module_id == Module.id)
        .outerjoin(Theme, PathGoal.theme_id == Theme.id)
        .order_by(Path.id, PathGoal.id)
    ):
        goals[(user_id, f"p{path_id}")].extend([module_slug] if module_slug else theme_modules.get(theme_slug, []))
    deadlines = {}
    for key, (slugs, deadline) in _assignment_goals(theme_modules).items():
        goals[key].extend(slugs)
        deadlines[key] = deadline
    with_paths = {user_id for user_id, _key in goals}
    for user_id, state in states.items():
        if state.in_progress and user_id not in with_paths:
            goals[(user_id, NO_PATH)] = []
    return {
        key: ImpactLearner(
            list(dict.fromkeys(slugs)),
            states.get(key[0], EMPTY_STATE).satisfied,
            states.get(key[0], EMPTY_STATE).in_progress,
            *deadlines.get(key, ()),
        )
        for key, slugs in goals.items()
    }


def _assignment_goals(
    theme_modules: dict[str | None, list[str]],
) -> dict[tuple[int, str], tuple[list[str], tuple]]:
    """``(user_id, "a<id>")`` → (goal slugs, (due, weekly pace, today)) of every active assignment
    (three queries; none without the feature): the deadline state's inputs, as
    :func:`kampus.assignments.services.plan_assignment` gives them, for the people on it
    (:func:`kampus.assignments.services.people_on`: not the deactivated)."""
    try:
        from kampus.assignments.models import Assignment, TemplateGoal
        from kampus.assignments.services import SUSTAINABLE_MINUTES_PER_WEEK, people_on, today
    except ImportError:  # pragma: no cover - the assignments feature is optional here
        return {}
    template_goals = defaultdict(list)
    for template_id, module_slug, theme_slug in db.session.execute(
        select(TemplateGoal.template_id, Module.slug, Theme.slug)
        .outerjoin(Module, TemplateGoal.module_id == Module.id)
        .outerjoin(Theme, TemplateGoal.theme_id == Theme.id)
        .order_by(TemplateGoal.id)
    ):
        template_goals[template_id].extend([module_slug] if module_slug else theme_modules.get(theme_slug, []))
    active = db.session.execute(
        select(Assignment.id, Assignment.template_id, Assignment.due).where(Assignment.withdrawn_at.is_(None))
    ).all()
    people = people_on(assignment_id for assignment_id, *_rest in active)
    result: dict[tuple[int, str], tuple[list[str], tuple]] = {}
    on = today()
    for assignment_id, template_id, due in active:
        for user_id in people[assignment_id]:
            result[(user_id, f"a{assignment_id}")] = (
                list(template_goals[template_id]),
                (due, SUSTAINABLE_MINUTES_PER_WEEK, on),
            )
    return result


def preview(change: EdgeChange) -> ChangePreview:
    """Check the change and compute what it would do; writes nothing. Raises :class:`DomainError`."""
    graph = catalogue_graph()
    previous = check(graph, change)
    return ChangePreview(
        change=change,
        version=graph.graph["version"] if "version" in graph.graph else current_version(),
        previous_kind=previous,
        impact=summarise(graph, graph_with(graph, change)),
        warnings=warnings_about(change),
    )


def summarise(graph_before: nx.DiGraph, graph_after: nx.DiGraph) -> ImpactSummary:
    """Every learner's paths planned on both graphs (:func:`kampus.graph.impact`), counted for people."""
    result = impact(graph_before, graph_after, learner_states(graph_before, graph_after))
    changed_people: list[int] = sorted({key[0] for key in result.changed})
    listed = changed_people[:PEOPLE_LISTED]
    return ImpactSummary(
        learners_changed=len(changed_people),
        paths_changed=len([key for key in result.changed if key[1] != NO_PATH]),
        newly_locked={slug: len({user_id for user_id, _path in keys}) for slug, keys in result.newly_locked.items()},
        path_keys=list(result.changed),
        people=_impact_people(listed, result),
        people_more=len(changed_people) - len(listed),
        due_at_risk=len(result.at_risk),
    )


def _impact_people(user_ids: list[int], result) -> list[ImpactPerson]:
    """The listed learners by name with their organisation, minutes and assignments at risk (two queries)."""
    if not user_ids:
        return []
    from kampus.assignments.models import Assignment, PathTemplate
    from kampus.auth.models import User
    from kampus.orgs.models import Organisation

    wanted = set(user_ids)
    minutes: dict[int, int] = {}
    for (user_id, _path), (before, after) in result.minutes.items():
        if user_id in wanted:
            minutes[user_id] = minutes.get(user_id, 0) + after - before
    risky = {(u, int(path[1:])): states for (u, path), states in result.at_risk.items() if u in wanted}
    assignments = {}
    if risky:
        assignments = {
            assignment_id: (title, due)
            for assignment_id, title, due in db.session.execute(
                select(Assignment.id, PathTemplate.title, Assignment.due)
                .join(PathTemplate, PathTemplate.id == Assignment.template_id)
                .where(Assignment.id.in_({a for _u, a in risky}))
            )
        }
    people = []
    for user_id, name, email, organisation in db.session.execute(
        select(User.id, User.name, User.email, Organisation.name)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(User.id.in_(user_ids))
        .order_by(User.name, User.email)
    ):
        at_risk = [
            (*assignments[a], states[1])
            for (u, a), states in sorted(risky.items())
            if u == user_id and a in assignments
        ]
        people.append(ImpactPerson(user_id, name or email, organisation or "", minutes.get(user_id, 0), at_risk))
    return people


def status_impact(slug: str, status: str) -> ImpactSummary:
    """What moving module ``slug`` to ``status`` would change for learners (retired counts as done)."""
    graph = catalogue_graph()
    after = graph.copy()
    if slug in after:
        after.nodes[slug]["status"] = status
    return summarise(graph, after)


def warnings_about(change: EdgeChange) -> list[Finding]:
    """Validation warnings after the change that involve its modules, or that the change creates."""
    modules, edges = engine_rows()
    before = {f.message for f in validate(modules, edges).warnings}
    edges = [e for e in edges if (e["before"], e["after"]) != (change.before, change.after)]
    if change.action == "add":
        edges.append({"before": change.before, "after": change.after, "kind": change.kind})
    ends = {change.before, change.after}
    return [
        f
        for f in validate(modules, edges).warnings
        if f.message not in before or ends & set((f.subject or "").split(" → "))
    ]


def module_warnings(slug: str) -> list[Finding]:
    """The whole catalogue's validation findings that name ``slug`` (errors first)."""
    modules, edges = engine_rows()
    return findings_naming(validate(modules, edges), slug)


def findings_naming(report: Report, slug: str) -> list[Finding]:
    """The findings of ``report`` whose subject is ``slug`` or an edge that ends in it (errors first)."""
    return [f for f in report.errors + report.warnings if slug in (f.subject or "").split(" → ")]


def apply(actor, change: EdgeChange, *, version: int) -> Prerequisite | None:
    """Write a previewed change. Raises :class:`Conflict` when the catalogue moved since the preview."""
    if version != current_version():
        raise Conflict(_("The catalogue changed after you looked at the impact. Check the impact again."))
    graph = catalogue_graph()
    previous = check(graph, change)
    ids = dict(
        db.session.execute(select(Module.slug, Module.id).where(Module.slug.in_([change.before, change.after]))).all()
    )
    edge = db.session.scalar(
        select(Prerequisite).where(
            Prerequisite.before_id == ids[change.before], Prerequisite.after_id == ids[change.after]
        )
    )
    if change.action == "remove":
        db.session.delete(edge)
        action, changes, result = "prerequisite.remove", {change.name: {"before": previous, "after": None}}, None
    elif edge is None:
        result = Prerequisite(before_id=ids[change.before], after_id=ids[change.after], kind=change.kind)
        db.session.add(result)
        action, changes = "prerequisite.add", {change.name: {"before": None, "after": change.kind}}
    else:
        edge.kind, result = change.kind, edge
        action, changes = "prerequisite.change", {change.name: {"before": previous, "after": change.kind}}
    db.session.flush()
    audit.record(actor, action, module_slug=change.after, changes=changes)
    bump_version()
    return result
