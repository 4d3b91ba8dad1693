"""The seed's self-checks test understanding, not test-taking, and its minutes match the work.

Pure: reads seed/catalogue/*.yaml with the catalogue loader, no database. Run
``strategy_pass_rates()`` to quote the figures (how many modules each blind
answering strategy passes, where the correct choices sit, the total minutes).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cache
from pathlib import Path

from kampus.catalogue.loader import read_catalogue

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "seed" / "catalogue"

MIN_QUESTIONS = 6
MAX_STRATEGY_PASS_RATE = 0.10  # a blind strategy may pass at most 10 % of modules
POSITION_SHARE = (0.15, 0.35)  # each position holds 15–35 % of the correct choices
MINUTES_RANGE = (0.5, 2.0)  # claimed minutes against the estimate from the content
WORDS_PER_MINUTE = 150
MINUTES_PER_QUESTION = 2
REFLECTION_MINUTES = 10
POSITIONS = 4


@cache
def _read(path: Path) -> tuple[dict, ...]:
    """A catalogue file or folder read once per test run (the checks only read it)."""
    return tuple(read_catalogue(path).modules)


def published_modules(files: list[Path] | None = None) -> list[dict]:
    """The published modules of the seed, or of the given catalogue files only."""
    modules = [m for path in files or [CATALOGUE] for m in _read(Path(path))]
    return [m for m in modules if m["status"] == "published"]


def questions(module: dict) -> list[dict]:
    return (module["self_check"] or {}).get("questions", [])


def words(module: dict) -> int:
    return sum(len(section["body"]["fi"].split()) for section in module["sections"])


def estimated_minutes(module: dict) -> int:
    """Reading at 150 words a minute, 2 minutes a question, 10 for the reflection."""
    return (
        math.ceil(words(module) / WORDS_PER_MINUTE)
        + MINUTES_PER_QUESTION * len(questions(module))
        + (REFLECTION_MINUTES if module["reflection"] else 0)
    )


def _by_length_rank(rank: int):
    """Pick the choice that is ``rank``-th by length (0 = longest); a tie counts for the strategy."""

    def pick(choices: list[dict]) -> set[int]:
        # Judged on the Finnish texts (every choice has one); the translations are held to the same balance.
        texts = [c["fi"] for c in choices]
        lengths = sorted((len(c) for c in texts), reverse=True)
        wanted = lengths[min(rank, len(lengths) - 1)]
        return {i for i, c in enumerate(texts) if len(c) == wanted}

    return pick


_longest = _by_length_rank(0)
_shortest = _by_length_rank(POSITIONS - 1)

#: Strategies the seed is held to (brief: longest and each fixed position); the
#: others are reported by strategy_pass_rates() for the lead to judge.
ASSERTED = ("longest", *(f"position {p}" for p in range(POSITIONS)))


def _strategies() -> dict:
    strategies = {
        "longest": _longest,
        "second longest": _by_length_rank(1),
        "second shortest": _by_length_rank(2),
        "shortest": _shortest,
    }
    for position in range(POSITIONS):
        strategies[f"position {position}"] = lambda choices, p=position: {p}
    return strategies


def strategy_score(module: dict, pick) -> float:
    """Percentage of the module's questions a strategy answers right (picking from ``pick(choices)``)."""
    qs = questions(module)
    if not qs:
        return 0.0
    right = sum(1 for q in qs if pick(q["choices"]) & set(q["correct"]))
    return 100 * right / len(qs)


def passes(module: dict, pick) -> bool:
    return strategy_score(module, pick) >= module["self_check"]["pass_mark"]


def strategy_pass_rates(files: list[Path] | None = None) -> dict:
    """Figures to quote: modules passed by each blind strategy, correct positions, minutes."""
    modules = [m for m in published_modules(files) if questions(m)]
    passed = {name: [m["slug"] for m in modules if passes(m, pick)] for name, pick in _strategies().items()}
    positions = Counter(c for m in modules for q in questions(m) for c in q["correct"])
    total_correct = sum(positions.values()) or 1
    return {
        "modules": len(modules),
        "questions": sum(len(questions(m)) for m in modules),
        "passed": {name: len(slugs) for name, slugs in passed.items()},
        "pass_rate": {name: len(slugs) / (len(modules) or 1) for name, slugs in passed.items()},
        "passed_modules": passed,
        "position_share": {p: positions[p] / total_correct for p in range(POSITIONS)},
        "total_minutes": sum(m["minutes"] for m in published_modules(files)),
        "estimated_minutes": sum(estimated_minutes(m) for m in published_modules(files)),
    }


def _summary(rates: dict) -> str:
    passed = ", ".join(f"{name} {count}/{rates['modules']}" for name, count in rates["passed"].items())
    shares = ", ".join(f"{p}: {share:.0%}" for p, share in rates["position_share"].items())
    return (
        f"strategies passing: {passed}; correct positions {shares}; "
        f"catalogue total {rates['total_minutes']} minutes (estimate {rates['estimated_minutes']})"
    )


# --- the checks, each usable on a subset of files ----------------------------------


def check_question_pools(files=None) -> list[str]:
    problems = []
    for module in published_modules(files):
        qs = questions(module)
        if len(qs) < MIN_QUESTIONS:
            problems.append(f"{module['slug']}: {len(qs)} questions (at least {MIN_QUESTIONS})")
        for i, q in enumerate(qs, start=1):
            if not q["explanation"].get("fi", "").strip():
                problems.append(f"{module['slug']}: question {i} has no explanation")
    return problems


def check_strategies(files=None) -> list[str]:
    rates = strategy_pass_rates(files)
    return [
        f"'{name}' passes {rates['passed'][name]}/{rates['modules']} modules: {', '.join(slugs)}"
        for name, slugs in rates["passed_modules"].items()
        if name in ASSERTED and rates["pass_rate"][name] > MAX_STRATEGY_PASS_RATE
    ]


def check_positions(files=None) -> list[str]:
    low, high = POSITION_SHARE
    return [
        f"position {p} is correct in {share:.0%} of questions (expected {low:.0%}–{high:.0%})"
        for p, share in strategy_pass_rates(files)["position_share"].items()
        if not low <= share <= high
    ]


def check_minutes(files=None) -> list[str]:
    low, high = MINUTES_RANGE
    problems = []
    for module in published_modules(files):
        estimate = estimated_minutes(module)
        if not low * estimate <= module["minutes"] <= high * estimate:
            problems.append(
                f"{module['slug']}: {module['minutes']} minutes, estimate {estimate} ({words(module)} words)"
            )
    return problems


# --- tests over the whole seed ------------------------------------------------------


def test_every_published_module_has_a_pool_of_questions_with_explanations():
    problems = check_question_pools()
    assert problems == [], _summary(strategy_pass_rates())


def test_no_blind_strategy_passes_more_than_a_tenth_of_the_modules():
    problems = check_strategies()
    assert problems == [], _summary(strategy_pass_rates())


def test_correct_choices_are_spread_over_all_positions():
    problems = check_positions()
    assert problems == [], _summary(strategy_pass_rates())


def test_minutes_match_the_material():
    problems = check_minutes()
    assert problems == [], _summary(strategy_pass_rates())


def test_the_checks_catch_a_gameable_self_check():
    """The strategy check is not vacuous: a module whose answers are the longest choice fails it."""
    module = {
        "slug": "gameable",
        "status": "published",
        "self_check": {
            "pass_mark": 70,
            "questions": [
                {
                    "prompt": "?",
                    "choices": [{"fi": c} for c in ("a", "bb", "a much longer right answer", "c")],
                    "correct": [2],
                    "explanation": "x",
                }
            ]
            * 6,
        },
    }
    assert passes(module, _longest)
    assert passes(module, _strategies()["position 2"])
    assert not passes(module, _strategies()["position 0"])


if __name__ == "__main__":  # python -m tests.catalogue.test_seed_integrity [file ...]
    import sys

    chosen = [CATALOGUE / name for name in sys.argv[1:]] or None
    print(_summary(strategy_pass_rates(chosen)))
    for check in (check_question_pools, check_strategies, check_positions, check_minutes):
        print(f"{check.__name__}: {check(chosen) or 'ok'}")
