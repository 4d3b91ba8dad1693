"""Two app servers on one PostgreSQL behave as one service.

Two gunicorn instances (one worker each, different ports, the same
``SECRET_KEY``) serve the same PostgreSQL database over real HTTP: a sign-in on
one is valid on the other; a content change published through one (a module's
title in the module editor, a new prerequisite through the prerequisite
editor, both as an administrator) shows on the next request to the other,
which had the catalogue graph cached; and a self-check passed at the same
moment through both gives one progress row.

Runs only on PostgreSQL (``KAMPUS_TEST_POSTGRES_URL``, which ``make test`` sets
for its second pass): SQLite serves one machine.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, ROOT, config_for

pytestmark = [
    pytest.mark.db,
    pytest.mark.skipif(
        not POSTGRES_URL,
        reason="needs PostgreSQL (KAMPUS_TEST_POSTGRES_URL): "
        "several app servers share one PostgreSQL; SQLite serves one machine",
    ),
]

GUNICORN = Path(sys.executable).parent / "gunicorn"
USER_AGENT = "kampus-multi-instance-test"
TIMEOUT = 20


# --- HTTP with a cookie jar of our own (Flask-Login's strong protection checks the User-Agent) ---


class Browser:
    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form=None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), text
        finally:
            conn.close()

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, form):
        return self.request(port, "POST", path, form)


class FormFields(HTMLParser):
    """The fields of the form posting to ``action`` as a browser would submit them."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = not self.found and attrs.get("action", "").split("?")[0] == self.action
            self.found = self.found or self.inside
        elif not self.inside or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "button", "reset"):
                self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields.append((self._textarea, ""))
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea and self.inside:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = FormFields(action)
    parser.feed(html)
    assert parser.found, f"no form posting to {action}"
    # A textarea's first newline is not part of its value.
    return [(k, v[1:] if v.startswith("\n") else v) for k, v in parser.fields]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no csrf_token in page"
    return match.group(1)


# --- servers -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, log) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "30", "kampus.app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, port


def wait_ready(process: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"server on port {port} exited:\n{log.read().decode(errors='replace')[-3000:]}")
        try:
            if Browser().get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"server on port {port} not ready in 30 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


# --- the world --------------------------------------------------------------------------


@pytest.fixture
def shared_database(databases):
    """A fresh PostgreSQL database with the seed catalogue, an admin and a learner; facts the test needs."""
    import networkx as nx
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from kampus.app import create_app
    from kampus.catalogue.models import Module
    from kampus.catalogue.services import catalogue_graph
    from kampus.extensions import db
    from kampus.graph import is_locked
    from tests.factories import PASSWORD, make_org, make_user

    url = databases.fresh("catalogue")
    app = create_app(config_for(url))
    with app.app_context():
        org = make_org("Moni-instanssiopisto")
        admin = make_user(None, admin=True, email="yllapito@moni.example", name="Ylläpitäjä Moni")
        learner = make_user(org, email="oppija@moni.example", name="Oppija Monipalvelin")
        graph = catalogue_graph()
        modules = list(
            db.session.scalars(
                select(Module)
                .where(Module.status == "published")
                .options(selectinload(Module.questions), selectinload(Module.theme))
                .order_by(Module.slug)
            )
        )
        checked = next(m for m in modules if m.questions and not is_locked(graph, m.slug, ()))
        answers = {f"q{q.id}": [str(i) for i in q.correct] for q in checked.questions}
        by_theme: dict[str, list[Module]] = {}
        for m in modules:
            by_theme.setdefault(m.theme.slug, []).append(m)
        # A new edge a → b inside one theme (so the theme's drawing shows it) that closes no loop.
        theme, before, after = next(
            (slug, a.slug, b.slug)
            for slug, members in sorted(by_theme.items())
            for a in members
            for b in members
            if a.slug != b.slug
            and b.slug != checked.slug
            and not graph.has_edge(a.slug, b.slug)
            and not graph.has_edge(b.slug, a.slug)
            and not nx.has_path(graph, b.slug, a.slug)
        )
        retitled = next(m for m in by_theme[theme] if m.slug not in (before, after))
        facts = {
            "url": url,
            "password": PASSWORD,
            "admin": admin.email,
            "learner": learner.email,
            "learner_name": learner.name,
            "learner_id": learner.id,
            "checked": checked.slug,
            "checked_id": checked.id,
            "answers": answers,
            "theme": theme,
            "before": before,
            "after": after,
            "retitled": retitled.slug,
            "old_title": retitled.title["fi"],
        }
        db.session.remove()
        db.engine.dispose()
    yield app, facts


@pytest.fixture
def two_servers(shared_database):
    app, facts = shared_database
    env = {
        **os.environ,
        "KAMPUS_ENV": "development",  # production marks cookies Secure: plain http here
        "SECRET_KEY": secrets.token_hex(32),
        "KAMPUS_DATABASE_URL": facts["url"],
        "KAMPUS_INSTANCE_PATH": tempfile.mkdtemp(prefix="kampus-multi-"),
    }
    servers = []
    try:
        for _ in range(2):
            log = tempfile.TemporaryFile()
            servers.append((*start_server(env, log), log))
        for process, port, log in servers:
            wait_ready(process, port, log)
        yield app, facts, servers[0][1], servers[1][1]
    finally:
        for process, _port, log in servers:
            stop_server(process)
            log.close()


def sign_in(browser: Browser, port: int, email: str, password: str) -> None:
    _, _, html = browser.get(port, "/login")
    status, headers, _ = browser.post(port, "/login", {"email": email, "password": password, "csrf_token": csrf(html)})
    assert status == 302 and "/login" not in headers.get("Location", ""), f"sign-in as {email} failed ({status})"


# --- the behaviour --------------------------------------------------------------------------


def test_two_app_servers_on_one_postgresql_behave_as_one_service(two_servers):
    app, facts, one, two = two_servers

    # A sign-in on server 1 is valid on server 2.
    learner = Browser()
    sign_in(learner, one, facts["learner"], facts["password"])
    status, _, html = learner.get(two, "/me")
    assert status == 200 and facts["learner_name"] in html

    # Server 2 caches the catalogue graph: it has drawn the theme.
    theme_path = f"/themes/{facts['theme']}"
    status, _, html = Browser().get(two, theme_path)
    assert status == 200 and facts["old_title"] in html
    assert f'data-before="{facts["before"]}" data-after="{facts["after"]}"' not in html

    # The administrator retitles a module through server 1's module editor ...
    admin = Browser()
    sign_in(admin, one, facts["admin"], facts["password"])
    editor = f"/admin/content/modules/{facts['retitled']}/edit"
    status, _, html = admin.get(one, editor)
    assert status == 200
    new_title = "Uusi otsikko kahdelta palvelimelta"
    fields = [(k, new_title if k == "title_fi" else v) for k, v in form_fields(html, editor)]
    status, _, body = admin.post(one, editor, fields)
    assert status == 302, body[:2000]
    # ... and server 2 shows it on the next request.
    status, _, html = Browser().get(two, theme_path)
    assert new_title in html and facts["old_title"] not in html

    # A new prerequisite through server 1's prerequisite editor (checked, then confirmed) ...
    editor = f"/admin/content/modules/{facts['after']}/prerequisites"
    _, _, html = admin.get(one, editor)
    status, _, html = admin.post(
        one, editor, {"before": facts["before"], "kind": "recommended", "csrf_token": csrf(html)}
    )
    assert status == 200
    status, _, body = admin.post(one, editor + "/confirm", form_fields(html, editor + "/confirm"))
    assert status == 302, body[:2000]
    # ... is drawn in server 2's theme graph on its next request.
    status, _, html = Browser().get(two, theme_path)
    assert f'data-before="{facts["before"]}" data-after="{facts["after"]}"' in html


def test_a_self_check_passed_through_both_servers_at_once_gives_one_progress_row(two_servers):
    from sqlalchemy import func, select

    from kampus.extensions import db
    from kampus.progress.models import Progress

    app, facts, one, two = two_servers
    learner = Browser()
    sign_in(learner, one, facts["learner"], facts["password"])
    test_out = f"/modules/{facts['checked']}/test-out"  # the self-check before starting: testing out
    status, _, html = learner.get(one, test_out)
    assert status == 200
    draw = re.search(r'name="draw" value="([^"]+)"', html).group(1)
    form = [("csrf_token", csrf(html)), ("draw", draw)] + [
        (k, v) for k, values in facts["answers"].items() for v in values
    ]

    barrier = threading.Barrier(2, timeout=TIMEOUT)
    results: dict[int, int] = {}

    def submit(port: int) -> None:
        browser = Browser()
        browser.cookies = dict(learner.cookies)
        barrier.wait()
        status, headers, _body = browser.post(port, f"/modules/{facts['checked']}/check", form)
        results[port] = (status, headers.get("Location"))

    threads = [threading.Thread(target=submit, args=(port,)) for port in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    # the same form sent twice at once: one attempt, and both answers lead to it (post/redirect/get)
    assert results[one][0] == results[two][0] == 302 and results[one][1] == results[two][1]

    with app.app_context():
        from kampus.progress.models import Attempt

        assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == facts["learner_id"])) == 1
        rows = db.session.execute(
            select(Progress.status, func.count())
            .where(Progress.user_id == facts["learner_id"], Progress.module_id == facts["checked_id"])
            .group_by(Progress.status)
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert len(rows) == 1 and rows[0][1] == 1 and rows[0][0] in ("completed", "recognised")
