"""Page and fragment cache: whole anonymous pages and the parts of signed-in pages that only
change with a version (the catalogue's, a learner's progress).

Invalidation is by key, never by time: every key holds the versions its value was
computed from (the catalogue version, the reader's locale, the templates'
fingerprint, and for a learner their progress version), so a change moves the key
and the old value is simply never read again. A time-to-live exists only to give
the memory back in Redis.

Backends: an in-process LRU (development, SQLite, tests), or Redis in production
(``CACHE_URL``, by default ``REDIS_URL``: the same Redis as Celery and the rate
limits), shared by every worker and server. A Redis that fails is skipped: the
page is computed as if nothing were cached, never an error page.

CSRF tokens are per session: a cached page stores a placeholder in their place,
and each request fills in its own token.

Signed-in pages are personal, so only their own blocks (``title``, ``content``
…) are cached, keyed on the reader's ``users.page_version``, and so is the whole page
(``base.html`` included: the navigation, the language switch, the unread count, which
moves the version) unless a flashed message waits to be shown; then ``base.html`` is
rendered around the cached blocks. The keys come from one light read of the reader
(:class:`Reader`), so a stored whole page is served before the view, the ORM user and
the locale machinery (:func:`serve_stored_personal_page`), to a session Flask-Login
would sign the same person in with. The
version moves in the committing transaction whenever a flushed row names the
person (any ``user_id``: progress, events, memberships, assignments naming them,
reflections …), or their organisation (an assignment, a team, a template of
theirs: every member's version moves), or a network-wide template changes
(everyone's). Missing a write here would show a stale page, so the rule is broad
on purpose: moving a version too often only costs a recomputation.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, cast

from flask import Flask, current_app, render_template, request, session
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

log = logging.getLogger("kampus.cache")

#: Stands for the request's CSRF token in a stored page.
CSRF_PLACEHOLDER = "\x00csrf\x00"
#: Seconds Redis keeps an entry no one reads (memory only: keys carry their versions).
REDIS_TTL = 24 * 3600


class LRUCache:
    """Bounded, per process, thread-safe."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._entries: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        return None

    def set(self, key: str, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisCache:
    """Shared by every process; values pickled (only Kampus writes them)."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str):
        try:
            raw = self.client.get("kampus:cache:" + key)
        except Exception:  # noqa: BLE001 - a cache that fails is a cache miss
            log.warning("page cache: Redis get failed", exc_info=True)
            return None
        return None if raw is None else pickle.loads(cast(bytes, raw))  # noqa: S301 - written by Kampus only; a bytes client

    def set(self, key: str, value) -> None:
        try:
            self.client.set("kampus:cache:" + key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=REDIS_TTL)
        except Exception:  # noqa: BLE001
            log.warning("page cache: Redis set failed", exc_info=True)

    def clear(self) -> None:
        try:
            for key in self.client.scan_iter("kampus:cache:*"):
                self.client.delete(key)
        except Exception:  # noqa: BLE001
            log.warning("page cache: Redis clear failed", exc_info=True)


def templates_fingerprint(folder: Path) -> str:
    """A digest of every template's name and text: editing any template moves every key."""
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(folder.rglob("*.html")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def init_app(app: Flask) -> None:
    url = app.config.get("CACHE_URL")
    app.extensions["kampus_cache"] = RedisCache(url) if url else LRUCache(app.config.get("CACHE_LRU_SIZE", 2048))
    # Visitors' pages also in the process, in front of Redis (see _stored_anonymous).
    app.extensions["kampus_cache_local_pages"] = LRUCache(app.config.get("CACHE_LOCAL_PAGES", 256)) if url else None
    app.extensions["kampus_cache_fingerprint"] = templates_fingerprint(Path(app.template_folder or "templates"))
    app.jinja_env.globals["site_nav"] = site_nav


def backend():
    return current_app.extensions["kampus_cache"]


def enabled() -> bool:
    # With templates reloaded on every change (debug), the fingerprint taken at start-up would lie.
    return current_app.config.get("PAGE_CACHE", True) and not current_app.debug


def make_key(*parts) -> str:
    """A key from ``parts`` plus the templates' fingerprint and the database (tests run many)."""
    text = repr(
        (current_app.extensions["kampus_cache_fingerprint"], current_app.config["SQLALCHEMY_DATABASE_URI"], parts)
    )
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def get_or_compute(parts: tuple, compute: Callable[[], object]):
    """The value stored under ``parts``, or ``compute()`` stored there."""
    if not enabled():
        return compute()
    key = make_key(*parts)
    value = backend().get(key)
    if value is None:
        value = compute()
        backend().set(key, value)
    return value


def _with_placeholder(html: str) -> str:
    from flask import g

    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))  # set when the page asked for one
    return html.replace(token, CSRF_PLACEHOLDER) if token else html


def _with_token(html: str) -> str:
    if CSRF_PLACEHOLDER not in html:
        return html
    return html.replace(CSRF_PLACEHOLDER, csrf_token())


#: Seconds a signed CSRF token is handed out again (when tokens expire: ``WTF_CSRF_TIME_LIMIT``).
SIGNED_TOKEN_REUSE = 60


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()`` for this request, signing the session's token once and
    handing the signed form out again (for a minute when tokens expire) instead of signing
    on every request: signing was the biggest part of filling a stored page in. Each session
    still gets its own token, and Flask-WTF validates it as ever."""
    import time

    from flask import g
    from flask_wtf.csrf import generate_csrf

    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    signed: LRUCache = current_app.extensions.setdefault("kampus_signed_csrf", LRUCache(4096))
    raw = session.get(field)
    entry = signed.get(raw) if isinstance(raw, str) else None
    fresh = not current_app.config.get("WTF_CSRF_TIME_LIMIT") or (
        entry is not None and time.monotonic() - entry[0] < SIGNED_TOKEN_REUSE
    )
    if entry is not None and fresh:
        setattr(g, field, entry[1])
        return entry[1]
    token = generate_csrf()
    signed.set(session[field], (time.monotonic(), token))
    return token


def anonymous_page_cacheable() -> bool:
    """A GET by a visitor who is not signed in and has no message waiting to be shown."""
    from flask_login import current_user

    return enabled() and request.method == "GET" and not current_user.is_authenticated and not session.get("_flashes")


#: Endpoint -> page name of the views whose visitors' page is :func:`anonymous_page`, learnt when
#: each first stores one (None when one endpoint stored two kinds); a stored copy of these is
#: served by :func:`serve_stored_anonymous_page` before the other hooks run.
ANONYMOUS_PAGES: dict[str, str | None] = {}


def _learn(registry: dict, kind) -> None:
    """Note that this request's endpoint stores pages of ``kind``: served early from now on, unless
    the endpoint has stored another kind too (then never)."""
    endpoint = request.endpoint or ""
    if registry.setdefault(endpoint, kind) != kind:
        registry[endpoint] = None


def _limited_blueprint() -> bool:
    """Whether the request's blueprint carries a rate limit: its stored pages are not served
    before the limit is checked (the views serve them from the cache after it)."""
    from kampus.extensions import limiter

    return any(name in limiter.limit_manager._blueprint_limits for name in request.blueprints)


def _anonymous_key(name: str, version: int, language: str) -> str:
    return make_key("anonymous-page", request.path, request.query_string, language, name, version)


def _stored_anonymous(key: str):
    """The visitors' page stored under ``key``: from the process's own copies first when the
    backend is Redis. A key names every version its page was built from, so a copy never goes
    stale (a change moves the key); this spares a Redis round trip and an unpickling per page."""
    local = current_app.extensions.get("kampus_cache_local_pages")
    value = local.get(key) if local is not None else None
    if value is None:
        value = backend().get(key)
        if value is not None and local is not None:
            local.set(key, value)
    return value


def _store_anonymous(key: str, value: str) -> None:
    backend().set(key, value)
    local = current_app.extensions.get("kampus_cache_local_pages")
    if local is not None:
        local.set(key, value)


def anonymous_page(name: str, render: Callable[[], str]) -> str:
    """The whole page for anonymous visitors, cached under ``name``, the catalogue version, the
    path, the query and the language.

    The page must depend on nothing else for a visitor (the catalogue version moves with
    every content change); signed-in readers and visitors with a flash message get
    ``render()`` itself.
    """
    if not anonymous_page_cacheable():
        return render()
    from kampus.catalogue.services import current_version
    from kampus.i18n import current_language

    _learn(ANONYMOUS_PAGES, name)
    key = _anonymous_key(name, current_version(), current_language())
    stored = _stored_anonymous(key)
    if stored is None:
        stored = _with_placeholder(render())
        _store_anonymous(key, stored)
    return _with_token(stored)


def _plain_visitor() -> bool:
    """No user in the session, no remember-me cookie, no flash message: Flask-Login would load
    no one, and the page is the visitors' page."""
    if "_user_id" in session or session.get("_flashes"):
        return False
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies


def serve_stored_anonymous_page():
    """A ``before_request`` hook: a visitor's stored copy of an :func:`anonymous_page`, or None.

    It runs right after the request id and input checks, so a stored page costs one query
    (the catalogue version, outside the request's session: no transaction is begun) and
    skips the view, the user loading and the rate-limit and locale machinery. The
    after-request hooks (security headers, the request log line) run as for any page.
    A miss returns None: the view renders the page and stores it under the same key.
    """
    name = ANONYMOUS_PAGES.get(request.endpoint or "")
    if name is None or request.method != "GET" or not enabled() or not _plain_visitor() or _limited_blueprint():
        return None
    from kampus.catalogue.services import version_outside_transaction
    from kampus.i18n import visitor_language

    stored = _stored_anonymous(_anonymous_key(name, version_outside_transaction(), visitor_language()))
    return None if stored is None else _with_token(stored)


def fragment(parts: tuple, render: Callable[[], str]) -> str:
    """An HTML fragment cached under ``parts`` (which must hold its versions); CSRF tokens in it
    are stored as a placeholder and filled in for each request."""
    return _with_token(get_or_compute(("fragment", *parts), lambda: _with_placeholder(render())))


def clear() -> None:
    backend().clear()
    local = current_app.extensions.get("kampus_cache_local_pages")
    if local is not None:
        local.clear()


@pass_context
def site_nav(context) -> Markup:
    """The navigation (``_nav.html``), rendered once per what it shows and then reused.

    It shows only the reader's roles, the page it is on, the language and the unread count,
    so those (with the templates' fingerprint, in every cache key) are its key: every person
    with the same roles on the same page shares it, and a count or role that changes moves
    the key. The sign-out form's CSRF token is stored as a placeholder and filled in per
    request (:func:`kampus.cache.fragment`).
    """
    from flask_login import current_user

    from kampus.i18n import current_language

    def render() -> str:
        return current_app.jinja_env.get_template("_nav.html").render(context.get_all())

    count = context.get("unread_notifications")
    unread = count() if "notifications.index" in current_app.view_functions and callable(count) else 0
    parts = (
        "nav",
        bool(current_user.is_authenticated),
        bool(current_user.is_manager),
        bool(current_user.is_admin),
        current_language(),
        request.path,
        unread,
    )
    return Markup(fragment(parts, render))


# --- signed-in pages: their own blocks, per person and page version ---------------------

_BLOCK = "\x00block:{}\x00"


def _capture_env():
    """The app's Jinja environment, except that ``base.html`` only marks where each block goes."""
    env = current_app.extensions.get("kampus_cache_capture")
    if env is None:
        from jinja2 import ChoiceLoader, DictLoader

        names = list(current_app.jinja_env.get_template("base.html").blocks)
        capture = "".join(_BLOCK.format(n) + "{% block " + n + " %}{% endblock %}" for n in names)
        app_loader = current_app.jinja_loader
        assert app_loader is not None  # the app has a template folder
        env = current_app.jinja_env.overlay(loader=ChoiceLoader([DictLoader({"base.html": capture}), app_loader]))
        shell = '{% extends "base.html" %}' + "".join(
            "{% block " + n + " %}{{ kampus_cached_blocks[" + repr(n) + "] }}{% endblock %}" for n in names
        )
        # Compiled once: compiling the shell on every request was a third of a cached page's cost.
        current_app.extensions["kampus_cache_shell"] = current_app.jinja_env.from_string(shell)
        current_app.extensions["kampus_cache_capture"] = env
    return env


def _render_blocks(template: str, context: dict) -> dict[str, str]:
    env = _capture_env()
    values = dict(context)
    current_app.update_template_context(values)
    text = env.get_template(template).render(values)
    blocks = {}
    for part in text.split("\x00block:")[1:]:
        name, _, html = part.partition("\x00")
        blocks[name] = _with_placeholder(html)
    return blocks


@dataclass(frozen=True)
class Reader:
    """The signed-in reader as their stored pages are keyed: one light read (:func:`_read_reader`),
    no ORM ``User``. On a request served from a stored page (:func:`serve_stored_personal_page`)
    it is also Flask-Login's ``current_user``, which the after-request hooks ask for an id."""

    id: int
    page_version: int
    is_manager: bool
    is_admin: bool
    language: str
    organisation_id: int | None
    #: the organisation's ``report_version`` (kampus.reports.aggregates)
    report_version: int | None
    #: the organisation's report snapshot as ``(report_version, computed_at)``, or None
    snapshot: tuple | None
    catalogue_version: int
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False


#: One statement: the person, their organisation's report versions and the catalogue version.
_READER_SQL = (
    "SELECT u.id, u.secret, u.password_hash, u.active, u.page_version, u.is_manager, u.is_admin, u.language,"
    " u.organisation_id, o.report_version, s.report_version, s.computed_at,"
    " (SELECT version FROM catalogue_state WHERE id = 1)"
    " FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id"
    " LEFT JOIN report_snapshots s ON s.organisation_id = u.organisation_id"
    " WHERE u.id = ?"
)


def _read_reader(user_id: int, fingerprint: str | None = None) -> Reader | None:
    """The reader ``user_id`` (None if there is none, or, given a session ``fingerprint``, if it
    no longer signs them in: :func:`kampus.auth.models.session_holds`), read outside the request's
    transaction: the same read whether a stored page is served early or a view stores one."""
    from kampus.auth.models import session_holds
    from kampus.db import row_outside_transaction
    from kampus.extensions import db

    row = row_outside_transaction(db.engine, _READER_SQL, (user_id,))
    if row is None:
        return None
    uid, secret, password_hash, active, page_version, manager, admin, language, org, report, stored, at, version = row
    if fingerprint is not None and not session_holds(bool(active), secret, password_hash, fingerprint):
        return None
    snapshot = None if stored is None else (stored, str(at))
    return Reader(uid, page_version, bool(manager), bool(admin), language, org, report, snapshot, version or 0)


#: Endpoint -> (template, the reader's fields the page also depends on) of the views whose page
#: is a :func:`personal_page`, learnt when each first stores one; None when one endpoint stored
#: two kinds (then it is never served early).
PERSONAL_PAGES: dict[str, tuple[str, tuple[str, ...]] | None] = {}


def _personal_versions(reader: Reader, template: str, depends: tuple[str, ...]) -> tuple:
    import datetime as dt

    return (
        template,
        reader.id,
        reader.page_version,
        reader.catalogue_version,
        reader.language,
        dt.date.today().isoformat(),
        request.path,
        request.query_string,
        *(getattr(reader, name) for name in depends),
    )


def _whole_page_parts(reader: Reader, versions: tuple) -> tuple:
    # The whole page, shell included: the shell shows the roles, the path, the language and the
    # unread count, which moves the page version (a notification names its reader; marking
    # read moves it too: kampus.notifications.services.mark_all_read).
    return ("personal-page", reader.is_manager, reader.is_admin, *versions)


def personal_page(template: str, context: Callable[[], dict], *, depends: tuple[str, ...] = ()) -> str:
    """``render_template(template, **context())`` for the signed-in reader, with the page's own
    blocks cached per person, page version, catalogue version, language, day, path and query,
    plus the :class:`Reader` fields named in ``depends`` (``report_version``, ``snapshot`` …);
    the whole page too, ``base.html`` included, unless a message is flashed. A stored whole
    page is served before the view runs next time (:func:`serve_stored_personal_page`)."""
    from flask import g
    from flask_login import current_user

    if not enabled() or request.method != "GET" or not current_user.is_authenticated:
        return render_template(template, **context())
    reader = g.get("kampus_reader") or _read_reader(current_user.id)
    if reader is None:  # pragma: no cover - the person was loaded for this request
        return render_template(template, **context())
    _learn(PERSONAL_PAGES, (template, depends))
    versions = _personal_versions(reader, template, depends)

    def render() -> str:
        blocks = get_or_compute(("personal", *versions), lambda: _render_blocks(template, context()))
        _capture_env()
        shell = current_app.extensions["kampus_cache_shell"]
        filled = {name: Markup(_with_token(html)) for name, html in blocks.items()}
        return render_template(shell, kampus_cached_blocks=filled)

    if session.get("_flashes"):  # a message to show once: the shell is rendered for this request
        return render()
    return _with_token(get_or_compute(_whole_page_parts(reader, versions), lambda: _with_placeholder(render())))


def _session_reader() -> Reader | None:
    """The reader the session signs in, read lightly, when Flask-Login would load that same
    person from it: a user id in the session that passes session protection and still holds."""
    from kampus.auth.models import parse_session_id
    from kampus.extensions import login_manager

    parsed = parse_session_id(session.get("_user_id"))
    if parsed is None:
        return None
    protection = current_app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    if protection and session.get("_id") != login_manager._session_identifier_generator():
        return None  # Flask-Login's session protection decides (strong: the session ends)
    return _read_reader(*parsed)


def serve_stored_personal_page():
    """A ``before_request`` hook: the signed-in reader's stored whole :func:`personal_page`, or None.

    For a GET of a page that stored one (:data:`PERSONAL_PAGES`) with no message waiting,
    from a session whose person still holds (the same checks as Flask-Login's loader), it
    costs one light read (:func:`_read_reader`) and skips the ORM ``User``, the view and the
    locale, CSRF and rate-limit machinery; the reader stands in as ``current_user`` for the
    after-request hooks. Anything else returns None and the request goes on as usual.
    """
    from flask import g

    kind = PERSONAL_PAGES.get(request.endpoint or "")
    if kind is None or request.method != "GET" or not enabled() or session.get("_flashes") or _limited_blueprint():
        return None
    reader = _session_reader()
    if reader is None:
        return None
    g.kampus_reader = reader  # a miss: the view's personal_page reads no second time
    versions = _personal_versions(reader, *kind)
    stored = backend().get(make_key(*_whole_page_parts(reader, versions)))
    if stored is None:
        return None
    g._login_user = reader  # Flask-Login's current_user for the rest of this request
    return _with_token(stored)


# --- moving the page versions -----------------------------------------------------------

_PEOPLE, _ORGS, _EVERYONE = "kampus_page_people", "kampus_page_orgs", "kampus_page_everyone"


@event.listens_for(Session, "after_flush")
def _note_page_changes(session, flush_context):
    from kampus.auth.models import User
    from kampus.orgs.models import Organisation

    people, orgs = session.info.setdefault(_PEOPLE, set()), session.info.setdefault(_ORGS, set())
    teams: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User):
            people.add(obj.id)
        elif isinstance(obj, Organisation):
            orgs.add(obj.id)
        else:
            user_id = getattr(obj, "user_id", None)
            if isinstance(user_id, int):
                people.add(user_id)
            team_id = getattr(obj, "team_id", None)
            if isinstance(team_id, int):
                teams.add(team_id)
            if hasattr(obj, "organisation_id"):
                if isinstance(obj.organisation_id, int):
                    orgs.add(obj.organisation_id)
                elif type(obj).__name__ == "PathTemplate":  # a network template: on everyone's dashboard
                    session.info[_EVERYONE] = True
    if teams:  # a membership changed: the team's organisation (its managers' team pages)
        from kampus.orgs.models import Team

        orgs.update(session.connection().scalars(select(Team.organisation_id).where(Team.id.in_(sorted(teams)))))


def pages_changed_for(user_id: int) -> None:
    """Move ``user_id``'s page version when the transaction commits, for a write the flush
    cannot see (a Core ``UPDATE`` of rows naming them, such as marking notifications read)."""
    from kampus.extensions import db

    db.session().info.setdefault(_PEOPLE, set()).add(user_id)


@event.listens_for(Session, "before_commit")
def _move_page_versions(session):
    session.flush()
    people, orgs = session.info.pop(_PEOPLE, None), session.info.pop(_ORGS, None)
    everyone = session.info.pop(_EVERYONE, None)
    if not (people or orgs or everyone):
        return
    from kampus.auth.models import User

    bump = update(User).values(page_version=User.page_version + 1)
    if everyone:
        session.connection().execute(bump)
        return
    if orgs:
        session.connection().execute(bump.where(User.organisation_id.in_(sorted(orgs))))
    people = sorted(people or ())
    if people:
        session.connection().execute(bump.where(User.id.in_(people)))


@event.listens_for(Session, "after_rollback")
def _forget_page_changes(session):
    for key in (_PEOPLE, _ORGS, _EVERYONE):
        session.info.pop(key, None)
