"""Benchmark the heavy pages on a large synthetic organisation, through the Flask test client.

Run from the project root::

    python bench/pages.py                      # SQLite only
    python bench/pages.py --postgres           # SQLite, then a throwaway PostgreSQL cluster
    python bench/pages.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/pages.py --runs 5 --quick     # fewer runs, smaller organisation (while developing)

The database is built the way production builds it: migrated by
``flask_migrate.upgrade``, seeded with the seed catalogue and templates, then
given a synthetic extension of the catalogue (240 modules spread over the eight
themes, imported through the catalogue importer so it is validated like any
import). A path template's module goals need about 60 modules from scratch.
One organisation then gets 2,000 learners in 20 teams of 100 (bulk-inserted
with SQLAlchemy core), one assignment of that template per team, and about
50 % progress: each learner has completed a random prefix of the path (so the
progress respects the prerequisites), some by recognition, with one module in
progress and the learning events the trend reads; 15 % also had one to three
later modules recognised out of order (prior learning), so that learners'
states are not all alike; 40 % had the basics (A1–B1) of one to four themes
recognised, so the capability radar and trend have something to show.

On PostgreSQL the script runs ``ANALYZE`` after the bulk load, as autovacuum
would shortly after such a load; without statistics the planner's estimates are
off by five orders of magnitude.

Measured, as a signed-in manager and as a learner: the team page
``/org/teams/<id>`` (a team of 100, and then a team of all 2,000 learners),
the organisation overview ``/org`` and a learner's dashboard ``/me``: the
median wall time over ``--runs`` requests (after a warm-up request that also
builds the catalogue graph) and the SQL statements each request runs (a
``before_cursor_execute`` listener). The team report service
(``kampus.reports.team.team_report``) is timed on its own too, so the figure
exists while the page is still being wired. Targets: the team page for 2,000
learners ≤ 300 ms with ≤ 12 queries.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bulk  # noqa: E402  (bench/bulk.py: people, teams and assignments)

PASSWORD = "bench-salasana-123"
LEARNERS = 2000
TEAMS = 20
PATH_MODULES = 60
SYNTHETIC_PER_THEME = 30
#: Share of learners who also had a few later modules of the path recognised out of order.
OUT_OF_ORDER_SHARE = 0.15
#: Share of learners who had the basics of one to four themes recognised.
BASICS_SHARE = 0.4
TARGET_TEAM_MS = 300.0
TARGET_TEAM_QUERIES = 12


# --- databases -------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_postgres():
    """A PostgreSQL cluster in a temporary folder on a free port (like tests/with_postgres.sh)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bins:
        raise SystemExit("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    pg = bins[-1]
    folder = Path(tempfile.mkdtemp(prefix="kampus-bench-pg."))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = folder / "data"
    try:
        subprocess.run(
            as_pg + [str(pg / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            as_pg
            + [
                str(pg / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(folder / "log"),
                "-o",
                f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            as_pg + [str(pg / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


def create_postgres_database(server_url: str, name: str) -> str:
    import psycopg

    base = server_url.rsplit("/", 1)[0]
    dsn = re.sub(r"^postgresql\+psycopg", "postgresql", base) + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    dsn = re.sub(r"^postgresql\+psycopg", "postgresql", base) + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return version


# --- the organisation --------------------------------------------------------------


def make_app(url: str):
    from kampus.app import create_app
    from kampus.config import DevelopmentConfig

    return create_app(
        {
            "ENV_CLASS": DevelopmentConfig,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench-secret-" + "x" * 32,
        }
    )


def import_synthetic_modules(rng: random.Random) -> int:
    """Add SYNTHETIC_PER_THEME modules to each seed theme through the importer; returns how many."""
    import yaml
    from sqlalchemy import select

    from kampus.catalogue.importer import apply_import, plan_import
    from kampus.catalogue.loader import CatalogueData, LoadError, parse_text
    from kampus.catalogue.models import Theme
    from kampus.extensions import db
    from kampus.graph import synthetic_catalogue

    themes = list(db.session.scalars(select(Theme).order_by(Theme.position)))
    modules, prerequisites = synthetic_catalogue(SYNTHETIC_PER_THEME * len(themes), themes=len(themes), seed=7)
    slug = {m["slug"]: f"syn-{m['slug']}" for m in modules}
    document = {
        "modules": [
            {
                "slug": slug[m["slug"]],
                "theme": themes[m["theme_position"] - 1].slug,
                "position": 100 + m["position"],
                "title": {"fi": f"Synteettinen moduuli {m['slug']}"},
                "summary": {"fi": "Vertailuajon moduuli."},
                "level": m["level"],
                "minutes": m["minutes"],
                "target_groups": ["teaching"],
                "status": "published",
                "sections": [{"title": "Aineisto", "body": "Lue tämä."}],
            }
            for m in modules
        ],
        "prerequisites": [
            {"before": slug[e["before"]], "after": slug[e["after"]], "kind": e["kind"]} for e in prerequisites
        ],
    }
    data, errors = CatalogueData(), []
    parse_text(yaml.safe_dump(document, allow_unicode=True), "bench-synthetic.yaml", data, errors)
    plan = plan_import(data, source="bench-synthetic.yaml")
    problems: list[LoadError] = errors + plan.errors
    if problems:
        raise SystemExit("synthetic catalogue refused:\n" + "\n".join(map(str, problems[:10])))
    apply_import(plan)
    return len(modules)


def make_template(rng: random.Random) -> tuple[int, list[str]]:
    """A template whose module goals need about PATH_MODULES modules from scratch; (id, path order)."""
    from kampus.assignments.services import save_template
    from kampus.catalogue.services import catalogue_graph
    from kampus.graph import plan

    graph = catalogue_graph()
    candidates = sorted(s for s in graph if s.startswith("syn-"))
    rng.shuffle(candidates)
    goals: list[str] = []
    for slug in candidates:
        trial = goals + [slug]
        if len(plan(graph, trial, ()).steps) > PATH_MODULES:
            continue
        goals = trial
        if len(plan(graph, goals, ()).steps) >= PATH_MODULES - 2:
            break
    template = save_template(
        None,
        organisation_id=None,
        title={"fi": "Vertailupolku"},
        description={},
        target_group=None,
        module_slugs=goals,
        theme_slugs=[],
    )
    return template.id, [step.slug for step in plan(graph, goals, ()).steps]


def _recognise(user_id: int, module_id: int, when, progress: list[dict], events: list[dict]) -> None:
    """A module recognised from a self-assessment: its progress row and its learning event."""
    progress.append(
        {
            "user_id": user_id,
            "module_id": module_id,
            "status": "recognised",
            "section_position": 0,
            "best_score": None,
            "recognised_by": "self_assessment",
            "started_at": when,
            "finished_at": when,
            "updated_at": when,
        }
    )
    events.append({"user_id": user_id, "module_id": module_id, "verb": "recognised", "data": {}, "created_at": when})


def build_organisation(learners: int, teams: int, rng: random.Random) -> dict:
    """Bulk-insert the organisation; returns ids the measurements need."""
    from sqlalchemy import insert, select

    from kampus.auth.models import User
    from kampus.auth.passwords import hash_password
    from kampus.catalogue.models import Module, Theme
    from kampus.extensions import db
    from kampus.graph import LEVELS
    from kampus.orgs.models import Organisation
    from kampus.progress.models import LearningEvent, Progress, SelfAssessment

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    template_id, path = make_template(rng)
    module_id = dict(db.session.execute(select(Module.slug, Module.id)).all())
    theme_ids = list(db.session.scalars(select(Theme.id).order_by(Theme.position)))
    password_hash = hash_password(PASSWORD)
    basics: dict[int, set[int]] = {theme_id: set() for theme_id in theme_ids}
    for module, theme_id in db.session.execute(
        select(Module.id, Module.theme_id).where(Module.status == "published", Module.level.in_(("A1", "A2", "B1")))
    ):
        basics[theme_id].add(module)

    org_id = db.session.execute(
        insert(Organisation)
        .values(slug="vertailuopisto", name="Vertailuopisto", created_at=now)
        .returning(Organisation.id)
    ).scalar_one()
    manager_email = "esihenkilo@vertailu.example"
    manager_id, learner_ids = bulk.insert_people(
        db.session,
        org_id,
        (manager_email, "Esihenkilö Vertailu"),
        [(f"oppija{n:05d}@vertailu.example", f"Oppija {n:05d}") for n in range(learners)],
        password_hash=password_hash,
        now=now,
    )
    team_ids = bulk.insert_teams(db.session, org_id, [f"Tiimi {t + 1:02d}" for t in range(teams)], now)
    bulk.insert_memberships(db.session, bulk.fill_teams(team_ids, learner_ids, -(-len(learner_ids) // teams)), now)
    bulk.insert_assignments(db.session, org_id, template_id, manager_id, team_ids, now, rng)

    progress, events, assessments = [], [], []
    for user_id in learner_ids:
        first_row = len(progress)
        done = rng.randint(0, len(path))  # a prefix of the path in order: ~50 % on average
        for index, slug in enumerate(path[: done + 1]):
            when = now - dt.timedelta(days=rng.randint(1, 180), minutes=index)
            if index < done:
                recognised = rng.random() < 0.1
                status = "recognised" if recognised else "completed"
                progress.append(
                    {
                        "user_id": user_id,
                        "module_id": module_id[slug],
                        "status": status,
                        "section_position": 0,
                        "best_score": None if recognised else rng.randint(60, 100),
                        "recognised_by": "self_assessment" if recognised else None,
                        "started_at": when,
                        "finished_at": when,
                        "updated_at": when,
                    }
                )
                events.append(
                    {"user_id": user_id, "module_id": module_id[slug], "verb": status, "data": {}, "created_at": when}
                )
            elif index < len(path):
                progress.append(
                    {
                        "user_id": user_id,
                        "module_id": module_id[slug],
                        "status": "in_progress",
                        "section_position": 1,
                        "best_score": None,
                        "recognised_by": None,
                        "started_at": when,
                        "finished_at": None,
                        "updated_at": when,
                    }
                )
        if done + 1 < len(path) and rng.random() < OUT_OF_ORDER_SHARE:
            # Recognised ahead of the path (prior learning): makes states less alike.
            for slug in rng.sample(path[done + 1 :], min(3, len(path) - done - 1, rng.randint(1, 3))):
                when = now - dt.timedelta(days=rng.randint(1, 180))
                _recognise(user_id, module_id[slug], when, progress, events)
        if rng.random() < BASICS_SHARE:
            # The basics (A1–B1) of a few themes recognised: the capability radar and trend have something to show.
            taken = {row["module_id"] for row in progress[first_row:]}
            for theme_id in rng.sample(theme_ids, rng.randint(1, 4)):
                for basic in basics[theme_id] - taken:
                    when = now - dt.timedelta(days=rng.randint(1, 180))
                    _recognise(user_id, basic, when, progress, events)
        if rng.random() < 0.5:
            assessments.extend(
                {"user_id": user_id, "theme_id": theme_id, "level": rng.choice(LEVELS[:4]), "updated_at": now}
                for theme_id in theme_ids
            )
    for table, rows in ((Progress, progress), (LearningEvent, events), (SelfAssessment, assessments)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start : start + 5000])
    db.session.commit()
    # The dashboard's learner: the one whose progress is nearest half of the path.
    share = {u: 0 for u in learner_ids}
    for row in progress:
        if row["status"] != "in_progress":
            share[row["user_id"]] += 1
    halfway = min(learner_ids, key=lambda u: (abs(share[u] - len(path) // 2), u))
    learner_email = db.session.scalar(select(User.email).where(User.id == halfway))
    return {
        "org_id": org_id,
        "team_ids": team_ids,
        "learner_ids": learner_ids,
        "template_id": template_id,
        "manager_email": manager_email,
        "learner_email": learner_email,
        "path_length": len(path),
        "progress_rows": len(progress),
        "events": len(events),
        "manager_id": manager_id,
    }


def add_whole_organisation_team(world: dict) -> int:
    """A team of every learner, with its own assignment of the template; returns its id."""

    from kampus.extensions import db

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    team_id = bulk.insert_team(db.session, world["org_id"], "Koko henkilöstö", world["learner_ids"], now)
    bulk.insert_assignment(
        db.session,
        world["org_id"],
        world["template_id"],
        world["manager_id"],
        team_id,
        now,
        due=now.date() + dt.timedelta(days=30),
    )
    db.session.commit()
    return team_id


# --- measuring -----------------------------------------------------------------------


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def sign_in(client, email: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"sign-in as {email} failed: {response.status_code}")


def measure(app, client, path: str, runs: int) -> dict:
    from sqlalchemy import event

    from kampus.extensions import db

    with app.app_context():
        engine = db.engine
    response = client.get(path)  # warm-up: graph cache, templates, connection pool
    if response.status_code != 200:
        return {"path": path, "status": response.status_code, "median_ms": None, "queries": None, "html": ""}
    times, counts = [], []
    for _ in range(runs):
        counter = QueryCounter()
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
        "min_ms": min(times),
        "queries": max(counts),
        "html": response.get_data(as_text=True),
    }


def measure_service(app, team_id: int, runs: int) -> dict:
    """``team_report`` alone, inside a request context (as the page calls it)."""
    from sqlalchemy import event

    from kampus.extensions import db
    from kampus.orgs.models import Team
    from kampus.reports.team import team_report

    times, counts = [], []
    for _ in range(runs + 1):
        with app.test_request_context("/"):
            team = db.session.get(Team, team_id)
            counter = QueryCounter()
            event.listen(db.engine, "before_cursor_execute", counter)
            started = time.perf_counter()
            report = team_report(team)
            times.append((time.perf_counter() - started) * 1000)
            event.remove(db.engine, "before_cursor_execute", counter)
            counts.append(counter.count)
            db.session.remove()
    return {
        "median_ms": statistics.median(times[1:]),
        "queries": max(counts[1:]),
        "members": len(report.rows),
        "columns": len(report.modules),
    }


def _service_row(service: dict) -> dict:
    """A row of the table for ``team_report()`` measured without the page."""
    return {
        "page": f"team_report() ({service['members']}×{service['columns']})",
        "status": 200,
        "median_ms": service["median_ms"],
        "queries": service["queries"],
        "note": "service only",
    }


def shows_matrix(html: str, world: dict) -> bool:
    return "Synteettinen moduuli" in html


def run_backend(label: str, url: str, args, rng: random.Random) -> list[dict]:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from kampus import seeding
    from kampus.extensions import db

    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
            upgrade()
        seeding.seed_catalogue(ROOT / "seed")
        seeding.seed_templates(ROOT / "seed")
        db.session.commit()
        added = import_synthetic_modules(rng)
        db.session.commit()
        world = build_organisation(args.learners, args.teams, rng)
        if db.engine.dialect.name == "postgresql":
            # Autovacuum would analyse the new rows within a minute or so; without
            # statistics the planner picks nested loops over 350,000 index probes.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    print(
        f"[{label}] built in {time.perf_counter() - started:.1f} s: {added} synthetic modules (plus the seed), "
        f"{args.learners:,} learners in {args.teams} teams, a {world['path_length']}-module path, "
        f"{world['progress_rows']:,} progress rows, {world['events']:,} events",
        flush=True,
    )

    rows = []
    manager = app.test_client()
    sign_in(manager, world["manager_email"])
    team_size = -(-args.learners // args.teams)
    team = measure(app, manager, f"/org/teams/{world['team_ids'][0]}", args.runs)
    rows.append(
        {
            "page": f"team page ({team_size} members)",
            **team,
            "note": "" if shows_matrix(team["html"], world) else "no matrix on the page yet",
        }
    )
    rows.append(_service_row(measure_service(app, world["team_ids"][0], args.runs)))
    overview = measure(app, manager, "/org", args.runs)
    rows.append({"page": "organisation overview /org", **overview, "note": ""})
    learner = app.test_client()
    sign_in(learner, world["learner_email"])
    dashboard = measure(app, learner, "/me", args.runs)
    rows.append({"page": "learner dashboard /me", **dashboard, "note": ""})

    with app.app_context():
        big_team = add_whole_organisation_team(world)
        db.session.remove()
    big = measure(app, manager, f"/org/teams/{big_team}", args.runs)
    rows.append(
        {
            "page": f"team page ({args.learners:,} members)",
            **big,
            "target": True,
            "note": "" if shows_matrix(big["html"], world) else "no matrix on the page yet",
        }
    )
    rows.append(_service_row(measure_service(app, big_team, args.runs)))
    with app.app_context():
        db.engine.dispose()
    return rows


def print_rows(label: str, rows: list[dict], runs: int) -> list[tuple[str, bool]]:
    print(f"[{label}] median of {runs} requests after a warm-up; queries per request")
    print(f"  {'page':<34} {'status':>6} {'median':>10} {'queries':>8}  note")
    verdicts = []
    for row in rows:
        median = "-" if row["median_ms"] is None else f"{row['median_ms']:8.1f}ms"
        queries = "-" if row["queries"] is None else str(row["queries"])
        print(f"  {row['page']:<34} {row['status']:>6} {median:>10} {queries:>8}  {row.get('note', '')}")
        if row.get("target"):
            ms, count, how = row["median_ms"], row["queries"], "the page"
            if row.get("note"):  # the page does not build the matrix yet: add the report service's figures
                service = rows[rows.index(row) + 1]
                ms, count = ms + service["median_ms"], count + service["queries"]
                how = "the page as it is + team_report(), as the page has no matrix yet"
            met = row["status"] == 200 and ms <= TARGET_TEAM_MS and count <= TARGET_TEAM_QUERIES
            verdicts.append(
                (
                    f"[{label}] {row['page']}: ≤ {TARGET_TEAM_MS:g} ms and ≤ {TARGET_TEAM_QUERIES} queries: "
                    f"{ms:.1f} ms, {count} queries ({how})",
                    met,
                )
            )
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured requests per page (default 15)")
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway PostgreSQL cluster")
    parser.add_argument("--postgres-url", help="also run on this PostgreSQL server (a database is created there)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--quick", action="store_true", help="200 learners in 4 teams (while developing)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.learners, args.teams = (200, 4) if args.quick else (LEARNERS, TEAMS)

    from kampus.i18n import build_catalogues

    build_catalogues()
    verdicts: list[tuple[str, bool]] = []
    if not args.no_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="kampus-bench-pages."))
        try:
            import sqlite3

            label = f"SQLite {sqlite3.sqlite_version}"
            rows = run_backend(label, f"sqlite:///{folder / 'bench.db'}", args, random.Random(args.seed))
            verdicts += print_rows(label, rows, args.runs)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.postgres or args.postgres_url:
        with contextlib.ExitStack() as stack:
            server = args.postgres_url or stack.enter_context(throwaway_postgres())
            url = create_postgres_database(server, f"kampus_bench_{os.getpid()}")
            stack.callback(drop_postgres_database, url)
            label = f"PostgreSQL {postgres_version(url)}"
            rows = run_backend(label, url, args, random.Random(args.seed))
            verdicts += print_rows(label, rows, args.runs)
    print()
    print("targets:")
    for text, met in verdicts:
        print(f"  {text} — {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
