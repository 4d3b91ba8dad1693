"""Benchmark Kampus over real HTTP: gunicorn -w 2 and wrk, against a bare Flask app served the same way.

Run from the project root (needs Debian's ``wrk``: ``apt-get install -y wrk``)::

    python bench/http_load.py                 # wrk -t2 -c16 -d5s per URL
    python bench/http_load.py --duration 3    # shorter runs

It builds a demo database in a temporary SQLite file (``kampus db upgrade`` and
``kampus seed --demo``), starts ``gunicorn -w 2`` serving Kampus and, in the
same run, ``gunicorn -w 2`` serving ``bench/hello.py`` (a bare Flask app), both
on 127.0.0.1 and free ports. It signs in over HTTP as the demo learner and the
demo manager, then runs ``wrk --latency`` against: the landing page, the
learner's dashboard ``/me`` and assigned path page, and the manager's team page,
passing the session cookie (and the same User-Agent, as Flask-Login's strong
session protection checks it). It prints requests/s, latency percentiles and
each as a ratio to the bare app (measured before and after Kampus; the mean of
the two is the baseline). Target: the learner dashboard ≥ 30 % of the bare
app's requests/s.

Kampus runs with ``KAMPUS_ENV=development`` and a random ``SECRET_KEY``:
production mode marks cookies Secure, which plain-http sign-in here cannot use;
nothing else in the request path differs. Servers are stopped by their process
ids whatever happens.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
USER_AGENT = "kampus-bench/1.0"
DEMO_PASSWORD = "kampus-demo"
LEARNER = "maija.virtanen@jarvilaakso.example"
MANAGER = "sari.manninen@jarvilaakso.example"
TEAM_NAME = "Sosiaali- ja terveysala"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn -w 2 on 127.0.0.1:port, started from ``cwd``; stopped by its pid."""

    def __init__(self, app: str, cwd: Path, env: dict, workers: int = 2):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "30", app],
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise SystemExit(f"server exited:\n{self.log.read().decode(errors='replace')[-2000:]}")
            try:
                if request(self.port, "GET", path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"server on port {self.port} not ready after {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def request(port: int, method: str, path: str, *, body: dict | None = None, cookies: dict | None = None):
    """(status, headers, text) of one request; ``cookies`` is updated from Set-Cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"User-Agent": USER_AGENT}
    if cookies:
        headers["Cookie"] = cookie_header(cookies)
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        if cookies is not None:
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), text
    finally:
        conn.close()


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items() if value)


def session_fields(cookies: dict) -> dict:
    """The fields of Flask's signed session cookie (read, not verified: only the bench looks)."""
    import base64
    import json
    import zlib

    value = cookies.get("session", "")
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".", 1)[0]
    if not payload:
        return {}
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def sign_in(port: int, email: str) -> dict:
    cookies: dict = {}
    _, _, html = request(port, "GET", "/login", cookies=cookies)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    status, headers, _ = request(
        port, "POST", "/login", cookies=cookies, body={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    if status != 302 or "/login" in headers.get("Location", ""):
        raise SystemExit(f"sign-in as {email} failed ({status})")
    # Follow the redirect as a browser does: the page it lands on shows (and spends) the
    # "signed in" message, so the session measured below has no message waiting.
    request(port, "GET", urllib.parse.urlsplit(headers["Location"]).path or "/", cookies=cookies)
    if "_flashes" in session_fields(cookies):
        raise SystemExit(f"the session of {email} still holds a message after its first page")
    return cookies


def cpu_seconds(server: Server) -> float:
    """User + system CPU of the server's master and workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.process.pid]
    with suppress(OSError):
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text()
        pids += [int(p) for p in children.split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def settle(server: Server, timeout: float = 15.0) -> float:
    """Wait until the server has served what wrk left queued (its CPU stops moving); its CPU then."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(server)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = cpu_seconds(server)
        if now - last < 0.02:
            return now
        last = now
    return last


def sequential_cpu(server: Server, path: str, cookies: dict | None, count: int) -> float:
    """CPU milliseconds per request with one client and one request at a time (no queueing, so a
    busy machine distorts it least)."""
    for _ in range(5):
        request(server.port, "GET", path, cookies=dict(cookies or {}))
    start = settle(server)
    for _ in range(count):
        request(server.port, "GET", path, cookies=dict(cookies or {}))
    return 1000 * (settle(server) - start) / count


def wrk(url: str, cookies: dict | None, args, server: Server | None = None) -> dict:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    if cookies:
        command += ["-H", f"Cookie: {cookie_header(cookies)}"]
    cpu_before = cpu_seconds(server) if server else 0.0
    output = subprocess.run(
        command + [url], capture_output=True, text=True, timeout=args.duration + 30, check=True
    ).stdout
    cpu = settle(server) - cpu_before if server else 0.0
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "cpu_ms": 1000 * cpu / max(int(re.search(r"(\d+) requests in", output).group(1)), 1),
        "latency": latency,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def check_page(port: int, path: str, cookies: dict, must_contain: str) -> None:
    status, _, html = request(port, "GET", path, cookies=dict(cookies))
    if status != 200 or must_contain not in html:
        raise SystemExit(f"{path} answered {status} without {must_contain!r}: the session cookie did not work")


#: Issue 19's light-page targets: req/s as a share of the bare app's, measured in the same run.
TARGETS = {
    "landing": 0.30,
    "theme": 0.30,
    "dashboard": 0.20,
    "path": 0.20,
    "study": 0.20,
    "overview": 0.15,
    "team": 0.15,
}
TEAM_SIZE = 30

GROW_TEAM = """
import sys
from sqlalchemy import select
from kampus.app import create_app
from kampus.extensions import db
from kampus.auth.models import User
from kampus.orgs.models import Team, TeamMembership
app = create_app()
with app.app_context():
    team = db.session.scalar(select(Team).where(Team.name == sys.argv[1]))
    have = len(team.members) if hasattr(team, "members") else 0
    have = db.session.query(TeamMembership).filter_by(team_id=team.id).count()
    for n in range(int(sys.argv[2]) - have):
        user = User(email=f"bench{n}@jarvilaakso.example", name=f"Bench Person {n}", password_hash=None,
                    organisation_id=team.organisation_id, language="fi", target_group="teaching")
        db.session.add(user)
        db.session.flush()
        db.session.add(TeamMembership(team_id=team.id, user_id=user.id))
    db.session.commit()
"""


def run_backend(label: str, database_url: str, args) -> list[tuple[str, str, dict, float | None]]:
    """Serve Kampus on ``database_url`` and the bare app side by side; (key, name, wrk result, target) rows."""
    with ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="kampus-bench-http."))
        stack.callback(shutil.rmtree, folder, True)
        env = {
            **os.environ,
            "KAMPUS_ENV": "development",
            "SECRET_KEY": secrets.token_hex(32),
            "KAMPUS_DATABASE_URL": database_url or f"sqlite:///{folder / 'demo.db'}",
            "KAMPUS_INSTANCE_PATH": str(folder / "instance"),
        }
        env.pop("KAMPUS_RATELIMIT_STORAGE_URI", None)
        for command in (["db", "upgrade"], ["seed", "--demo"]):
            # Not the venv's ``kampus`` script: it imports the package it was installed
            # from, which in a git worktree is another checkout (other migrations).
            subprocess.run(
                [sys.executable, "-c", "from kampus.app import cli; cli()", *command],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=300,
            )
        subprocess.run(
            [sys.executable, "-c", GROW_TEAM, TEAM_NAME, str(TEAM_SIZE)], cwd=ROOT, env=env, check=True, timeout=120
        )

        hello = Server("hello:app", ROOT / "bench", env)
        stack.callback(hello.stop)
        kampus = Server("kampus.app:create_app()", ROOT, env)
        stack.callback(kampus.stop)
        hello.wait_ready("/")
        kampus.wait_ready("/healthz")

        learner = sign_in(kampus.port, LEARNER)
        manager = sign_in(kampus.port, MANAGER)
        _, _, landing = request(kampus.port, "GET", "/")
        theme_link = re.search(r'href="(/themes/[^"]+)"', landing)
        _, _, dashboard = request(kampus.port, "GET", "/me", cookies=dict(learner))
        path_link = re.search(r'href="(/me/assignments/\d+|/paths/\d+)"', dashboard)
        if not path_link or not theme_link:
            raise SystemExit("the demo learner's dashboard links to no path, or the landing page to no theme")
        _, _, path_page = request(kampus.port, "GET", path_link.group(1), cookies=dict(learner))
        study_link = re.search(r'href="(/modules/[^"/]+/study)[^"]*"', path_page)
        if not study_link:
            module_link = re.search(r'href="/modules/([^"/?#]+)"', path_page)
            study_link = re.match(r"(.*)", f"/modules/{module_link.group(1)}/study")
        _, _, teams = request(kampus.port, "GET", "/org/teams", cookies=dict(manager))
        team = re.search(r'href="(/org/teams/\d+)"[^>]*>\s*' + re.escape(TEAM_NAME), teams)
        if not team:
            raise SystemExit(f"no link to the team {TEAM_NAME} on /org/teams")
        check_page(kampus.port, "/me", learner, "Maija")
        check_page(kampus.port, team.group(1), manager, TEAM_NAME)

        base = f"http://127.0.0.1:{kampus.port}"
        targets = [
            ("landing", "catalogue landing /", "/", None),
            ("theme", f"theme page {theme_link.group(1)}", theme_link.group(1), None),
            ("dashboard", "learner dashboard /me", "/me", learner),
            ("path", f"learner path {path_link.group(1)}", path_link.group(1), learner),
            ("study", f"study page {study_link.group(1)}", study_link.group(1), learner),
            ("overview", "manager overview /org", "/org", manager),
            ("team", f"team page {team.group(1)} ({TEAM_SIZE})", team.group(1), manager),
            ("healthz", "/healthz (no template)", "/healthz", None),
        ]
        for _key, _name, path, cookies in targets:
            status, _, _ = request(kampus.port, "GET", path, cookies=dict(cookies or {}))
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
        print(
            f"\n{label}: wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency; "
            f"gunicorn -w 2 (sync workers); {os.cpu_count()} CPUs",
            flush=True,
        )
        sequential = {"hello": sequential_cpu(hello, "/", None, args.sequential)}
        for key, _name, path, cookies in targets:
            sequential[key] = sequential_cpu(kampus, path, cookies, args.sequential)
        hello_before = wrk(f"http://127.0.0.1:{hello.port}/", None, args, hello)
        results = [(key, name, wrk(base + path, cookies, args, kampus)) for key, name, path, cookies in targets]
        hello_after = wrk(f"http://127.0.0.1:{hello.port}/", None, args, hello)
        baseline = (hello_before["rps"] + hello_after["rps"]) / 2
        hello_cpu = (hello_before["cpu_ms"] + hello_after["cpu_ms"]) / 2

        print(
            f"{'':36} {'req/s':>8} {'ratio':>7} {'target':>7} {'p50':>9} {'p99':>9} {'CPU/req':>8} {'CPU ratio':>9}"
            "  result"
        )
        rows = [("hello", "bare Flask hello (before)", hello_before)] + results
        rows.append(("hello", "bare Flask hello (after)", hello_after))
        out = []
        for key, name, result in rows:
            lat = result["latency"]
            share = result["rps"] / baseline
            target = TARGETS.get(key)
            errors = f" {result['non_2xx']} non-2xx" if result["non_2xx"] else ""
            if result["socket_errors"]:
                errors += f" socket: {result['socket_errors']}"
            verdict = ""
            if target is not None:
                verdict = "met" if share >= target and not result["non_2xx"] else "NOT met"
            print(
                f"{name:36} {result['rps']:8.1f} {share:6.1%} {f'{target:.0%}' if target else '':>7} "
                f"{lat.get('50', '-'):>9} {lat.get('99', '-'):>9} {result['cpu_ms']:6.2f}ms "
                f"{hello_cpu / max(result['cpu_ms'], 1e-6):8.1%}  {verdict}{errors}",
                flush=True,
            )
            out.append((key, name, result, share, target, verdict))
        print(f"\none request at a time ({args.sequential} each): the servers' CPU per request")
        for key, name, _path, _cookies in [("hello", "bare Flask hello", "/", None), *targets]:
            share = sequential["hello"] / sequential[key]
            target = TARGETS.get(key)
            verdict = ("met" if share >= target else "NOT met") if target else ""
            print(f"  {name:36} {sequential[key]:6.2f} ms CPU  {share:6.1%} of the bare app's rate  {verdict}")
        print(f"baseline: the bare app's mean of {hello_before['rps']:.0f} and {hello_after['rps']:.0f} req/s")
        print(
            "CPU/req: the servers' own CPU time per request (/proc); CPU ratio = the bare app's CPU/req over"
            " the page's, which a busy machine disturbs less than req/s"
        )
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway PostgreSQL cluster")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--sequential", type=int, default=200, help="requests per URL for the one-at-a-time CPU figure")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")
    missed = 0
    if not args.no_sqlite:
        missed += sum(row[5] == "NOT met" for row in run_backend("SQLite", "", args))
    if args.postgres:
        from pages import create_postgres_database, drop_postgres_database, throwaway_postgres

        with ExitStack() as stack:
            server = stack.enter_context(throwaway_postgres())
            url = create_postgres_database(server, f"kampus_http_{os.getpid()}")
            stack.callback(drop_postgres_database, url)
            missed += sum(row[5] == "NOT met" for row in run_backend("PostgreSQL", url, args))
    print(f"\n{missed} target(s) not met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
