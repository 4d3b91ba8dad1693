"""A national-scale dataset and the issue-19 figures measured on it, each beside its target.

Run from the project root::

    python bench/national.py                          # build /tmp/kampus-national.sqlite if missing, then measure
    python bench/national.py --rebuild                # build it again
    python bench/national.py --build-only --db /path/to/file.sqlite
    python bench/national.py --postgres               # the same on a throwaway PostgreSQL cluster
    python bench/national.py --orgs 10 --staff 100 --big 2000   # smaller, while developing

The data: the seed catalogue plus 240 synthetic modules (as ``bench/pages.py``),
``--orgs`` organisations of ``--staff`` people (77 × 300 by default) in teams of
30, and one organisation of ``--big`` people (10,000) in teams of 100 plus one
team of 2,000. Every team has one assignment of a 59-module path; each person
has completed or had recognised a random prefix of it (about half, some out of
order), with one module in progress, and a learning event per satisfied
module: about 1 million progress rows and as many events. Everything is
inserted with SQLAlchemy core ``executemany`` in batches (a few minutes at
most on SQLite), all people share one password hash.

The measurements go through the Flask test client (server time, no HTTP):
the median of ``--runs`` requests after a warm-up, with the SQL statements
counted. The CSV exports are read to the end as a client would, and their
memory is the process's peak RSS growth (``VmHWM``) while one export streams.
The HTTP ratios to a bare Flask app are ``bench/http_load.py``'s job.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bulk  # noqa: E402  (bench/bulk.py: people, teams and assignments)
import pages  # noqa: E402  (bench/pages.py: the app, the synthetic catalogue, the path template)

PASSWORD = pages.PASSWORD
BATCH = 20_000


def _rows_for(user_id, path, module_id, basics, theme_ids, now, rng, progress, events):
    done = rng.randint(0, len(path))
    taken = set()
    for index, slug in enumerate(path[: done + 1]):
        when = now - dt.timedelta(days=rng.randint(1, 180), minutes=index)
        mid = module_id[slug]
        taken.add(mid)
        if index < done:
            status = "recognised" if rng.random() < 0.1 else "completed"
            progress.append(
                (
                    user_id,
                    mid,
                    status,
                    0,
                    None if status == "recognised" else rng.randint(60, 100),
                    "self_assessment" if status == "recognised" else None,
                    when,
                    when,
                    when,
                )
            )
            events.append((user_id, mid, status, "{}", when))
        elif index < len(path):
            progress.append((user_id, mid, "in_progress", 1, None, None, when, None, when))
    if rng.random() < 0.3:
        for theme_id in rng.sample(theme_ids, rng.randint(1, 3)):
            for basic in basics[theme_id] - taken:
                when = now - dt.timedelta(days=rng.randint(1, 180))
                taken.add(basic)
                progress.append((user_id, basic, "recognised", 0, None, "self_assessment", when, when, when))
                events.append((user_id, basic, "recognised", "{}", when))


def build(app, args, rng: random.Random) -> dict:
    """Migrate, seed and bulk-insert the national dataset; returns what the measurements need."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select, text

    from kampus import seeding
    from kampus.auth.models import User
    from kampus.auth.passwords import hash_password
    from kampus.catalogue.models import Module, Theme
    from kampus.extensions import db
    from kampus.orgs.models import Organisation
    from kampus.progress.models import LearningEvent, Progress

    started = time.perf_counter()
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        seeding.seed_catalogue(ROOT / "seed")
        seeding.seed_templates(ROOT / "seed")
        db.session.commit()
        pages.import_synthetic_modules(rng)
        db.session.commit()
        template_id, path = pages.make_template(rng)
        db.session.commit()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        module_id = dict(db.session.execute(select(Module.slug, Module.id)).all())
        theme_ids = list(db.session.scalars(select(Theme.id).order_by(Theme.position)))
        basics = {t: set() for t in theme_ids}
        for mid, tid in db.session.execute(
            select(Module.id, Module.theme_id).where(Module.status == "published", Module.level.in_(("A1", "A2", "B1")))
        ):
            basics[tid].add(mid)
        password_hash = hash_password(PASSWORD)
        conn = db.session.connection()
        plan = [(f"opisto-{n:02d}", f"Ammattiopisto {n:02d}", args.staff, 30) for n in range(1, args.orgs + 1)]
        plan.append(("suuropisto", "Suuri ammattiopisto", args.big, 100))
        world = {"orgs": {}, "template_id": template_id, "path_length": len(path)}
        progress_total = events_total = 0
        for slug, name, staff, team_size in plan:
            org_id = conn.execute(
                insert(Organisation).values(slug=slug, name=name, created_at=now).returning(Organisation.id)
            ).scalar_one()
            manager_email = f"esihenkilo@{slug}.example"
            manager_id, ids = bulk.insert_people(
                conn,
                org_id,
                (manager_email, f"Esihenkilö {name}"),
                [(f"h{n:05d}@{slug}.example", f"Henkilö {n:05d}") for n in range(staff)],
                password_hash=password_hash,
                now=now,
            )
            teams = -(-staff // team_size)
            team_ids = bulk.insert_teams(conn, org_id, [f"Tiimi {t + 1:03d}" for t in range(teams)], now)
            bulk.insert_memberships(conn, bulk.fill_teams(team_ids, ids, team_size), now)
            big_team = None
            if staff >= 2000 and slug == "suuropisto":
                big_team = bulk.insert_team(conn, org_id, "Koko 2000", ids[:2000], now)
                team_ids.append(big_team)
            bulk.insert_assignments(conn, org_id, template_id, manager_id, team_ids, now, rng)
            progress, events = [], []
            for u in ids:
                _rows_for(u, path, module_id, basics, theme_ids, now, rng, progress, events)
            keys = (
                "user_id",
                "module_id",
                "status",
                "section_position",
                "best_score",
                "recognised_by",
                "started_at",
                "finished_at",
                "updated_at",
            )
            for start in range(0, len(progress), BATCH):
                conn.execute(
                    insert(Progress), [dict(zip(keys, r, strict=True)) for r in progress[start : start + BATCH]]
                )
            for start in range(0, len(events), BATCH):
                conn.execute(
                    insert(LearningEvent),
                    [
                        {"user_id": u, "module_id": m, "verb": v, "data": {}, "created_at": w}
                        for u, m, v, _d, w in events[start : start + BATCH]
                    ],
                )
            progress_total += len(progress)
            events_total += len(events)
            world["orgs"][slug] = {
                "id": org_id,
                "manager_email": manager_email,
                "staff": staff,
                "team_ids": team_ids[:3],
                "big_team": big_team,
            }
        admin = bulk.person_row(
            "admin@kampus.example", "Ylläpitäjä", org_id=None, password_hash=password_hash, now=now, admin=True
        )
        conn.execute(insert(User), [admin])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    world.update(
        admin_email=admin["email"],
        progress_rows=progress_total,
        events=events_total,
        people=sum(p[2] for p in plan),
        build_s=time.perf_counter() - started,
    )
    print(
        f"built in {world['build_s']:.0f} s: {len(plan)} organisations, {world['people']:,} people, "
        f"{progress_total:,} progress rows, {events_total:,} events",
        flush=True,
    )
    return world


def rss_kb(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss() -> None:
    """Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to the current RSS."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def measure_export(app, client, path: str) -> dict:
    client.get("/org")  # warm
    reset_peak_rss()
    before = rss_kb()
    started = time.perf_counter()
    response = client.get(path, buffered=False)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - started
    growth = max(0, rss_kb("VmHWM") - before) / 1024
    return {
        "status": response.status_code,
        "seconds": seconds,
        "mb": size / 1e6,
        "rss_growth_mb": growth,
        "streamed": response.is_streamed,
        "attachment": "attachment" in response.headers.get("Content-Disposition", ""),
    }


def _move_version(app, org_id: int, *, refreshed: bool) -> None:
    """What a learner's write in ``org_id`` does to the overview, without the write's own cost:
    the organisation's report version moves (SQL core, so no hook runs) and the in-process
    caches are emptied. With snapshots, either the refresh task has run (``refreshed``), or it
    is queued and not yet done (the page then shows the older snapshot and says so)."""
    from sqlalchemy import text

    from kampus.extensions import db
    from kampus.reports import aggregates

    with app.app_context():
        db.session.execute(
            text("UPDATE organisations SET report_version = report_version + 1 WHERE id = :id"), {"id": org_id}
        )
        try:
            from kampus.reports import snapshots
        except ImportError:  # before snapshots: every such request computes the figures
            db.session.commit()
        else:
            db.session.execute(
                text("UPDATE report_snapshots SET refresh_queued_at = :now WHERE organisation_id = :id"),
                {"id": org_id, "now": dt.datetime.now(dt.UTC).replace(tzinfo=None)},
            )
            db.session.commit()
            if refreshed:
                snapshots.refresh(org_id)
        db.session.remove()
    aggregates.clear()


def measure_cold(app, client, path: str, runs: int, org_id: int, *, refreshed: bool = False) -> dict:
    """As ``pages.measure``, but each request comes after ``org_id``'s report version moved
    (:func:`_move_version`): the figure the first reader after a write sees."""
    try:
        from kampus.reports import aggregates  # noqa: F401
    except ImportError:  # before the cache existed every request was cold
        return pages.measure(app, client, path, runs)
    from sqlalchemy import event

    from kampus.extensions import db

    with app.app_context():
        engine = db.engine
    client.get(path)
    times, counts = [], []
    for _ in range(runs):
        _move_version(app, org_id, refreshed=refreshed)
        counter = pages.QueryCounter()
        event.listen(engine, "before_cursor_execute", counter)
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", counter)
        counts.append(counter.count)
    return {
        "path": path,
        "status": response.status_code,
        "median_ms": statistics.median(times),
        "queries": max(counts),
        "html": response.get_data(as_text=True),
    }


def measure_refresh(app, org_id: int, runs: int) -> dict:
    """The ``refresh_reports`` task's work for ``org_id`` (what a worker spends after a write)."""
    try:
        from kampus.reports import snapshots
    except ImportError:
        return {"median_ms": None}
    from sqlalchemy import text

    from kampus.extensions import db

    times = []
    for _ in range(runs):
        with app.app_context():
            db.session.execute(
                text("UPDATE organisations SET report_version = report_version + 1 WHERE id = :id"), {"id": org_id}
            )
            db.session.commit()
            started = time.perf_counter()
            outcome = snapshots.refresh(org_id)
            times.append((time.perf_counter() - started) * 1000)
            db.session.remove()
        assert outcome == "stored", outcome
    return {"median_ms": statistics.median(times)}


def measure_reminders(app) -> dict:
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["remind", "--dry-run"])
    return {
        "seconds": time.perf_counter() - started,
        "exit": result.exit_code,
        "lines": len(result.output.splitlines()),
    }


def run(url: str, args, label: str) -> list[tuple]:
    rng = random.Random(args.seed)
    app = pages.make_app(url)
    # The exports are measured as files (a large one would otherwise get the page offering a job).
    app.config["KAMPUS_EXPORT_INLINE_MAX"] = app.config["KAMPUS_EXPORT_XLSX_INLINE_MAX"] = 10**9
    world_file = Path(args.db + ".json") if url.startswith("sqlite") else None
    if world_file and world_file.exists() and not args.rebuild:
        world = json.loads(world_file.read_text())
        print(f"[{label}] using {args.db} ({world['people']:,} people, {world['progress_rows']:,} progress rows)")
    else:
        world = build(app, args, rng)
        if world_file:
            world_file.write_text(json.dumps(world))
    if args.build_only:
        return []
    big = world["orgs"]["suuropisto"]
    manager, admin = app.test_client(), app.test_client()
    pages.sign_in(manager, big["manager_email"])
    pages.sign_in(admin, world["admin_email"])
    results = []

    def page(name, client, path, target_ms=300.0, target_queries=None, cold=False, refreshed=False):
        m = (
            measure_cold(app, client, path, args.runs, big["id"], refreshed=refreshed)
            if cold
            else pages.measure(app, client, path, args.runs)
        )
        ok = (
            m["status"] == 200
            and m["median_ms"] <= target_ms
            and (target_queries is None or m["queries"] <= target_queries)
        )
        target = f"≤ {target_ms:g} ms" + (f", ≤ {target_queries} queries" if target_queries else "")
        figure = f"{m['median_ms']:.0f} ms, {m['queries']} queries, {len(m['html']) / 1e3:.0f} kB"
        results.append((name, figure, target, ok))
        print(f"  {name:<46} {figure:<34} {target:<26} {'met' if ok else 'NOT met'}", flush=True)

    try:  # the state a worker and beat leave: every organisation above the inline size has a snapshot
        from kampus.reports import snapshots
    except ImportError:
        snapshots = None
    if snapshots is not None:
        with app.app_context():
            started = time.perf_counter()
            first = snapshots.refresh_stale(limit=10_000)
            print(f"[{label}] first snapshots of {len(first)} organisations in {time.perf_counter() - started:.1f} s")
    print(f"[{label}] median of {args.runs} requests after a warm-up (test client, server time)")
    if big["big_team"]:
        page("team page, team of 2,000 (10k org)", manager, f"/org/teams/{big['big_team']}", 300, 12)
    page("team page, team of 100 in a 10k org", manager, f"/org/teams/{big['team_ids'][0]}", 300, 12)
    page(f"staff list /org/staff ({big['staff']:,} staff)", manager, "/org/staff", 300)
    page("staff list search ?q=00123", manager, "/org/staff?q=00123", 300)
    page(
        "team picker search ?find=Henkilö 0", manager, f"/org/teams/{big['team_ids'][0]}?find=Henkil%C3%B6%200", 300, 12
    )
    # cold: the first request after a write moved the big organisation's report version
    page(f"org overview /org ({big['staff']:,} staff), cold, refresh queued", manager, "/org", 300, cold=True)
    page(
        f"org overview /org ({big['staff']:,} staff), cold, refreshed", manager, "/org", 300, cold=True, refreshed=True
    )
    page(f"org overview /org ({big['staff']:,} staff), cached", manager, "/org", 300)
    orgs = len(world["orgs"])
    page(f"admin network overview ({orgs} orgs), cold, refresh queued", admin, "/admin/network", 300, cold=True)
    page(
        f"admin network overview ({orgs} orgs), cold, refreshed",
        admin,
        "/admin/network",
        300,
        cold=True,
        refreshed=True,
    )
    page(f"admin network overview ({orgs} orgs), cached", admin, "/admin/network", 300)
    m = measure_refresh(app, big["id"], args.runs)
    if m["median_ms"] is not None:
        figure = f"{m['median_ms']:.0f} ms"
        results.append((f"refresh_reports task ({big['staff']:,} staff)", figure, "(worker; no figure set)", None))
        print(f"  {results[-1][0]:<46} {figure:<34} {'(worker; no figure set)':<26} -", flush=True)
    exports = []
    if big["big_team"]:
        exports.append(("CSV export, team of 2,000", f"/org/teams/{big['big_team']}/export.csv"))
    exports.append((f"CSV export /org/export.csv ({big['staff']:,} staff)", "/org/export.csv"))
    for name, path in exports:
        m = measure_export(app, manager, path)
        ok = m["status"] == 200 and m["seconds"] <= 5 and m["rss_growth_mb"] <= 50
        figure = f"{m['seconds']:.1f} s, {m['mb']:.0f} MB, RSS +{m['rss_growth_mb']:.0f} MB"
        target = "≤ 5 s, RSS ≤ +50 MB"
        results.append((name, figure, target, ok))
        print(f"  {name:<46} {figure:<34} {target:<26} {'met' if ok else 'NOT met'}", flush=True)
    with app.app_context():
        m = measure_reminders(app)
    figure = f"{m['seconds']:.1f} s (exit {m['exit']}, {m['lines']} lines)"
    results.append((f"kampus remind --dry-run ({world['people']:,} people)", figure, "(no figure set)", None))
    print(f"  {results[-1][0]:<46} {figure:<34} {'(no figure set)':<26} -", flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="/tmp/kampus-national.sqlite", help="SQLite file (kept between runs)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster instead of SQLite")
    parser.add_argument("--orgs", type=int, default=77)
    parser.add_argument("--staff", type=int, default=300)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("KAMPUS_LOG_LEVEL", "WARNING")
    import logging

    logging.getLogger("kampus.request").setLevel(logging.WARNING)
    if args.postgres:
        with pages.throwaway_postgres() as server:
            url = pages.create_postgres_database(server, "kampus_national")
            results = run(url, args, "PostgreSQL")
    else:
        if args.rebuild and os.path.exists(args.db):
            os.remove(args.db)
        results = run(f"sqlite:///{args.db}", args, "SQLite")
    missed = [r for r in results if r[3] is False]
    print(f"\n{len(results) - len(missed)} of {len(results)} figures met or informational; {len(missed)} not met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
