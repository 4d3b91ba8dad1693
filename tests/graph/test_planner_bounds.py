"""Planning at the edges of the calendar: a finish after the year 9999 is reported, never a crash."""

import datetime as dt

from kampus.graph import build_graph, plan
from tests.graph.test_planner import module


def test_a_finish_after_the_year_9999_gives_no_date_and_a_warning():
    graph = build_graph([module("huge", minutes=10_000_000)], [])
    result = plan(graph, ["huge"], set(), minutes_per_week=1, start=dt.date(2026, 12, 1), due=dt.date(2027, 1, 1))
    assert result.finish is None
    assert result.on_track is False
    assert result.total_minutes == 10_000_000
    assert result.warnings == ["at 1 minutes a week the path would end after the year 9999, so it has no finish date"]
    assert result.minutes_per_week_needed == 10_000_000 // 5 + (10_000_000 % 5 > 0)


def test_the_last_possible_date_is_still_a_finish():
    graph = build_graph([module("one", minutes=30)], [])
    start = dt.date.max - dt.timedelta(days=7)
    result = plan(graph, ["one"], set(), minutes_per_week=30, start=start)
    assert result.finish == dt.date.max and not result.warnings
    too_late = plan(graph, ["one"], set(), minutes_per_week=30, start=dt.date.max - dt.timedelta(days=6))
    assert too_late.finish is None and too_late.warnings
