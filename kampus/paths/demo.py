"""Demo progress from ``seed/demo.yaml`` (``kampus seed --demo``): assignments
to teams and a plausible history of study for the demo staff — self-assessments,
recognitions and completions spread over the past months, so that team pages,
the capability radar and its trend show real values.

Deterministic (a seeded random generator) and idempotent: nothing is added
when the demo staff already have progress. Flushes only; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml
from sqlalchemy import func, select

from kampus.assignments.models import Assignment, PathTemplate
from kampus.assignments.services import template_goal_slugs
from kampus.auth.models import User
from kampus.catalogue.models import Module, Theme
from kampus.catalogue.services import catalogue_graph
from kampus.db import utcnow
from kampus.extensions import db
from kampus.graph import LEVELS, plan
from kampus.graph.prereqs import level_rank
from kampus.orgs.models import Organisation, Team
from kampus.progress.models import LearningEvent, Progress, SelfAssessment


def seed_demo(seed_dir: Path) -> str:
    data = yaml.safe_load((Path(seed_dir) / "demo.yaml").read_text(encoding="utf-8")) or {}
    settings = data.get("progress") or {}
    if not settings:
        return ""
    orgs = {o.slug: o for o in db.session.scalars(select(Organisation))}
    staff = list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id.is_not(None), User.active.is_(True), User.password_hash.is_not(None))
            .order_by(User.email)
        )
    )
    if not staff or db.session.scalar(
        select(func.count(Progress.id)).where(Progress.user_id.in_([u.id for u in staff]))
    ):
        return "demo progress: already there"
    rng = random.Random(settings.get("seed", 2026))
    now = utcnow()
    today = now.date()
    assignments = _assignments(settings.get("assignments") or [], orgs, today)
    graph = catalogue_graph()
    modules = {m.slug: m for m in db.session.scalars(select(Module))}
    themes = list(db.session.scalars(select(Theme).order_by(Theme.position)))
    templates = list(db.session.scalars(select(PathTemplate).where(PathTemplate.organisation_id.is_(None))))
    counts = {"assessed": 0, "recognised": 0, "completed": 0, "in_progress": 0}
    for person in staff:
        if rng.random() > settings.get("active_share", 0.8):
            continue
        satisfied: set[str] = set()
        when = now - dt.timedelta(days=rng.randint(120, 180))
        if rng.random() < settings.get("self_assessment_share", 0.6):
            for theme in rng.sample(themes, rng.randint(2, 5)):
                level = LEVELS[rng.choice((0, 0, 1, 1, 2, 3))]
                db.session.add(SelfAssessment(user_id=person.id, theme_id=theme.id, level=level, updated_at=when))
                _event(person, None, "assessed", when, theme=theme.slug, level=level)
                counts["assessed"] += 1
                for m in theme.modules:
                    if m.status == "published" and level_rank(m.level) <= level_rank(level) and rng.random() < 0.7:
                        _progress(person, m, "recognised", when, how="self_assessment")
                        satisfied.add(m.slug)
                        counts["recognised"] += 1
        goals = template_goal_slugs(rng.choice(templates), graph) if templates else []
        steps = [s.slug for s in plan(graph, goals, satisfied).steps]
        for slug in steps[: rng.randint(0, min(6, len(steps)))]:
            if any(b not in satisfied for b, d in graph.pred[slug].items() if d["kind"] == "required"):
                break
            when = min(now, when + dt.timedelta(days=rng.randint(3, 30)))
            _progress(person, modules[slug], "completed", when, score=rng.choice((70, 80, 90, 100)))
            satisfied.add(slug)
            counts["completed"] += 1
        open_steps = [s for s in steps if s not in satisfied]
        if open_steps and rng.random() < 0.5:
            _progress(person, modules[open_steps[0]], "in_progress", now - dt.timedelta(days=rng.randint(1, 20)))
            counts["in_progress"] += 1
    db.session.flush()
    return (
        f"demo progress: {len(assignments)} assignments, {counts['assessed']} self-assessments, "
        f"{counts['recognised']} recognised, {counts['completed']} completed, {counts['in_progress']} in progress"
    )


def _assignments(entries: list[dict], orgs: dict, today: dt.date) -> list[Assignment]:
    made = []
    for entry in entries:
        org = orgs.get(entry["organisation"])
        template = db.session.scalar(select(PathTemplate).where(PathTemplate.slug == entry["template"]))
        team = db.session.scalar(
            select(Team).where(Team.organisation_id == (org.id if org else None), Team.name == entry["team"])
        )
        if org is None or template is None or team is None:
            raise ValueError(
                f"demo.yaml: progress: assignments: {entry} names an unknown organisation, team or template"
            )
        due = today + dt.timedelta(days=int(entry["due_in_days"]))
        assignment = Assignment(
            organisation_id=org.id,
            template=template,
            team=team,
            start=min(today, due) - dt.timedelta(days=30),
            due=due,
            note=entry.get("note", ""),
        )
        db.session.add(assignment)
        made.append(assignment)
    return made


def _event(person: User, module: Module | None, verb: str, when: dt.datetime, **data) -> None:
    db.session.add(
        LearningEvent(user_id=person.id, module_id=module.id if module else None, verb=verb, data=data, created_at=when)
    )


def _progress(
    person: User, module: Module, status: str, when: dt.datetime, *, how: str | None = None, score: int | None = None
) -> None:
    started = when - dt.timedelta(days=2)
    db.session.add(
        Progress(
            user_id=person.id,
            module_id=module.id,
            status=status,
            recognised_by=how,
            best_score=score,
            started_at=started,
            finished_at=None if status == "in_progress" else when,
            updated_at=when,
        )
    )
    _event(person, module, "started", started)
    if status != "in_progress":
        _event(person, module, status, when, **({"how": how} if how else {}))
