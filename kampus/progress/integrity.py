"""The pure parts of self-check integrity: drawing an attempt's questions and
shuffling their choices from a seed, grading by choice id, and the test-out
cool-down arithmetic.

No Flask, no SQLAlchemy: plain values in, plain values out, so every rule can
be tested without the app. A choice's *id* is its original index in the
question's ``choices`` list; the page shows the choices in the attempt's
shuffled order but posts ids, never positions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Draw:
    """What one attempt shows: the drawn question ids in order and each one's choice ids in shown order."""

    question_ids: tuple[int, ...]
    orders: dict[int, tuple[int, ...]]

    def to_json(self) -> dict:
        return {"q": list(self.question_ids), "o": {str(k): list(v) for k, v in self.orders.items()}}

    @classmethod
    def from_json(cls, data: dict) -> Draw:
        question_ids = tuple(int(q) for q in data["q"])
        orders = {int(k): tuple(int(c) for c in v) for k, v in data["o"].items()}
        if set(orders) != set(question_ids):
            raise ValueError("every drawn question needs a choice order")
        return cls(question_ids, orders)


def shuffled(n_choices: int, rng: random.Random) -> tuple[int, ...]:
    """The choice ids ``0..n_choices-1`` in a random order."""
    order = list(range(n_choices))
    rng.shuffle(order)
    return tuple(order)


def draw_questions(pool: list[tuple[int, int]], asked: int | None, seed: int) -> Draw:
    """Draw an attempt from ``pool`` (``(question id, number of choices)`` in authored order).

    ``asked`` questions (all when None or not smaller than the pool) are drawn
    at random and shown in their authored order; each one's choices are
    shuffled. The same seed always gives the same draw.
    """
    rng = random.Random(seed)
    if asked is not None and 0 < asked < len(pool):
        chosen = set(rng.sample(range(len(pool)), asked))
        picked = [item for index, item in enumerate(pool) if index in chosen]
    else:
        picked = list(pool)
    return Draw(tuple(qid for qid, _n in picked), {qid: shuffled(n, rng) for qid, n in picked})


def is_right(correct: list[int], chosen: list[int]) -> bool:
    """A question is right when exactly its correct choice ids are chosen."""
    return sorted(set(chosen)) == sorted(set(correct))


def grade(correct: dict[int, list[int]], answers: dict[int, list[int]], question_ids) -> tuple[int, dict[int, bool]]:
    """Score in percent (rounded) over ``question_ids``, and right/wrong per question, graded by choice id."""
    right = {qid: is_right(correct[qid], answers.get(qid, [])) for qid in question_ids}
    score = round(100 * sum(right.values()) / len(right)) if right else 0
    return score, right


@dataclass(frozen=True)
class RetryWindow:
    """Whether the learner may take a test-out attempt now: attempts left in this round and when the next opens."""

    allowed: bool
    remaining: int
    opens_at: datetime | None


def retry_window(attempt_times: list[datetime], now: datetime, *, limit: int, cooldown: timedelta) -> RetryWindow:
    """Apply the test-out rule to the learner's earlier test-out attempts (any order).

    A round holds at most ``limit`` attempts; once it is full, the next attempt
    opens ``cooldown`` after the round's last one and starts a new round. A gap
    of ``cooldown`` or more since the previous attempt also starts a new round.
    """
    limit = max(1, limit)
    used, last = 0, None
    for time in sorted(attempt_times):
        if last is not None and (used >= limit or time - last >= cooldown):
            used = 0
        used += 1
        last = time
    if last is not None and now - last >= cooldown:
        used = 0
    if used >= limit:
        assert last is not None  # limit >= 1, so some attempt was counted
        return RetryWindow(False, 0, last + cooldown)
    return RetryWindow(True, limit - used, None)
