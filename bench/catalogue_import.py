"""The catalogue import alone (issue 19's targets: 1,000 modules ≤ 2.5 s CPU, 10,000 ≤ 25 s CPU).

Run from the project root::

    python bench/catalogue_import.py 1000 10000
    python bench/catalogue_import.py 10000 --profile /tmp/import.prof

Each size gets a fresh SQLite database with the seed catalogue, then the import of
``bench/report.catalogue_yaml(n)`` is timed as the editor's import does it: the check (dry
run: parse, field checks, plan) and the write (apply and commit), in process CPU seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("KAMPUS_LOG_LEVEL", "WARNING")

import report  # noqa: E402  (bench/report.py: the catalogue file and a fresh app)

TARGETS = {1000: 2.5, 10000: 25.0}


def measure(modules: int, profile: str | None = None) -> float:
    from sqlalchemy import func, select

    from kampus import seeding
    from kampus.authoring import transfer
    from kampus.catalogue.models import Module
    from kampus.extensions import db

    text = report.catalogue_yaml(modules)
    with tempfile.TemporaryDirectory() as folder:
        app = report._fresh_app(folder, "catalogue")
        with app.app_context():
            seeding.seed_catalogue(report.ROOT / "seed")
            db.session.commit()
            existing = db.session.scalar(select(func.count()).select_from(Module))
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            start = time.process_time()
            run = transfer.dry_run(text, "bench-catalogue.yaml")
            checked = time.process_time() - start
            if not run.ok:
                raise SystemExit(f"the bench catalogue was refused: {run.errors[:3]}")
            transfer.apply(None, run)
            db.session.commit()
            total = time.process_time() - start
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
            added = db.session.scalar(select(func.count()).select_from(Module)) - existing
            db.session.remove()
            db.engine.dispose()
    target = TARGETS.get(modules)
    verdict = "" if target is None else f"  target ≤ {target} s  {'met' if total <= target else 'NOT met'}"
    print(
        f"{modules:>6} modules: {total:.2f} s CPU (check {checked:.2f} s, write {total - checked:.2f} s), "
        f"{added} added{verdict}",
        flush=True,
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--profile", help="write a cProfile of the (last) size here")
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.profile)


if __name__ == "__main__":
    main()
