"""Synthetic catalogues for benchmarks and tests: a plausible shape, acyclic by construction.

The shape follows how a competence catalogue is authored. Modules are spread
over ``themes`` themes; within a theme they come in **tracks** of
:data:`TRACK_LENGTH` consecutive positions that rise from level A1 to C2. A
theme's first track holds its **foundations**. A module takes its
prerequisites mostly from earlier modules of its own track, otherwise from
foundations: its own theme's or, less often, another theme's. A track's first
module, having nothing before it in the track, builds on foundations only.

The layers are the global order (position first, theme second): every edge
runs from an earlier module to a later one, so the graph is acyclic.
"""

from __future__ import annotations

import random
from typing import Any

from kampus.graph.prereqs import LEVELS

MINUTES = (15, 20, 30, 45, 60, 90)
TRACK_LENGTH = 12
#: Chance that a prerequisite is taken from the module's own track (when it has earlier modules).
SAME_TRACK_SHARE = 0.8
# A module's place in the synthetic catalogue: (theme index, position in the theme).
Slot = tuple[int, int]
#: Chance that a foundation prerequisite comes from another theme.
OTHER_THEME_SHARE = 0.3
REQUIRED_SHARE = 0.7


def synthetic_catalogue(
    n_modules: int,
    *,
    edges_per_module: int = 3,
    themes: int = 8,
    seed: int = 0,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Return ``(modules, prerequisites)`` as mappings ready for ``build_graph``.

    Slugs are ``t{theme}-m{position}`` (zero-padded), theme slugs
    ``theme-{n}``; all modules are published; edges are required with
    probability :data:`REQUIRED_SHARE`, else recommended. Each module gets
    ``edges_per_module`` distinct prerequisites where enough earlier modules
    exist (the very first modules get fewer). The same arguments always give the
    same catalogue.
    """
    rng = random.Random(seed)
    themes = max(1, min(themes, n_modules or 1))
    per_theme = -(-n_modules // themes) if n_modules else 0
    width = len(str(max(per_theme - 1, 0)))

    order: list[tuple[int, int]] = []  # (theme, position), earlier layers first
    for position in range(per_theme):
        for theme in range(themes):
            if len(order) < n_modules:
                order.append((theme, position))
    index_of = {key: index for index, key in enumerate(order)}

    def slug(theme: int, position: int) -> str:
        return f"t{theme + 1}-m{position:0{width}d}"

    modules = []
    for theme, position in order:
        modules.append(
            {
                "slug": slug(theme, position),
                "theme": f"theme-{theme + 1}",
                "theme_position": theme + 1,
                "position": position,
                "level": LEVELS[(position % TRACK_LENGTH) * len(LEVELS) // TRACK_LENGTH],
                "minutes": rng.choice(MINUTES),
                "status": "published",
            }
        )

    prerequisites = []
    for index, (theme, position) in enumerate(order):
        track_start = position - position % TRACK_LENGTH
        same_track = [(theme, earlier) for earlier in range(track_start, position)]
        foundations_here = [(theme, earlier) for earlier in range(min(TRACK_LENGTH, track_start))]
        foundations_elsewhere = [
            (other, earlier)
            for other in range(themes)
            if other != theme
            for earlier in range(min(TRACK_LENGTH, position + 1))
            if index_of.get((other, earlier), index) < index
        ]
        pools = [pool for pool in (same_track, foundations_here, foundations_elsewhere) if pool]
        wanted = min(edges_per_module, sum(len(pool) for pool in pools))
        chosen: set[tuple[int, int]] = set()
        while len(chosen) < wanted:
            chosen.add(rng.choice(_pick_pool(rng, same_track, foundations_here, foundations_elsewhere)))
        for before in sorted(chosen):
            prerequisites.append(
                {
                    "before": slug(*before),
                    "after": slug(theme, position),
                    "kind": "required" if rng.random() < REQUIRED_SHARE else "recommended",
                }
            )
    return modules, prerequisites


def _pick_pool(rng: random.Random, same_track: list[Slot], here: list[Slot], elsewhere: list[Slot]) -> list[Slot]:
    if same_track and rng.random() < SAME_TRACK_SHARE:
        return same_track
    foundations = [pool for pool in (here, elsewhere) if pool]
    if not foundations:
        return same_track
    if len(foundations) == 2:
        return elsewhere if rng.random() < OTHER_THEME_SHARE else here
    return foundations[0]


__all__ = ["synthetic_catalogue"]
