"""Database base class, naming convention and SQLite pragmas.

Constraint names follow one convention so that migrations are stable across
SQLite and PostgreSQL. SQLite enforces foreign keys only when asked, on every
connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an ``UPDATE``/``DELETE`` changed (its result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount


def scalar_outside_transaction(engine: Engine, sql: str):
    """The first column of the first row of ``sql`` (:func:`row_outside_transaction`), or None."""
    row = row_outside_transaction(engine, sql)
    return row[0] if row else None


def row_outside_transaction(engine: Engine, sql: str, params: tuple = ()) -> tuple | None:
    """The first row of ``sql`` (a read-only statement; ``?`` marks each of ``params``), run on a
    pooled connection of its own and given straight back.

    For requests that need nothing else from the database (a visitor's stored page, the
    health check): no ORM session, no transaction. On PostgreSQL the statement runs in
    autocommit, so there is no ``BEGIN`` and no ``ROLLBACK`` round trip; on SQLite a plain
    ``SELECT`` begins no transaction anyway.
    """
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        info = getattr(dbapi, "info", None)  # psycopg 3: the connection's state
        idle = info is not None and getattr(info, "transaction_status", None) == 0  # TransactionStatus.IDLE
        if idle:
            dbapi.autocommit = True  # type: ignore[union-attr]
        if params and engine.dialect.paramstyle != "qmark":  # psycopg: %s
            sql = sql.replace("?", "%s")
        try:
            cursor = raw.cursor()
            try:
                if params:
                    cursor.execute(sql, params)
                else:
                    cursor.execute(sql)
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            if idle:
                try:
                    dbapi.autocommit = False  # type: ignore[union-attr]
                except Exception:  # a broken connection: never back to the pool in autocommit
                    raw.invalidate()
    finally:
        raw.close()
    return tuple(row) if row else None


# --- after the commit: one queue for every side effect of a transaction -------------------

_AFTER_COMMIT = "kampus_after_commit"


def on_commit(session: Session, handler: Callable[[list], None], *items) -> None:
    """Call ``handler(items)`` once after this transaction really commits (not when a savepoint
    is released), with every item noted for it in the transaction, in order; nothing if it rolls
    back. Mail (the outbox), job dispatch and report refreshes go through here, so a side effect
    never runs for work that was not saved. A handler deals with its own failures."""
    pending: dict = session.info.setdefault(_AFTER_COMMIT, {})
    pending.setdefault(handler, []).extend(items)


def cancel_on_commit(session: Session, handler: Callable[[list], None]) -> list:
    """Forget what waits for ``handler`` in this transaction; returns those items."""
    return session.info.get(_AFTER_COMMIT, {}).pop(handler, [])


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    root = session.get_transaction()
    if root is not None and root.is_active:
        return  # a savepoint was released (SQLAlchemy fires after_commit for it too): wait for the real commit
    for handler, items in (session.info.pop(_AFTER_COMMIT, None) or {}).items():
        if items:
            handler(items)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    # Only the transaction's own rollback: a savepoint's, or a failed flush's inside one, keeps the rest.
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def utcnow() -> datetime:
    """Timezone-naive UTC now, stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - trivial
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=20000")  # writers queue behind each other rather than fail
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_takes_the_write_lock(conn, name):  # pragma: no cover - SQLite only
    """On SQLite, a savepoint outside a transaction starts one with ``BEGIN IMMEDIATE``.

    Python's sqlite3 module opens no transaction for ``SAVEPOINT``: SQLite then
    starts a deferred one, and releasing that savepoint commits at once. A
    request that reads inside the savepoint and then writes (insert-or-get under
    a unique constraint) can also deadlock with another writer, which SQLite
    reports at once as "database is locked" instead of waiting. Taking the write
    lock first makes concurrent requests wait their turn (``busy_timeout``) and
    keeps the savepoint inside the request's one transaction.
    """
    dbapi_connection = conn.connection.dbapi_connection
    if type(dbapi_connection).__module__.startswith("sqlite3") and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


_CHECKED_IN = "kampus_checked_in"


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection on checkout only when it sat unused for ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` sends a ``SELECT 1`` on every checkout: on PostgreSQL a
    round trip (and a ``BEGIN``) per request. A connection the server dropped (a restart,
    an idle timeout) has almost always been idle; one that fails the ping is replaced
    (``DisconnectionError``: the pool opens a new one), as with ``pool_pre_ping``. A
    connection that breaks between two busy requests fails that request's statement, and
    SQLAlchemy then throws away every pooled connection of that generation.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        if record is not None:
            record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        last = record.info.get(_CHECKED_IN)
        if last is None or time.monotonic() - last < idle_seconds:
            return  # new, or used a moment ago
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as error:  # noqa: BLE001 - any failure: a dead connection
            raise exc.DisconnectionError() from error
