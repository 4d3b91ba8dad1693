"""Every row of issue 19's table: the issue's figure, this run's, the target and "met" / "NOT met".

Run from the project root::

    python bench/report.py                  # SQLite: light pages over HTTP, national scale, imports
    python bench/report.py --postgres       # the same, then again on a throwaway PostgreSQL cluster
    python bench/report.py --quick          # everything at small scale, in a few minutes

It runs, one after the other, ``bench/http_load.py`` (the light pages as a share
of a bare Flask app served the same way, measured side by side: that is the
baseline of every ratio), ``bench/national.py`` (77 × 300 staff plus one
10,000-staff organisation: team pages, staff list, overviews, exports,
reminders) and ``bench/exports.py`` on a 2,000-staff organisation (the
table's smaller export), and measures itself the catalogue import of 10,000
modules (YAML parse with libyaml's C loader against PyYAML's pure-Python one,
and the whole import through the import service) and the staff CSV import of
2,000 rows through its page (the request's time, the outbox rows written, the
SMTP sessions opened during the request). Each script prints its own table;
the summary at the end has one line per row of the issue's table (the light
pages one per page and database), each with the issue's figure, this run's,
the target and the verdict. ``--quick`` runs every part at small scale (the
sizes are printed beside each figure): it proves the report works, its
figures are not the issue's.

Targets the issue leaves without a number are set here and said in the
target column: the staff list as the team page (≤ 300 ms), the dry run of the
reminders ≤ 10 s ("batches a worker can finish in seconds"), the catalogue
import ≤ 25 s CPU at 10,000 modules (half the 51 s before, with the C loader),
the staff import's request ≤ 30 s (gunicorn's ``--timeout``) with no SMTP.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))


@dataclass
class Row:
    """One line of the summary: a row of the issue's table as measured in this run."""

    what: str
    before: str  # the figure
    figure: str  # this run's
    target: str
    ok: bool | None  # None: not measured

    def verdict(self) -> str:
        return "not measured" if self.ok is None else ("met" if self.ok else "NOT met")


def run(label: str, command: list[str]) -> tuple[list[tuple[str, str]], int]:
    """Run a bench script, echo its output as it comes; returns its lines (each with the
    database section it stands in: "SQLite" or "PostgreSQL") and its exit status."""
    print(f"\n=== {label}: {' '.join(command)}", flush=True)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = []
    section = "PostgreSQL" if "--postgres" in command and "national" in label else "SQLite"
    for line in process.stdout:
        print(line, end="", flush=True)
        stripped = line.rstrip()
        found = re.match(r"^\[?(SQLite|PostgreSQL)\b", stripped)
        if found:
            section = found.group(1)
        lines.append((section, stripped))
    process.wait()
    return lines, process.returncode


# --- the light pages (bench/http_load.py) ------------------------------------------------

#: The issue's ratios to the bare app (SQLite, PostgreSQL) and the targets.
LIGHT_PAGES = {
    "landing": ("catalogue landing", ("16.1 %", "9.9 %"), 0.30),
    "theme": ("theme page", ("7.9 %", "4.9 %"), 0.30),
    "dashboard": ("learner dashboard", ("4.4 %", "3.6 %"), 0.20),
    "path": ("learner path", ("4.8 %", "4.1 %"), 0.20),
    "study": ("study page", ("2.1 %", "2.8 %"), 0.20),
    "overview": ("manager overview", ("3.4 %", "1.4 %"), 0.15),
    "team": ("team page", ("3.4 %", "2.7 %"), 0.15),
}
WRK_LINE = re.compile(r"^(?P<name>\S.*?)\s+(?P<rps>\d+\.\d)\s+(?P<share>\d+\.\d)%")


def light_page_rows(lines: list[tuple[str, str]], databases: list[str]) -> list[Row]:
    """One row per light page and database, read from http_load's wrk table."""
    seen: dict[tuple[str, str], float] = {}
    for section, line in lines:
        match = WRK_LINE.match(line)
        if not match:
            continue
        for key, (prefix, _before, _target) in LIGHT_PAGES.items():
            if match["name"].startswith(prefix) and (section, key) not in seen:
                seen[(section, key)] = float(match["share"]) / 100
    rows = []
    for database in databases:
        index = 0 if database == "SQLite" else 1
        for key, (prefix, before, target) in LIGHT_PAGES.items():
            share = seen.get((database, key))
            rows.append(
                Row(
                    f"light page: {prefix} ({database}), req/s ÷ bare Flask",
                    before[index],
                    "-" if share is None else f"{share:.1%}",
                    f"≥ {target:.0%}",
                    None if share is None else share >= target,
                )
            )
    return rows


# --- national scale (bench/national.py, bench/exports.py) ---------------------------------

#: national.py's line names (prefixes) → the issue's row, its figure and, where the issue
#: sets none, the target read here (None: national.py's own verdict stands).
NATIONAL = [
    ("team page, team of 2,000", "team page, team of 2,000", "4.2 s, 18.9 MB of HTML (org of 2,000)", None),
    ("team page, team of 100", "team page, team of 100 in a 10k org", "4.3 s, 32 queries", None),
    ("staff list /org/staff", "staff list /org/staff, 10,000 staff", "13 s, 10 MB", None),
    ("admin network overview", "admin network overview", "2.2–4.4 s", None),
    ("org overview /org", "org overview (item 2: from aggregates)", "(not in the table)", None),
    ("CSV export /org/export.csv", "CSV export, 10,000 staff: time and memory", "87 s (times out); 1.9 GB", None),
    ("CSV export, team of 2,000", "CSV export, team of 2,000", "(not in the table)", None),
    ("kampus remind --dry-run", "kampus remind --dry-run, 23–35k people", "21–42 s", 10.0),
]


def national_rows(lines: list[tuple[str, str]], database: str, status: int) -> list[Row]:
    rows = []
    measured = [(s, re.split(r"\s{2,}", line.strip())) for s, line in lines if line.startswith("  ")]
    for prefix, what, before, seconds in NATIONAL:
        found = [parts for s, parts in measured if s == database and parts[0].startswith(prefix)]
        if not found:
            if prefix != "CSV export, team of 2,000":
                rows.append(Row(f"{what} ({database})", before, "-", "-", None))
            continue
        for parts in found:
            name, figure = parts[0], parts[1] if len(parts) > 1 else "-"
            target = parts[2] if len(parts) > 2 else "-"
            ok: bool | None = parts[-1] == "met" if parts[-1] in ("met", "NOT met") else None
            if seconds is not None:  # the reminders: national.py prints the time without a target
                took = re.match(r"([\d.]+) s \(exit (\d+)", figure)
                target = f"≤ {seconds:g} s (set here)"
                ok = bool(took) and float(took[1]) <= seconds and took[2] == "0"
            rows.append(Row(f"{name} ({database})", before, figure, target, ok))
    if status:
        rows.append(Row(f"bench/national.py ({database})", "-", f"exited with {status}", "exit 0", False))
    return rows


def export_rows(lines: list[tuple[str, str]], staff: int, status: int) -> list[Row]:
    """bench/exports.py on an organisation of ``staff`` people: the table's 2,000-staff export."""
    rows = []
    line_of = re.compile(r"^(CSV export /org/export\.csv .*?\))\s+(.*? MB)\s+(≤ .*?)\s+(met|NOT met)$")
    for _section, line in lines:
        found = line_of.match(line.strip())  # the figure may fill its column: one space before the target
        if found:
            name, figure, target, verdict = found.groups()
            before = "14 s" if staff == 2000 else "14 s at 2,000 staff"
            rows.append(Row(name + " (SQLite)", before, figure, target, verdict == "met"))
    if not rows:
        rows.append(Row(f"CSV export, {staff:,} staff", "14 s", f"missing (exit {status})", "≤ 5 s", None))
    return rows


def catalogue_yaml(modules: int) -> str:
    items = [
        {
            "slug": f"moduuli-{n}",
            "theme": "pedagogiikka",
            "position": n + 1,
            "title": {"fi": f"Moduuli {n}", "sv": f"Modul {n}", "en": f"Module {n}"},
            "summary": {"fi": "Lyhyesti " * 8},
            "level": "B1",
            "minutes": 30,
            "target_groups": ["teaching"],
            "status": "published",
            "sections": [
                {"title": {"fi": f"Osa {i}"}, "body": {"fi": f"Tekstiä **paljon** ({n}.{i}).\n" * 6}} for i in range(3)
            ],
            "self_check": {
                "pass_mark": 70,
                "questions": [{"prompt": {"fi": "Kysymys?"}, "choices": [{"fi": "a"}, {"fi": "b"}], "correct": [0]}],
            },
        }
        for n in range(modules)
    ]
    return yaml.safe_dump({"modules": items}, allow_unicode=True, sort_keys=False)


CATALOGUE_TARGET_CPU_S = 25.0  # per 10,000 modules: half the 51 s


def _fresh_app(folder: str, name: str, **config):
    from kampus.app import create_app
    from kampus.config import DevelopmentConfig

    values = {
        "ENV_CLASS": DevelopmentConfig,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/{name}.sqlite",
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "bench-secret-" + "x" * 32,
    }
    values.update(config)
    app = create_app(values)
    with app.app_context(), contextlib.redirect_stderr(io.StringIO()):
        from flask_migrate import upgrade

        upgrade()
    return app


def catalogue_import_rows(modules: int) -> list[Row]:
    """The whole import of a ``modules``-module catalogue through the import service (parse, check, write)."""
    from sqlalchemy import func, select

    from kampus import seeding
    from kampus.authoring import transfer
    from kampus.catalogue import safe_yaml
    from kampus.catalogue.models import Module
    from kampus.extensions import db

    before = "51 s CPU (93 % pure-Python yaml.safe_load)"
    rows = []
    text = catalogue_yaml(modules)
    start = time.process_time()
    safe_yaml.load_yaml(text)
    fast = time.process_time() - start
    start = time.process_time()
    yaml.safe_load(text)
    pure = time.process_time() - start
    name = safe_yaml._Loader.__name__
    rows.append(
        Row(
            f"catalogue YAML parse, {modules:,} modules ({len(text) / 1e6:.0f} MB)",
            "pure-Python safe_load (the C loader 2.4× faster)",
            f"one pass over {name}'s events (checks and values) {fast:.1f} s CPU; pure-Python {pure:.1f} s",
            "libyaml's C loader, faster",
            name == "CSafeLoader" and fast < pure,
        )
    )
    target_s = CATALOGUE_TARGET_CPU_S * modules / 10_000
    with tempfile.TemporaryDirectory() as folder:
        app = _fresh_app(folder, "catalogue")
        with app.app_context():
            seeding.seed_catalogue(ROOT / "seed")
            db.session.commit()
            existing = db.session.scalar(select(func.count()).select_from(Module))
            start = time.process_time()
            run = transfer.dry_run(text, "bench-catalogue.yaml")
            checked = time.process_time() - start
            if not run.ok:
                problems = "; ".join(map(str, run.errors[:3]))
                rows.append(Row(f"catalogue import, {modules:,} modules", before, f"refused: {problems}", "-", False))
                return rows
            transfer.apply(None, run)
            db.session.commit()
            total = time.process_time() - start
            added = db.session.scalar(select(func.count()).select_from(Module)) - existing
            db.session.remove()
            db.engine.dispose()
    rows.append(
        Row(
            f"catalogue import, {modules:,} modules (check + write, {added:,} added)",
            before if modules == 10_000 else f"{before} at 10,000",
            f"{total:.1f} s CPU ({checked:.1f} s of it the dry run)",
            f"≤ {target_s:g} s CPU (set here)",
            added == modules and total <= target_s,
        )
    )
    return rows


class ConnectionCounter:
    """A TCP listener on a free loopback port that counts the connections made to it (an SMTP
    server that never answers): any SMTP session during the request shows up here."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.sock.accept()
                self.count += 1
                connection.close()

    def close(self):
        self.sock.close()


def staff_import_rows(people: int) -> list[Row]:
    """POST a ``people``-row staff CSV to the import's confirm page with a mail server configured and
    a broker (kombu's in-memory transport: no worker, as in production the web process only
    publishes): the request's time, its outbox rows, and the SMTP sessions it opened."""
    import datetime as dt

    import bulk
    import pages
    from sqlalchemy import func, insert, select

    from kampus.auth.passwords import hash_password
    from kampus.extensions import db
    from kampus.jobs.models import OutboxMessage
    from kampus.orgs.models import Organisation

    smtp = ConnectionCounter()
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = _fresh_app(
                folder,
                "staff",
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=smtp.port,
                CELERY={"task_always_eager": False, "broker_url": "memory://"},
            )
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            with app.app_context():
                org_id = db.session.execute(
                    insert(Organisation)
                    .values(slug="tuontiopisto", name="Tuontiopisto", created_at=now)
                    .returning(Organisation.id)
                ).scalar_one()
                manager = ("esihenkilo@tuonti.example", "Esihenkilö Tuonti")
                bulk.insert_people(
                    db.session, org_id, manager, [], password_hash=hash_password(pages.PASSWORD), now=now
                )
                bulk.insert_teams(db.session, org_id, [f"Tiimi {t}" for t in range(20)], now)
                db.session.commit()
            client = app.test_client()
            pages.sign_in(client, manager[0])
            html = client.get("/org/staff/import").get_data(as_text=True)
            token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
            lines = ["name,email,team"] + [
                f"Henkilö {n:05d},tuonti{n:05d}@example.fi,Tiimi {n % 20}" for n in range(people)
            ]
            payload = base64.b64encode("\n".join(lines).encode("utf-8")).decode("ascii")
            sessions_before = smtp.count
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.post("/org/staff/import/confirm", data={"csrf_token": token, "payload": payload})
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            # Above KAMPUS_IMPORT_INLINE_MAX rows the request only starts a job (a worker's work):
            # run it here, as the worker would, and measure its CPU apart from the request's.
            job_cpu = None
            job = re.match(r"^/jobs/(\d+)$", response.headers.get("Location", ""))
            if job:
                from kampus.jobs import progress

                job_cpu = time.process_time()
                with app.app_context():
                    state = progress.run(int(job[1]))
                    db.session.remove()
                job_cpu = time.process_time() - job_cpu
                print(f"staff import job {job[1]}: {state}, {job_cpu:.1f} s CPU", flush=True)
            sessions = smtp.count - sessions_before
            if response.status_code != 302:
                refused = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', response.get_data(as_text=True))
                print("staff import refused:", refused[:5], flush=True)
            with app.app_context():
                mails = db.session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "mail")
                )
                db.session.remove()
                db.engine.dispose()
    finally:
        smtp.close()
    ok = response.status_code == 302 and mails == people and sessions == 0 and wall <= 30
    return [
        Row(
            f"staff CSV import, {people:,} rows (one request)",
            f"up to {people:,} synchronous SMTP sessions in the request (10 s timeout each)",
            f"{wall:.1f} s ({cpu:.1f} s CPU), HTTP {response.status_code}, "
            + ("" if job_cpu is None else f"then a job of {job_cpu:.1f} s CPU, ")
            + f"{mails:,} outbox mails, {sessions} SMTP sessions",
            "≤ 30 s, 0 SMTP sessions, 1 outbox row a person",
            ok,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL cluster")
    parser.add_argument("--quick", action="store_true", help="every part at small scale (a few minutes)")
    parser.add_argument("--skip-http", action="store_true", help="leave out the light pages (needs wrk)")
    parser.add_argument("--skip-national", action="store_true")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("KAMPUS_LOG_LEVEL", "WARNING")  # not a log line per request this script makes
    python = sys.executable
    databases = ["SQLite"] + (["PostgreSQL"] if args.postgres else [])
    rows: list[Row] = []
    if not args.skip_http:
        http = [python, str(BENCH / "http_load.py")] + (["--postgres"] if args.postgres else [])
        if args.quick:
            http += ["--duration", "2", "--sequential", "20"]
        lines, status = run("light pages over HTTP", http)
        rows += light_page_rows(lines, databases)
        if status:
            rows.append(Row("bench/http_load.py", "-", f"exited with {status}", "exit 0", False))
    if not args.skip_national:
        national = [python, str(BENCH / "national.py")]
        if args.quick:
            national += ["--orgs", "3", "--staff", "100", "--big", "2500", "--runs", "2"]
            national += ["--db", "/tmp/kampus-national-quick.sqlite"]
        lines, status = run("national scale, SQLite", national)
        rows += national_rows(lines, "SQLite", status)
        if args.postgres:
            lines, status = run("national scale, PostgreSQL", national + ["--postgres"])
            rows += national_rows(lines, "PostgreSQL", status)
        staff = 500 if args.quick else 2000
        exports = [python, str(BENCH / "exports.py"), "--big", str(staff), "--format", "csv"]
        exports += ["--db", f"/tmp/exports-bench-{staff}.sqlite"]
        lines, status = run(f"CSV export, {staff:,} staff", exports)
        rows += export_rows(lines, staff, status)
    print("\n=== catalogue import", flush=True)
    rows += catalogue_import_rows(1_000 if args.quick else 10_000)
    print("\n=== staff CSV import", flush=True)
    rows += staff_import_rows(2_000)
    print(
        "\n=== Summary: every row of issue 19's table (before = the issue's figure)"
        + (" — QUICK, small scale" if args.quick else "")
    )
    width = max(len(row.what) for row in rows)
    for row in rows:
        print(
            f"{row.what:<{width}}  before: {row.before}\n{'':<{width}}  now:    {row.figure}\n"
            f"{'':<{width}}  target: {row.target}  →  {row.verdict()}"
        )
    missed = sum(row.ok is False for row in rows)
    unmeasured = sum(row.ok is None for row in rows)
    print(f"\n{len(rows) - missed - unmeasured} met, {missed} not met, {unmeasured} not measured")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
