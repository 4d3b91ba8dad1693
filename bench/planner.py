"""Benchmark the engine: build, validate and plan on synthetic catalogues.

Run from the project root::

    python bench/planner.py            # ~200 learners per catalogue
    python bench/planner.py --quick    # fewer learners, same sizes

For catalogues of 50, 1,000, 5,000 and 20,000 modules (3 prerequisites per
module, 8 themes; see ``kampus.graph.synthetic``) it prints the time to build
and validate the graph, then, over random learners (0–50 % of the modules
satisfied; goals a handful of random modules or, for some, a whole theme), the
median and 95th percentile of one ``plan()`` call, the median of a plain-Python
reverse traversal that finds the same needed set (the floor: no plan can do
less), and the ratio of the two medians. It ends with the targets for 5,000
modules: median ≤ 10 ms and ratio ≤ 3×.

The floor finds the needed set and nothing else. ``plan`` must also order it
(Kahn's algorithm with a key, a heap) and return one ``Step`` object per module,
so the script prints a breakdown for the target size: the floor, the floor plus
a plain keyed topological sort of the needed set ("+ order"), and that plus
building the ``Step`` objects ("+ steps"), each against ``plan``.
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kampus.graph import LEVELS, Step, build_graph, plan, synthetic_catalogue, validate  # noqa: E402

SIZES = (50, 1000, 5000, 20000)
TARGET_SIZE = 5000
TARGET_MEDIAN_MS = 10.0
TARGET_RATIO = 3.0
WHOLE_THEME_SHARE = 0.3
#: Validation runs transitive_reduction; above this size it is timed once only.
VALIDATE_REPEAT_LIMIT = 5000


def make_learners(graph, count: int, rng: random.Random) -> list[tuple[list[str], set[str]]]:
    """Random learners: (goals, satisfied)."""
    slugs = sorted(graph)
    themes: dict[str, list[str]] = {}
    for slug, theme in graph.nodes(data="theme"):
        themes.setdefault(theme, []).append(slug)
    theme_names = sorted(themes)
    learners = []
    for _ in range(count):
        share = rng.uniform(0.0, 0.5)
        satisfied = set(rng.sample(slugs, int(share * len(slugs))))
        if rng.random() < WHOLE_THEME_SHARE:
            goals = list(themes[rng.choice(theme_names)])
        else:
            goals = rng.sample(slugs, min(len(slugs), rng.randint(3, 6)))
        learners.append((goals, satisfied))
    return learners


def reverse_traversal(graph, goals, satisfied) -> set[str]:
    """The floor: the needed set by a bare walk back over required edges, nothing else."""
    pred = graph._pred
    nodes = graph._node
    needed = set()
    stack = []
    for goal in goals:
        if goal not in satisfied and goal not in needed and nodes[goal]["status"] != "retired":
            needed.add(goal)
            stack.append(goal)
    while stack:
        for before, edge in pred[stack.pop()].items():
            if (
                before not in needed
                and edge["kind"] == "required"
                and before not in satisfied
                and nodes[before]["status"] != "retired"
            ):
                needed.add(before)
                stack.append(before)
    return needed


def ordered_floor(graph, goals, satisfied) -> list[str]:
    """The floor plus the least ordering work: a plain keyed Kahn over the needed set."""
    needed = reverse_traversal(graph, goals, satisfied)
    pred = graph._pred
    nodes = graph._node
    followers: dict[str, list[str]] = {slug: [] for slug in needed}
    indegree: dict[str, int] = {}
    for slug in needed:
        count = 0
        for before in pred[slug]:
            if before in needed:
                followers[before].append(slug)
                count += 1
        indegree[slug] = count

    def key(slug):
        attributes = nodes[slug]
        return (attributes["theme_position"], LEVELS.index(attributes["level"]), attributes["position"], slug)

    ready = [key(slug) for slug, count in indegree.items() if not count]
    heapq.heapify(ready)
    order = []
    while ready:
        slug = heapq.heappop(ready)[-1]
        order.append(slug)
        for later in followers[slug]:
            indegree[later] -= 1
            if not indegree[later]:
                heapq.heappush(ready, key(later))
    return order


def make_steps(count: int) -> list:
    """Only the cost of the result objects: ``count`` Step instances."""
    return [Step("slug", "available", [], 30, 1) for _ in range(count)]


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_size(size: int, learner_count: int, repeats: int, seed: int) -> dict:
    modules, prerequisites = synthetic_catalogue(size, edges_per_module=3, themes=8, seed=seed)
    build_ms, graph = timed(build_graph, modules, prerequisites)
    validate_ms, report = timed(validate, modules, prerequisites)
    if size <= VALIDATE_REPEAT_LIMIT:
        validate_ms = min(validate_ms, timed(validate, modules, prerequisites)[0])
    assert report.ok, report.errors[:3]

    rng = random.Random(seed + size)
    learners = make_learners(graph, learner_count, rng)
    plan_ms: list[float] = []
    floor_ms: list[float] = []
    order_ms: list[float] = []
    steps_ms: list[float] = []
    sizes: list[int] = []
    for goals, satisfied in learners:
        elapsed, result = timed(plan, graph, goals, satisfied, minutes_per_week=120)
        floor_elapsed, needed = timed(reverse_traversal, graph, goals, satisfied)
        assert {step.slug for step in result.steps} == needed
        sizes.append(len(needed))
        for _ in range(repeats - 1):
            elapsed = min(elapsed, timed(plan, graph, goals, satisfied, minutes_per_week=120)[0])
            floor_elapsed = min(floor_elapsed, timed(reverse_traversal, graph, goals, satisfied)[0])
        plan_ms.append(elapsed)
        floor_ms.append(floor_elapsed)
        if size == TARGET_SIZE:
            order_ms.append(min(timed(ordered_floor, graph, goals, satisfied)[0] for _ in range(repeats)))
            steps_ms.append(min(timed(make_steps, len(needed))[0] for _ in range(repeats)))
    median = statistics.median(plan_ms)
    floor = statistics.median(floor_ms)
    return {
        "size": size,
        "edges": graph.number_of_edges(),
        "build_ms": build_ms,
        "validate_ms": validate_ms,
        "warnings": len(report.warnings),
        "needed_median": statistics.median(sizes),
        "needed_max": max(sizes),
        "median_ms": median,
        "p95_ms": percentile(plan_ms, 0.95),
        "floor_ms": floor,
        "ratio": median / floor if floor else float("inf"),
        "order_ms": statistics.median(order_ms) if order_ms else None,
        "steps_ms": statistics.median(steps_ms) if steps_ms else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer learners and repeats")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    learner_count, repeats = (60, 2) if args.quick else (200, 3)

    print(f"plan() over {learner_count} random learners per catalogue, best of {repeats} per learner")
    header = (
        f"{'modules':>8} {'edges':>7} {'build':>9} {'validate':>10} "
        f"{'needed med/max':>15} {'median':>9} {'p95':>9} {'floor':>9} {'ratio':>6}"
    )
    print(header)
    results = {}
    for size in SIZES:
        row = bench_size(size, learner_count, repeats, args.seed)
        results[size] = row
        print(
            f"{row['size']:>8} {row['edges']:>7} {row['build_ms']:>7.1f}ms {row['validate_ms']:>8.1f}ms "
            f"{row['needed_median']:>7.0f}/{row['needed_max']:<7} "
            f"{row['median_ms']:>7.3f}ms {row['p95_ms']:>7.3f}ms {row['floor_ms']:>7.3f}ms "
            f"{row['ratio']:>5.2f}x",
            flush=True,
        )

    target = results[TARGET_SIZE]
    median_met = target["median_ms"] <= TARGET_MEDIAN_MS
    ratio_met = target["ratio"] <= TARGET_RATIO
    print()
    print(f"targets for {TARGET_SIZE:,} modules:")
    print(
        f"  median plan ≤ {TARGET_MEDIAN_MS:g} ms: {target['median_ms']:.3f} ms — {'met' if median_met else 'NOT met'}"
    )
    print(f"  ratio to floor ≤ {TARGET_RATIO:g}×: {target['ratio']:.2f}× — {'met' if ratio_met else 'NOT met'}")
    floor, order, steps = target["floor_ms"], target["order_ms"], target["steps_ms"]
    print()
    print(f"breakdown for {TARGET_SIZE:,} modules (medians over the same learners; what a correct plan cannot skip):")
    print(f"  floor: needed set only           {floor * 1000:8.1f} µs   1.00×")
    print(f"  + order (plain keyed Kahn)       {order * 1000:8.1f} µs   {order / floor:.2f}×")
    print(f"  + steps (Step objects alone)     {(order + steps) * 1000:8.1f} µs   {(order + steps) / floor:.2f}×")
    print(
        f"  plan()                           {target['median_ms'] * 1000:8.1f} µs   "
        f"{target['ratio']:.2f}×   = {target['median_ms'] / (order + steps):.2f}× the floor "
        "with order and steps"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
