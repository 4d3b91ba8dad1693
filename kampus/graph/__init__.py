"""The engine: the prerequisite graph, its validation, learners' paths and drawings.

Pure Python and networkx only (never Flask or SQLAlchemy), so it is usable,
testable and benchmarkable without the app. The app's services are the only
adapters between database rows and these functions.

- :mod:`kampus.graph.prereqs` — ``build_graph``, ``validate``, ``cycle_if_added``, ``check_edge``
- :mod:`kampus.graph.planner` — ``plan`` a learner's ordered path
- :mod:`kampus.graph.impact` — what an edit would change for learners
- :mod:`kampus.graph.layout` — layered coordinates for the SVG drawing
- :mod:`kampus.graph.synthetic` — generated catalogues for tests and benchmarks
"""

from kampus.graph.impact import Impact, ImpactLearner, impact
from kampus.graph.layout import BOX_HEIGHT, BOX_WIDTH, EdgeLine, Layout, NodeBox, layered_layout
from kampus.graph.planner import (
    AVAILABLE,
    IN_PROGRESS,
    LOCKED,
    Plan,
    PlanError,
    Step,
    is_locked,
    order_key,
    plan,
    unsatisfied_prerequisites,
)
from kampus.graph.prereqs import (
    KINDS,
    LEVELS,
    MAX_CYCLES,
    STATUSES,
    Finding,
    Report,
    build_graph,
    check_edge,
    cycle_if_added,
    find_cycles,
    validate,
)
from kampus.graph.synthetic import synthetic_catalogue

__all__ = [
    "AVAILABLE",
    "BOX_HEIGHT",
    "BOX_WIDTH",
    "IN_PROGRESS",
    "KINDS",
    "LEVELS",
    "LOCKED",
    "MAX_CYCLES",
    "STATUSES",
    "EdgeLine",
    "Finding",
    "Impact",
    "Layout",
    "ImpactLearner",
    "NodeBox",
    "Plan",
    "PlanError",
    "Report",
    "Step",
    "build_graph",
    "check_edge",
    "cycle_if_added",
    "find_cycles",
    "impact",
    "is_locked",
    "layered_layout",
    "order_key",
    "plan",
    "synthetic_catalogue",
    "unsatisfied_prerequisites",
    "validate",
]
