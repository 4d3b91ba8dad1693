"""Digital capability (digikyvykkyys) of an organisation, per theme: the one
definition the pages, the radar, the trend and the network overview share.

For each theme, over the organisation's staff (people who have joined and are not
deactivated, :func:`kampus.orgs.population.joined`):

* **share** — the share (0–100 %) of members who have completed or had
  recognised *every* published module of the theme at levels A1–B1 (the
  theme's basics);
* **average level** — the mean of the levels members gave themselves in the
  theme's self-assessment (A1 = 1 … C2 = 6), over those who assessed it.

The **trend** is the mean share over the eight themes at the end of each month,
rebuilt from the learning event log (when each module was completed or
recognised).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from kampus.auth.models import User
from kampus.catalogue.models import Module, Theme
from kampus.extensions import db
from kampus.graph import LEVELS
from kampus.orgs.population import joined
from kampus.progress.models import SATISFIED, LearningEvent, Progress, SelfAssessment

BASIC_LEVELS = ("A1", "A2", "B1")
LEVEL_NUMBER = {level: number for number, level in enumerate(LEVELS, start=1)}


@dataclass(frozen=True)
class ThemeSnapshot:
    """The columns of a theme the report pages show, safe to keep across requests."""

    id: int
    slug: str
    position: int
    title: dict


@dataclass
class ThemeCapability:
    theme: Theme | ThemeSnapshot  # a snapshot once cached (kampus.reports.services)
    share: float  # 0–100
    members_with_basics: int
    average_level: float | None  # 1–6
    assessed: int


@dataclass
class Capability:
    members: int
    themes: list[ThemeCapability]

    @property
    def index(self) -> float:
        """The mean share over the themes (0–100)."""
        return sum(t.share for t in self.themes) / len(self.themes) if self.themes else 0.0


def _basics() -> tuple[list[Theme], dict[int, set[int]]]:
    themes = list(db.session.scalars(select(Theme).order_by(Theme.position)))
    basics: dict[int, set[int]] = {t.id: set() for t in themes}
    for module_id, theme_id in db.session.execute(
        select(Module.id, Module.theme_id).where(Module.status == "published", Module.level.in_(BASIC_LEVELS))
    ):
        basics[theme_id].add(module_id)
    return themes, basics


def member_ids_by_org(organisation_ids=None) -> dict[int, list[int]]:
    query = select(User.organisation_id, User.id).where(joined(), User.organisation_id.is_not(None))
    if organisation_ids is not None:
        query = query.where(User.organisation_id.in_(list(organisation_ids)))
    grouped: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in db.session.execute(query):
        assert org_id is not None  # the query keeps only people with an organisation
        grouped[org_id].append(user_id)
    return grouped


def capabilities(organisation_ids) -> dict[int, Capability]:
    """Capability of several organisations at once (a fixed number of queries whatever their size)."""
    organisation_ids = list(organisation_ids)
    themes, basics = _basics()
    members = member_ids_by_org(organisation_ids)
    org_of = {u: org for org, users in members.items() for u in users}
    # Members with every basic module of a theme, per organisation and theme: SQL
    # counts each member's satisfied basics per theme (one row per member and
    # theme, not per module); all of a theme's basics means the full count.
    with_all_basics: dict[tuple[int, int], int] = defaultdict(int)
    if org_of:
        for user_id, theme_id, count in db.session.execute(
            select(Progress.user_id, Module.theme_id, func.count())
            .join(User, User.id == Progress.user_id)
            .join(Module, Module.id == Progress.module_id)
            .where(
                User.organisation_id.in_(organisation_ids),
                joined(),
                Progress.status.in_(SATISFIED),
                Module.status == "published",
                Module.level.in_(BASIC_LEVELS),
            )
            .group_by(Progress.user_id, Module.theme_id)
        ):
            if user_id in org_of and count == len(basics.get(theme_id, ())):
                with_all_basics[(org_of[user_id], theme_id)] += 1
    levels: dict[tuple[int, int], list[int]] = defaultdict(list)
    if org_of:
        for user_id, theme_id, level in db.session.execute(
            select(SelfAssessment.user_id, SelfAssessment.theme_id, SelfAssessment.level)
            .join(User, User.id == SelfAssessment.user_id)
            .where(User.organisation_id.in_(organisation_ids), joined())
        ):
            levels[(org_of[user_id], theme_id)].append(LEVEL_NUMBER[level])
    result = {}
    for org_id in organisation_ids:
        people = members.get(org_id, [])
        rows = []
        for theme in themes:
            needed = basics[theme.id]
            with_basics = with_all_basics[(org_id, theme.id)] if needed else 0
            assessed = levels.get((org_id, theme.id), [])
            rows.append(
                ThemeCapability(
                    theme=theme,
                    share=100.0 * with_basics / len(people) if people else 0.0,
                    members_with_basics=with_basics,
                    average_level=sum(assessed) / len(assessed) if assessed else None,
                    assessed=len(assessed),
                )
            )
        result[org_id] = Capability(members=len(people), themes=rows)
    return result


def capability(organisation_id: int) -> Capability:
    return capabilities([organisation_id])[organisation_id]


def month_ends(today: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the ``months`` months up to and including this one (this one: today)."""
    ends = []
    year, month = today.year, today.month
    for _ in range(months):
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        ends.append(min(today, first_next - dt.timedelta(days=1)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(ends))


def trend(organisation_id: int, today: dt.date, months: int = 6) -> list[tuple[dt.date, float]]:
    """(month end, capability index) for the last ``months`` months, from the event log."""
    themes, basics = _basics()
    people = member_ids_by_org([organisation_id]).get(organisation_id, [])
    # When each member had all of a theme's basics: the latest of their first
    # completions of its basic modules (never while one is missing). SQL finds the
    # first completion per module, then per member and theme the count and the
    # latest of those; each month end then only compares.
    had_basics: dict[int, list[dt.datetime]] = defaultdict(list)
    if people:
        first_done = (
            select(LearningEvent.user_id, Module.theme_id, func.min(LearningEvent.created_at).label("first_done"))
            .join(User, User.id == LearningEvent.user_id)
            .join(Module, Module.id == LearningEvent.module_id)
            .where(
                User.organisation_id == organisation_id,
                joined(),
                LearningEvent.verb.in_(SATISFIED),
                Module.status == "published",
                Module.level.in_(BASIC_LEVELS),
            )
            .group_by(LearningEvent.user_id, LearningEvent.module_id, Module.theme_id)
            .subquery()
        )
        for theme_id, count, when in db.session.execute(
            select(first_done.c.theme_id, func.count(), func.max(first_done.c.first_done)).group_by(
                first_done.c.user_id, first_done.c.theme_id
            )
        ):
            if count == len(basics.get(theme_id, ())):
                had_basics[theme_id].append(when)
    points = []
    for end in month_ends(today, months):
        limit = dt.datetime.combine(end, dt.time.max)
        shares = []
        for theme in themes:
            needed = basics[theme.id]
            if not people or not needed:
                shares.append(0.0)
                continue
            count = sum(1 for when in had_basics[theme.id] if when <= limit)
            shares.append(100.0 * count / len(people))
        points.append((end, sum(shares) / len(shares) if shares else 0.0))
    return points
