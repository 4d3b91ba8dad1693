"""Database base class, naming convention and SQLite pragmas.

Constraint names follow one convention so that migrations are stable across
SQLite and PostgreSQL. SQLite enforces foreign keys only when asked, on every
connection.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import MetaData, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase

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
