"""An honest estimate of a module's study time from its content.

Pure arithmetic, no Flask: reading at about 150 words a minute (Finnish), two
minutes a question asked, ten minutes for a reflection, plus any task minutes.
"""

from __future__ import annotations

import math
import re

WORDS_PER_MINUTE = 150
MINUTES_PER_QUESTION = 2
REFLECTION_MINUTES = 10
#: The author's figure is questioned when it is above HIGH × or below LOW × the estimate.
HIGH, LOW = 1.5, 0.5

_WORD = re.compile(r"\w+", re.UNICODE)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<?https?://\S+")


def count_words(*texts: str | None) -> int:
    """Words a reader reads in the given texts (Markdown punctuation and link addresses ignored)."""
    return sum(len(_WORD.findall(_LINK_TARGET.sub(" ", text or ""))) for text in texts)


def estimate_minutes(words: int, questions_asked: int, has_reflection: bool, task_minutes: int = 0) -> int:
    """ceil(words / 150) + 2 × questions asked + (10 with a reflection) + task minutes."""
    return (
        math.ceil(max(0, words) / WORDS_PER_MINUTE)
        + MINUTES_PER_QUESTION * max(0, questions_asked)
        + (REFLECTION_MINUTES if has_reflection else 0)
        + max(0, task_minutes)
    )


def minutes_warning(claimed: int | None, estimate: int) -> str | None:
    """``"high"`` when ``claimed`` is more than 1.5 × the estimate, ``"low"`` when less than 0.5 ×, else None."""
    if not claimed or estimate <= 0:
        return None
    if claimed > HIGH * estimate:
        return "high"
    if claimed < LOW * estimate:
        return "low"
    return None
