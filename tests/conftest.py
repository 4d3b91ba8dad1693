"""Shared fixtures: apps on real databases built by the migrations, a live
server with Debian's Chromium for browser tests, an axe helper, and a SQL query
counter.

Databases: each test gets a fresh copy of a template database that was built
once per session by ``upgrade`` (never ``create_all``) and, for most kinds, the
seed catalogue. SQLite by default; when ``KAMPUS_TEST_POSTGRES_URL`` names a
PostgreSQL server (``make test`` starts a throwaway cluster), the same fixtures
use PostgreSQL databases cloned from templates.

Apps: ``make_app`` builds one app per configuration and process and lends it test
after test (``AppPool``): its database is reset to a fresh copy of the template and
every cache that outlives a request is emptied first (``_empty_caches``; a new
per-process memory keyed by database URL or provider belongs there too).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event

from kampus.app import create_app
from kampus.auth import passwords
from kampus.config import TestConfig

# Cheap argon2 in tests only: hashing and verifying at production cost (64 MiB,
# 3 passes) was most of the route matrices' time. The parameters are read back
# from each stored hash, so the code under test is the same.
passwords._hasher = passwords.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password")


def _memoise_url_builders() -> None:
    """Tests built an app per test (about a thousand apps a run), and 60 % of ``create_app`` was
    werkzeug compiling the same ~450 URL builders again, each from a Python AST. A builder is
    a pure function of its rule's text, parsed parts and defaults (it reads the rule's
    converters through its ``self`` argument when called), so one compiled per distinct rule
    serves every app of the run; URL matching and building are untouched. Tests only."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def memoised(self, append_unknown=True):
        defaults = self.defaults or {}
        key = (
            self.rule,
            tuple(self._trace),
            append_unknown,
            tuple(sorted((name, repr(value), type(self._converters.get(name))) for name, value in defaults.items())),
        )
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = memoised  # type: ignore[method-assign]


_memoise_url_builders()


def _environment_fingerprint(env) -> tuple:
    """What in a Jinja environment shapes the code a template compiles to: the lexer's settings,
    the extensions, autoescaping, async, the optimiser, a finaliser and gettext's style."""
    autoescape = env.autoescape
    return (
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        getattr(getattr(autoescape, "__func__", autoescape), "__qualname__", autoescape),
        env.is_async,
        env.optimized,
        env.finalize is not None,
        getattr(env, "newstyle_gettext", None),
        env.policies.get("ext.i18n.trimmed"),
    )


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every app of a test process (tests only).

    Each test builds its own app, so each app's Jinja environment compiled the same templates
    again: about a quarter of a page-rendering test's time. Jinja's bytecode cache is the
    documented way to keep compiled code between environments; this one keeps the code objects
    in memory, keyed by the template's name and file, the SHA-1 of its source (Jinja's own
    checksum) and :func:`_environment_fingerprint`, so a changed template or an environment
    that compiles differently is compiled afresh. Rendering, globals and filters stay each
    app's own: a code object is run in the namespace of the environment that loads it.
    """

    def __init__(self) -> None:
        self.codes: dict[tuple, object] = {}

    def _key(self, bucket: Bucket) -> tuple:
        return (bucket.key, bucket.checksum, _environment_fingerprint(bucket.environment))

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(self._key(bucket))
        if code is not None:
            bucket.code = code  # type: ignore[assignment]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[self._key(bucket)] = bucket.code


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}


def _document_the_api_when_read() -> None:
    """Every app of a test documented all the API's operations into its OpenAPI document as it was
    built (flask-smorest's ``register_views_in_doc``: deep copies and schema resolution, half of
    ``create_app``), though few tests read the document. Here each blueprint's call is kept, in
    order, and made with the same arguments the first time that app's document is read
    (``APISpec.to_dict``, which ``/api/v1/openapi.json`` and ``to_yaml`` go through), so the
    document served is the one built eagerly. Tests only."""
    from apispec import APISpec
    from flask_smorest.blueprint import Blueprint as ApiBlueprint

    register = ApiBlueprint.register_views_in_doc
    to_dict = APISpec.to_dict
    lock = threading.Lock()  # the live server answers from several threads

    def register_when_read(self, api, app, spec, *, name, parameters):
        spec.__dict__.setdefault("_pending_views", []).append((self, api, app, name, parameters))

    def to_dict_with_views(self):
        with lock:
            for blueprint, api, app, name, parameters in self.__dict__.pop("_pending_views", []):
                register(blueprint, api, app, self, name=name, parameters=parameters)
        return to_dict(self)

    ApiBlueprint.register_views_in_doc = register_when_read  # type: ignore[method-assign]
    APISpec.to_dict = to_dict_with_views  # type: ignore[method-assign]


_document_the_api_when_read()

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("KAMPUS_TEST_POSTGRES_URL")
CHROMIUM = os.environ.get("KAMPUS_CHROMIUM", "/usr/bin/chromium")
_counter = itertools.count(1)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "route_matrix: one cell of a route × role matrix (make test runs them; make test-fast does not)"
    )
    config.addinivalue_line(
        "markers",
        "slow: starts real processes (Celery workers, Node.js validators) or many threads, sweeps every route "
        "or API operation, round-trips the whole catalogue or a large export, or scans the whole source "
        "(make test runs them; make test-fast does not)",
    )
    config.addinivalue_line(
        "markers",
        "refused_cell: a route × role cell whose role is refused before the route runs (a sign-in redirect, "
        "401, 403, 405); the PostgreSQL pass of make test leaves them to the SQLite pass",
    )


#: A test of the inner loop (``make test-fast``) slower than this, in seconds of its own
#: (fixtures included), is named at the end of the run: mark it ``slow`` or make it faster.
INNER_LOOP_BUDGET = 2.0


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In a run that leaves out ``slow`` (make test-fast), name the tests over
    :data:`INNER_LOOP_BUDGET`. A hint only: no test passes or fails by its time."""
    if "not slow" not in (config.getoption("markexpr", "") or ""):
        return
    spent: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) in ("setup", "call", "teardown"):
                spent[report.nodeid] = spent.get(report.nodeid, 0.0) + report.duration
    over = sorted(((t, nodeid) for nodeid, t in spent.items() if t > INNER_LOOP_BUDGET), reverse=True)
    if over:
        terminalreporter.section("inner loop: tests over its budget (mark them slow, or make them faster)")
        for seconds, nodeid in over:
            terminalreporter.write_line(f"{seconds:5.1f} s  {nodeid}")


def pytest_collection_modifyitems(config, items):
    """Tests that use a database fixture are marked ``db`` (they run again on PostgreSQL); the cells
    of the route × role matrices (``test_route_matrix…``, in tests/security and beside the features)
    are marked ``route_matrix``: the inner loop leaves them to ``make test``."""
    db_fixtures = {"app", "empty_app", "demo_app", "client", "runner", "make_app", "live_server", "db_url"}
    for item in items:
        if item.name.startswith("test_route_matrix"):
            item.add_marker(pytest.mark.route_matrix)
        if is_refused_cell(item):
            item.add_marker(pytest.mark.refused_cell)
        if db_fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


#: Outcomes decided by the sign-in and role checks before a route's own queries run. The checks
#: are the same code on both databases (loading the signed-in user), so on PostgreSQL these cells
#: would only repeat the SQLite pass. Cells that reach the route stay in both passes: 200, 302,
#: 400 and 404 (another organisation's id is refused by the organisation-scoped query itself).
REFUSED_BEFORE_THE_ROUTE = frozenset({"login", 401, 403, 405})


#: Checks refused before any view runs: a POST without its CSRF token (Flask-WTF answers 400) and a
#: visitor sent to sign in.
REFUSED_CHECKS = ("needs_a_csrf_token", "visitors_are_sent_to_sign_in")


def is_refused_cell(item) -> bool:
    """A route × role matrix cell whose expected outcome is in :data:`REFUSED_BEFORE_THE_ROUTE`, or a
    check in :data:`REFUSED_CHECKS`."""
    if any(name in item.name for name in REFUSED_CHECKS):
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    route, role = params.get("route"), params.get("role")
    expect = getattr(route, "expect", None)
    return isinstance(expect, dict) and expect.get(role) in REFUSED_BEFORE_THE_ROUTE


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with fresh per-request state.

    The ``app`` fixture keeps an app context pushed for the whole test (so the
    test can use ``db.session``); Flask then reuses it for each request, and
    with it ``g``, where Flask-WTF, Flask-Login and Flask-Babel cache the CSRF
    token, the user and the locale. In production every request has its own
    context, so here each request forgets what the previous one cached.
    """

    def open(self, *args, **kwargs):
        from flask import g, has_app_context

        if has_app_context():
            for name in ("csrf_token", "_login_user", "_flask_babel", "kampus_graph", "kampus_reader"):
                g.pop(name, None)
        return super().open(*args, **kwargs)


def config_for(url: str, **overrides) -> dict:
    values = {"ENV_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url}
    values.update(overrides)
    return values


def _prepare(url: str, kind: str) -> None:
    """Migrate an empty database to head and load what ``kind`` asks for."""
    from flask_migrate import upgrade

    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        from kampus import seeding

        if kind in ("catalogue", "demo"):
            seeding.seed_catalogue(ROOT / "seed")
            seeding.seed_templates(ROOT / "seed")
        if kind == "demo":
            seeding.seed_demo(ROOT / "seed")
        from kampus.extensions import db

        db.session.commit()
        db.engine.dispose()


#: Migrated and seeded SQLite template databases kept between runs (git-ignored), named by
#: :func:`template_key`. ``rm -rf .pytest-kampus-cache`` builds them again.
TEMPLATE_CACHE = ROOT / ".pytest-kampus-cache"


@functools.cache
def template_key() -> str:
    """A digest of everything a template database is built from: the code (``kampus/``, its
    models, services and seeding), ``migrations/``, ``seed/``, this file, the database packages'
    versions, SQLite's, Python's, the ``KAMPUS_*`` environment (the configuration) and today's UTC
    date (the demo's due dates are relative to the day it is seeded)."""
    import datetime
    import hashlib
    import sqlite3
    import sys
    from importlib import metadata

    digest = hashlib.sha256()
    for folder in ("kampus", "migrations", "seed"):
        for path in sorted((ROOT / folder).rglob("*")):
            # kampus/translations is built from kampus/i18n's sources on every run (its .po files
            # carry the minute they were written): hashing it rebuilt the templates at each run.
            generated = "__pycache__" in path.parts or "translations" in path.parts
            if path.is_file() and not generated and path.suffix not in (".pyc", ".mo"):
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(Path(__file__).read_bytes())
    for package in ("SQLAlchemy", "alembic", "Flask-Migrate", "Flask-SQLAlchemy", "argon2-cffi", "PyYAML"):
        digest.update(f"{package}={metadata.version(package)}\0".encode())
    digest.update(f"{sqlite3.sqlite_version}\0{sys.version}\0".encode())
    digest.update(repr(sorted((k, v) for k, v in os.environ.items() if k.startswith("KAMPUS_"))).encode())
    digest.update(datetime.datetime.now(datetime.UTC).date().isoformat().encode())
    return digest.hexdigest()[:20]


class SqliteDatabases:
    def __init__(self, folder: Path):
        self.folder = folder
        self.templates: dict[str, Path] = {}

    def url_for_path(self, path: Path) -> str:
        return f"sqlite:///{path}"

    def template(self, kind: str) -> Path:
        if kind not in self.templates:
            path = self.folder / f"template-{kind}.db"
            shutil.copyfile(self._cached_template(kind), path)
            self.templates[kind] = path
        return self.templates[kind]

    def _cached_template(self, kind: str) -> Path:
        """The template of ``kind`` in :data:`TEMPLATE_CACHE`, built by ``_prepare`` when it is not
        there yet. One process builds it while the others (xdist workers) wait on a file lock;
        it appears under its final name only once complete."""
        import fcntl

        cached = TEMPLATE_CACHE / f"template-{kind}-{template_key()}.db"
        if cached.exists():
            return cached
        TEMPLATE_CACHE.mkdir(exist_ok=True)
        with open(TEMPLATE_CACHE / f"{kind}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not cached.exists():
                building = self.folder / f"building-{kind}.db"
                _prepare(self.url_for_path(building), kind)
                partial = TEMPLATE_CACHE / f"{cached.name}.{os.getpid()}.partial"
                shutil.copyfile(building, partial)
                os.replace(partial, cached)
                building.unlink()
                for old in TEMPLATE_CACHE.glob(f"template-{kind}-*.db"):
                    if old != cached:
                        old.unlink(missing_ok=True)
        return cached

    def fresh(self, kind: str) -> str:
        path = self.folder / f"t{next(_counter)}.db"
        self._create(path, kind)
        return self.url_for_path(path)

    def _create(self, path: Path, kind: str) -> None:
        """A copy of the template of ``kind`` at ``path`` (a new file; ``none``: no file yet)."""
        if kind != "none":
            shutil.copyfile(self.template(kind), path)

    def reset(self, url: str, kind: str) -> None:
        """The database at ``url`` becomes a fresh one of ``kind`` again: dropped and created anew
        (a new file, so a connection still open would keep reading the old one)."""
        self.drop(url)
        self._create(Path(url.removeprefix("sqlite:///")), kind)

    def drop(self, url: str) -> None:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(path + suffix).unlink()


class PostgresDatabases:
    def __init__(self, server_url: str):
        self.server_url = server_url.rsplit("/", 1)[0]
        self.templates: dict[str, str] = {}
        self.prefix = f"kt{os.getpid()}"

    def _admin(self, sql: str) -> None:
        import psycopg

        dsn = re.sub(r"^postgresql\+psycopg", "postgresql", self.server_url) + "/postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)

    def template(self, kind: str) -> str:
        if kind not in self.templates:
            name = f"{self.prefix}_tmpl_{kind}"
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{name}"')
            _prepare(f"{self.server_url}/{name}", kind)
            self.templates[kind] = name
        return self.templates[kind]

    def fresh(self, kind: str) -> str:
        name = f"{self.prefix}_{next(_counter)}"
        self._create(name, kind)
        return f"{self.server_url}/{name}"

    def _create(self, name: str, kind: str) -> None:
        if kind == "none":
            self._admin(f'CREATE DATABASE "{name}"')
        else:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template(kind)}" STRATEGY FILE_COPY')

    def reset(self, url: str, kind: str) -> None:
        """The database at ``url`` becomes a fresh one of ``kind`` again: dropped and created anew."""
        self.drop(url)
        self._create(url.rsplit("/", 1)[1], kind)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        for name in self.templates.values():
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    from kampus.i18n import build_catalogues

    build_catalogues()
    if POSTGRES_URL:
        dbs = PostgresDatabases(POSTGRES_URL)
        yield dbs
        dbs.close()
    else:
        folder = _memory_folder()
        if folder is None:
            yield SqliteDatabases(tmp_path_factory.mktemp("db"))
        else:
            yield SqliteDatabases(folder)
            shutil.rmtree(folder, ignore_errors=True)


def _memory_folder() -> Path | None:
    """A fresh folder in /dev/shm (tmpfs) for this process's SQLite files, or None where there is
    none: every commit of a test database on disk waited for an fsync, about 7 ms each. SQLite
    behaves the same on tmpfs (locks, WAL); only durability across a power cut is lost."""
    import tempfile

    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        return None
    return Path(tempfile.mkdtemp(prefix="kampus-tests-", dir=shm))


class AppPool:
    """Apps kept for the next test of this process, by their configuration overrides.

    Building an app (``create_app``: blueprints, URL rules, Jinja, extensions) cost about 50 ms
    of CPU, and each new engine compiled every SQL statement again: a good part of a short
    test's time. So an app is built once per configuration and process and lent test after
    test: before each test its database becomes a fresh one of the kind asked for
    (``databases.reset``), its configuration what it was built with, and every memory that
    outlives a request is emptied (:func:`_empty_caches`). A test that must build its own app
    uses ``create_app`` itself. ``tests/test_app_pool.py`` checks that a lent app starts clean.
    """

    def __init__(self) -> None:
        self.idle: dict[str, list[tuple[Flask, str, dict]]] = {}

    @staticmethod
    def key(overrides: dict) -> str | None:
        """Overrides of plain values only (strings, numbers, booleans): anything else gets an
        app of its own, and so does an app on a shared Redis (another process's tests use it
        too, and its keys would outlive the database they were computed from)."""
        plain = (str, int, float, bool, type(None))
        if not all(isinstance(value, plain) for value in overrides.values()):
            return None
        if any(name in overrides for name in ("CACHE_URL", "REDIS_URL", "CELERY_BROKER_URL")):
            return None
        return repr(sorted(overrides.items()))

    def take(self, key: str | None) -> tuple[Flask, str, dict] | None:
        if key is None or not self.idle.get(key):
            return None
        return self.idle[key].pop()

    def give_back(self, key: str | None, app: Flask, url: str, config: dict) -> bool:
        if key is None:
            return False
        self.idle.setdefault(key, []).append((app, url, config))
        return True


APP_POOL = AppPool()


def _empty_caches(app: Flask) -> None:
    from kampus.cache import LRUCache
    from kampus.catalogue.services import GRAPH_CACHE, VERSIONED_CACHE
    from kampus.extensions import limiter
    from kampus.reports import aggregates, snapshots
    from kampus.sso import oidc, saml

    GRAPH_CACHE.clear()
    VERSIONED_CACHE.clear()
    aggregates.clear()
    # per-process memories keyed by database URL or by a provider's id, which a lent app repeats
    for memory in (snapshots._first_queued, saml._metadata_cache, saml._clients, oidc._discovery, oidc._jwks):
        memory.clear()
    for name in ("kampus_cache", "kampus_cache_local_pages"):
        store = app.extensions.get(name)
        if isinstance(store, LRUCache):
            store.clear()
    with app.app_context():
        limiter.reset()


@contextlib.contextmanager
def app_factory(databases):
    """``make_app``'s factory, for as long as the ``with`` lasts: its apps go back to
    :data:`APP_POOL` (or are dropped) at the end."""
    from kampus.extensions import db

    made = []

    def factory(kind: str = "catalogue", **overrides):
        key = AppPool.key(overrides)
        lent = APP_POOL.take(key)
        if lent is None:
            url = databases.fresh(kind)
            app = create_app(config_for(url, **overrides))
            app.test_client_class = FreshRequestClient
            config = dict(app.config)
        else:
            app, url, config = lent
            databases.reset(url, kind)
        _empty_caches(app)
        made.append((app, url, config, key))
        return app

    try:
        yield factory
    finally:
        for app, url, config, key in made:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            app.config.clear()
            app.config.update(config)
            if not APP_POOL.give_back(key, app, url, config):
                databases.drop(url)


@pytest.fixture
def make_app(databases):
    """Factory: ``make_app(kind="catalogue", **config)`` → an app on a fresh database of that kind
    (lent from :data:`APP_POOL` when this process has built one with the same ``config``)."""
    with app_factory(databases) as factory:
        yield factory


@pytest.fixture
def app(make_app):
    """An app on a fresh database holding the seed catalogue."""
    app = make_app("catalogue")
    with app.app_context():
        yield app


@pytest.fixture
def empty_app(make_app):
    """An app on a freshly migrated database with nothing in it."""
    app = make_app("empty")
    with app.app_context():
        yield app


@pytest.fixture
def demo_app(make_app):
    """An app on a fresh database with the catalogue and the demo organisations."""
    app = make_app("demo")
    with app.app_context():
        yield app


@pytest.fixture
def db_url(databases):
    """A fresh, completely empty database (no tables): for migration tests."""
    url = databases.fresh("none")
    yield url
    databases.drop(url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


@pytest.fixture
def count_queries():
    """``with count_queries(app) as counter: ...`` then ``counter.count``."""
    from kampus.extensions import db

    @contextlib.contextmanager
    def counting(app):
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


@contextlib.contextmanager
def dbapi_statements(app):
    """Every statement the SQLite connections run (ORM, Core or raw DBAPI) and every pool
    checkout, while the block runs: ``(statements, checkouts)``."""
    statements: list[str] = []
    checkouts: list[int] = []
    from kampus.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("statements are traced on SQLite (its connections' trace callback)")

    def checkout(dbapi_connection, record, proxy):
        checkouts.append(1)
        dbapi_connection.set_trace_callback(statements.append)

    def checkin(dbapi_connection, record):
        dbapi_connection.set_trace_callback(None)

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield statements, checkouts
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


def form_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no csrf_token in page"
    return match.group(1)


# --- browser -------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(databases):
    """Kampus served over real HTTP on 127.0.0.1 (a free port) on a database with the demo data."""
    from werkzeug.serving import make_server

    url = databases.fresh("demo")
    app = create_app(config_for(url, RATELIMIT_ENABLED=False))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["KAMPUS_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in mails lead here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app_for_tests = app
    yield server
    server.shutdown()
    from kampus.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture(scope="session")
def base_url(live_server):
    return f"http://127.0.0.1:{live_server.server_port}"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The CSP (rightly) refuses injected scripts: axe needs the bypass in tests only.
    return {**browser_context_args, "bypass_csp": True, "locale": "fi-FI"}


AXE_PATH = None


def _axe_source() -> str:
    import axe_playwright_python

    return str(Path(axe_playwright_python.__file__).parent / "axe.min.js")


# WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices: every browser test's axe check.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
AXE_WCAG22_TAGS = AXE_TAGS


def check_axe(page, tags=AXE_TAGS) -> None:
    """Fail listing every axe-core violation (default: WCAG 2.0/2.1/2.2 A and AA, best practice) on the page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=_axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        list(tags),
    )
    violations = result["violations"]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in violations
    )
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n{report}"


@pytest.fixture
def axe():
    return check_axe


# --- accounts --------------------------------------------------------------------


@pytest.fixture
def world(app):
    """Organisations A and B with managers, learners and teams, plus an administrator
    (see :class:`tests.factories.World`). Everyone's password is ``factories.PASSWORD``."""
    from tests.factories import make_world

    return make_world()


def snapshot_database() -> dict[str, list[tuple]]:
    """Every row of every table (sorted): compare before and after to prove nothing changed."""
    from sqlalchemy import select

    from kampus.extensions import db

    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    db.session.rollback()
    return state


# --- mail ----------------------------------------------------------------------------


class SmtpSink:
    """An aiosmtpd handler that keeps every message it receives (thread-safe): the one test
    SMTP server. Mail leaves through the outbox after a commit (in-process without a broker),
    so a test commits, or goes through a page whose view commits, before it reads the sink."""

    def __init__(self):
        import email.message

        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def take(self) -> list:
        """The messages received so far; the sink forgets them."""
        with self.lock:
            taken, self.messages = self.messages, []
        return taken

    def links(self, pattern: str = r"https?://\S+") -> list[str]:
        """Every link matching ``pattern`` in the bodies of the messages taken now."""
        return [link for message in self.take() for link in re.findall(pattern, message.get_content())]

    def subjects(self) -> list[str]:
        with self.lock:
            return [m["Subject"] for m in self.messages]

    def wait_for(self, count: int, timeout: float = 60.0) -> list[str]:
        """Subjects once ``count`` messages have arrived (or ``timeout`` seconds passed): for real workers."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.subjects()) < count:
            time.sleep(0.05)
        return self.subjects()


@pytest.fixture
def smtp_sink():
    """A local SMTP server on a free loopback port (``smtp_sink.port``) keeping what it receives."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = SmtpSink()
    handler.port = port
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()
