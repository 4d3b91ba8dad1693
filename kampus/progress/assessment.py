"""Self-assessment: a level per theme, and the recognitions it proposes.

For each theme the learner picks a DigCompEdu level; Kampus proposes
recognising the theme's published modules at or below that level that the
learner has not already satisfied. Nothing is recognised until the learner
confirms which of the proposals are true.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from kampus.catalogue.models import Module, Theme
from kampus.errors import DomainError
from kampus.extensions import db
from kampus.graph import LEVELS
from kampus.graph.prereqs import level_rank
from kampus.progress.models import SATISFIED, Progress, SelfAssessment
from kampus.progress.services import insert_once, log_event, recognise


def current_levels(user_id: int) -> dict[str, str]:
    """Theme slug → the level the learner last gave themself."""
    rows = db.session.execute(
        select(Theme.slug, SelfAssessment.level)
        .join(Theme, SelfAssessment.theme_id == Theme.id)
        .where(SelfAssessment.user_id == user_id)
    ).all()
    return dict(rows)


def has_assessed(user_id: int) -> bool:
    return db.session.scalar(select(SelfAssessment.id).where(SelfAssessment.user_id == user_id).limit(1)) is not None


def save_levels(user_id: int, levels: dict[str, str]) -> None:
    """Store the chosen level of each theme (theme slug → level; an empty level is skipped)."""
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    existing = {
        a.theme_id: a for a in db.session.scalars(select(SelfAssessment).where(SelfAssessment.user_id == user_id))
    }
    for slug, level in levels.items():
        if not level:
            continue
        if slug not in themes or level not in LEVELS:
            raise DomainError(_("Choose a level from the list for each theme."), field=slug)
        theme = themes[slug]
        row = existing.get(theme.id)
        if row is None:
            query = select(SelfAssessment).where(SelfAssessment.user_id == user_id, SelfAssessment.theme_id == theme.id)
            row, created = insert_once(SelfAssessment(user_id=user_id, theme_id=theme.id, level=level), query)
            if created:
                log_event(user_id, "assessed", None, theme=slug, level=level)
                continue
        if row.level == level:
            continue  # the same level given again (a double click, two tabs): nothing new to log
        row.level = level
        log_event(user_id, "assessed", None, theme=slug, level=level)
    db.session.flush()


@dataclass
class Proposal:
    theme: Theme
    level: str
    modules: list[Module]


def proposals(user_id: int) -> list[Proposal]:
    """For each assessed theme, its published modules at or below the level that are not yet satisfied."""
    levels = current_levels(user_id)
    satisfied = set(
        db.session.scalars(
            select(Progress.module_id).where(Progress.user_id == user_id, Progress.status.in_(SATISFIED))
        )
    )
    result = []
    for theme in db.session.scalars(select(Theme).order_by(Theme.position)):
        level = levels.get(theme.slug)
        if not level:
            continue
        modules = [
            m
            for m in theme.modules
            if m.status == "published" and level_rank(m.level) <= level_rank(level) and m.id not in satisfied
        ]
        if modules:
            result.append(Proposal(theme, level, modules))
    return result


def confirm(user_id: int, slugs: list[str]) -> int:
    """Recognise the confirmed modules (``self_assessment``); only proposed ones are accepted. Returns how many."""
    proposed = {m.slug: m for p in proposals(user_id) for m in p.modules}
    unknown = [s for s in slugs if s not in proposed]
    if unknown:
        raise DomainError(_("Only the proposed modules can be recognised here."), field="modules")
    for slug in dict.fromkeys(slugs):
        recognise(user_id, proposed[slug], "self_assessment")
    return len(set(slugs))
