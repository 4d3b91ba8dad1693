"""Time ``plan()`` on the real seed catalogue (49 modules): median and p95 over random learners.

Run from the project root: ``.venv/bin/python bench/seed_planner.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kampus.catalogue.loader import read_catalogue  # noqa: E402
from kampus.graph import build_graph, plan  # noqa: E402


def main(learners: int = 500) -> None:
    data = read_catalogue(ROOT / "seed" / "catalogue")
    positions = {t["slug"]: t["position"] for t in data.themes}
    modules = [
        {
            "slug": m["slug"],
            "theme": m["theme"],
            "theme_position": positions[m["theme"]],
            "position": m["position"],
            "level": m["level"],
            "minutes": m["minutes"],
            "status": m["status"],
        }
        for m in data.modules
    ]
    graph = build_graph(modules, data.prerequisites)
    rng = random.Random(1)
    slugs = sorted(graph)
    times = []
    for _ in range(learners):
        satisfied = set(rng.sample(slugs, rng.randint(0, len(slugs) // 2)))
        goals = rng.sample(slugs, 5)
        started = time.perf_counter()
        plan(graph, goals, satisfied, minutes_per_week=120)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"seed catalogue: {len(graph)} modules, {graph.number_of_edges()} edges, {learners} random learners")
    print(f"plan(): median {statistics.median(times):.3f} ms, p95 {times[int(0.95 * len(times)) - 1]:.3f} ms")


if __name__ == "__main__":
    main()
