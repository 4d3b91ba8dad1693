"""The digital-capability measure, the deadline states and the trend on constructed data with known answers."""

import datetime as dt

from sqlalchemy import select

from kampus.catalogue.models import Theme
from kampus.extensions import db
from kampus.graph import build_graph, plan
from kampus.graph.deadlines import AT_RISK, DONE, ON_TRACK, OVERDUE, deadline_state
from kampus.progress import services as progress
from kampus.progress.models import LearningEvent, SelfAssessment
from kampus.reports.capability import capability, month_ends, trend
from tests.factories import make_org, make_user


def basics(theme_slug):
    theme = db.session.scalar(select(Theme).where(Theme.slug == theme_slug))
    return [m for m in theme.modules if m.status == "published" and m.level in ("A1", "A2", "B1")], theme


def test_share_counts_members_with_every_basic_module_of_the_theme(app):
    org = make_org()
    people = [make_user(org) for _ in range(4)]
    make_user(org, active=False)  # inactive people are not counted
    other = make_org()
    stranger = make_user(other)
    modules, theme = basics("digitaaliset-sisallot")  # A2 quality, B1 production, A2 copyright, B1 AI
    assert len(modules) == 4
    for m in modules:  # two people have all the basics, one has all but one
        progress.recognise(people[0].id, m, "manager")
        progress.recognise(people[1].id, m, "self_assessment")
        progress.recognise(stranger.id, m, "manager")
    for m in modules[:-1]:
        progress.recognise(people[2].id, m, "manager")
    db.session.add_all(
        [
            SelfAssessment(user_id=people[0].id, theme_id=theme.id, level="B2"),  # 4
            SelfAssessment(user_id=people[1].id, theme_id=theme.id, level="A1"),  # 1
            SelfAssessment(user_id=stranger.id, theme_id=theme.id, level="C2"),
        ]
    )
    db.session.commit()
    figures = capability(org.id)
    row = next(t for t in figures.themes if t.theme.slug == "digitaaliset-sisallot")
    assert figures.members == 4
    assert (row.members_with_basics, row.share) == (2, 50.0)
    assert (row.average_level, row.assessed) == (2.5, 2)
    others = [t for t in figures.themes if t.theme.slug != "digitaaliset-sisallot"]
    assert all(t.share == 0 and t.average_level is None for t in others)
    assert figures.index == 50.0 / 8


def test_trend_rebuilds_the_share_month_by_month_from_the_event_log(app):
    org = make_org()
    person, _other = make_user(org), make_user(org)
    modules, _ = basics("oppijoiden-digiosaaminen")
    today = dt.date(2026, 11, 23)
    # half the basics in September, the rest in November
    for i, m in enumerate(modules):
        when = dt.datetime(2026, 9, 10) if i < len(modules) // 2 else dt.datetime(2026, 11, 2)
        db.session.add(LearningEvent(user_id=person.id, module_id=m.id, verb="completed", created_at=when))
    db.session.commit()
    points = trend(org.id, today, months=4)
    assert [end for end, _ in points] == [dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31), today]
    assert [round(value, 2) for _, value in points] == [0, 0, 0, round(50 / 8, 2)]


def test_month_ends_cross_the_year():
    assert month_ends(dt.date(2027, 2, 10), 3) == [dt.date(2026, 12, 31), dt.date(2027, 1, 31), dt.date(2027, 2, 10)]


def small_graph():
    modules = [
        {
            "slug": s,
            "theme": "t",
            "theme_position": 1,
            "position": i,
            "level": "A1",
            "minutes": 60,
            "status": "published",
        }
        for i, s in enumerate("abc")
    ]
    return build_graph(
        modules, [{"before": "a", "after": "b", "kind": "required"}, {"before": "b", "after": "c", "kind": "required"}]
    )


def test_deadline_states_from_the_planner():
    graph = small_graph()
    today = dt.date(2026, 11, 23)

    def state(satisfied, due, pace=60):
        return deadline_state(plan(graph, ["c"], satisfied, minutes_per_week=pace, start=today, due=due), today, due)

    assert state({"a", "b", "c"}, today - dt.timedelta(days=1)) == DONE
    assert state(set(), today - dt.timedelta(days=1)) == OVERDUE
    assert state(set(), today + dt.timedelta(days=21)) == ON_TRACK  # 3 × 60 min at 60 min a week: 3 weeks
    assert state(set(), today + dt.timedelta(days=20)) == AT_RISK
    assert state({"a"}, today + dt.timedelta(days=14)) == ON_TRACK
