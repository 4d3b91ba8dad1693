"""The pure integrity rules without the app: draws from a seed, grading by
choice id, and the test-out cool-down arithmetic."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kampus.progress.integrity import Draw, draw_questions, grade, is_right, retry_window

POOL = [(11, 4), (12, 3), (13, 4), (14, 2), (15, 4), (16, 4), (17, 3), (18, 4)]
T0 = datetime(2026, 12, 1, 9, 0)
DAY = timedelta(hours=24)


def test_the_same_seed_gives_the_same_draw_and_another_seed_another():
    assert draw_questions(POOL, 5, seed=42) == draw_questions(POOL, 5, seed=42)
    draws = [draw_questions(POOL, 5, seed=seed) for seed in range(30)]
    assert len({d.question_ids for d in draws}) > 5
    assert len({d.orders[11] for d in draws if 11 in d.orders}) > 5


@given(st.integers(min_value=0, max_value=2**64), st.one_of(st.none(), st.integers(min_value=1, max_value=12)))
def test_a_draw_asks_the_given_number_in_authored_order_with_every_choice_once(seed, asked):
    draw = draw_questions(POOL, asked, seed)
    expected = len(POOL) if asked is None or asked >= len(POOL) else asked
    assert len(draw.question_ids) == expected
    pool_order = [qid for qid, _n in POOL]
    assert list(draw.question_ids) == [q for q in pool_order if q in draw.question_ids]
    sizes = dict(POOL)
    for qid in draw.question_ids:
        assert sorted(draw.orders[qid]) == list(range(sizes[qid]))


def test_a_pool_is_drawn_from_evenly_enough():
    counts = Counter(q for seed in range(400) for q in draw_questions(POOL, 4, seed).question_ids)
    assert set(counts) == {qid for qid, _n in POOL}
    assert min(counts.values()) > 400 * 4 / len(POOL) * 0.7


def test_the_first_authored_choice_is_shown_in_every_position():
    positions = Counter(draw_questions(POOL, None, seed).orders[11].index(0) for seed in range(200))
    assert set(positions) == {0, 1, 2, 3}
    assert max(positions.values()) < 200 * 0.4


def test_grading_is_by_choice_id_whatever_the_order_shown():
    correct = {1: [2], 2: [0, 3], 3: [1]}
    score, right = grade(correct, {1: [2], 2: [3, 0], 3: [0]}, [1, 2, 3])
    assert right == {1: True, 2: True, 3: False} and score == 67
    # answering by position in a shuffled order (the old way) would be wrong here
    draw = Draw((1,), {1: (3, 2, 0, 1)})
    position_of_right = draw.orders[1].index(2)
    assert not is_right([2], [position_of_right])


def test_only_the_drawn_questions_count():
    correct = {1: [0], 2: [1], 3: [2]}
    assert grade(correct, {1: [0], 3: [2]}, [1, 3]) == (100, {1: True, 3: True})
    assert grade(correct, {1: [0]}, [1, 2]) == (50, {1: True, 2: False})


def test_a_question_with_several_right_choices_needs_exactly_them():
    assert is_right([0, 2], [2, 0]) and not is_right([0, 2], [0]) and not is_right([0, 2], [0, 1, 2])


def test_a_draw_survives_the_trip_through_json_and_refuses_a_torn_one():
    draw = draw_questions(POOL, 3, seed=7)
    assert Draw.from_json(draw.to_json()) == draw
    torn = draw.to_json()
    torn["o"].pop(str(draw.question_ids[0]))
    with pytest.raises(ValueError):
        Draw.from_json(torn)


def test_no_attempts_leave_the_whole_allowance():
    window = retry_window([], T0, limit=2, cooldown=DAY)
    assert window.allowed and window.remaining == 2 and window.opens_at is None


def test_two_attempts_close_the_window_until_a_day_after_the_last():
    times = [T0, T0 + timedelta(minutes=10)]
    assert retry_window(times[:1], T0 + timedelta(minutes=5), limit=2, cooldown=DAY).remaining == 1
    closed = retry_window(times, T0 + timedelta(hours=3), limit=2, cooldown=DAY)
    assert not closed.allowed and closed.remaining == 0 and closed.opens_at == times[1] + DAY
    just_before = retry_window(times, times[1] + DAY - timedelta(seconds=1), limit=2, cooldown=DAY)
    assert not just_before.allowed
    reopened = retry_window(times, times[1] + DAY, limit=2, cooldown=DAY)
    assert reopened.allowed and reopened.remaining == 2


def test_after_the_cool_down_a_new_round_begins():
    times = [T0, T0 + timedelta(minutes=1), T0 + timedelta(hours=30)]
    window = retry_window(times, T0 + timedelta(hours=31), limit=2, cooldown=DAY)
    assert window.allowed and window.remaining == 1
    times.append(T0 + timedelta(hours=32))
    window = retry_window(times, T0 + timedelta(hours=33), limit=2, cooldown=DAY)
    assert not window.allowed and window.opens_at == T0 + timedelta(hours=32) + DAY


def test_attempts_given_in_any_order_and_other_limits():
    times = [T0 + timedelta(minutes=2), T0, T0 + timedelta(minutes=1)]
    window = retry_window(times, T0 + timedelta(minutes=3), limit=3, cooldown=timedelta(hours=1))
    assert not window.allowed and window.opens_at == T0 + timedelta(minutes=2, hours=1)
    assert retry_window(times, T0 + timedelta(minutes=3), limit=4, cooldown=timedelta(hours=1)).remaining == 1
