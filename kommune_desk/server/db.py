"""The server's database: one small adapter over SQLite (embedded default) and PostgreSQL.

Both speak the same SQL here, written with ``?`` placeholders. SQLite serialises writers with
``BEGIN IMMEDIATE``; PostgreSQL transactions lock the scope row they bump, so on both a scope's
version order is its commit order. On PostgreSQL a tenant transaction runs as the
unprivileged app role with its readable scopes set, so row-level security is a second wall.
"""

from __future__ import annotations

import logging
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
log = logging.getLogger("kommune_desk.server")

APP_ROLE = "kommune_desk_app"
SQLITE_FILE = "kommune-desk-server.sqlite3"


class Tx(Protocol):
    dialect: str
    # Rows a push batch has read or written in this transaction, by (kind, id); None: no cache.
    cache: dict[tuple[str, str], Any] | None
    # Rows written but not yet sent to the database (entities.defer_writes); None: write at once.
    deferred: dict[tuple[str, str], Any] | None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


class IntegrityConflictError(Exception):
    """A uniqueness or exclusion constraint refused a write (the transaction is rolled back)."""


class AccessRefusedError(Exception):
    """Row-level security refused a write (the transaction must roll back to its savepoint)."""


class TransientError(Exception):
    """The database aborted the transaction for a deadlock, a serialization failure or a lock
    timeout: running it again from the start will do. ``ServerDatabase.run`` does so."""


class UnavailableError(Exception):
    """The database cannot be reached (or refuses connections) right now."""


# SQLSTATE class 40 (transaction rollback: serialization failure, deadlock) and lock_not_available.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
RETRY_ATTEMPTS = 6
PING_TIMEOUT_S = 2.0


class _SqliteTx:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.cache: dict[tuple[str, str], Any] | None = None  # see entities.preload
        self.deferred: dict[tuple[str, str], Any] | None = None  # see entities.defer_writes

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._conn.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityConflictError(str(exc)) from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self._conn.execute(sql, tuple(params)).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._conn.executemany(sql, [tuple(r) for r in rows])
        except sqlite3.IntegrityError as exc:
            raise IntegrityConflictError(str(exc)) from exc

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Plain inserts of many rows (no ON CONFLICT)."""
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


_PLACEHOLDER = re.compile(r"\?")


class _PgTx:
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.cache: dict[tuple[str, str], Any] | None = None  # see entities.preload
        self.deferred: dict[tuple[str, str], Any] | None = None  # see entities.defer_writes

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        import psycopg

        try:
            return self._conn.execute(_PLACEHOLDER.sub("%s", sql), tuple(params))
        except psycopg.Error as exc:
            translated = _translated(exc)
            if translated is exc:
                raise
            raise translated from exc

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for many rows (pipelined by psycopg: one round trip, not one per row)."""
        import psycopg

        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(_PLACEHOLDER.sub("%s", sql), [tuple(r) for r in rows])
        except psycopg.Error as exc:
            translated = _translated(exc)
            if translated is exc:
                raise
            raise translated from exc

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Plain inserts of many rows with COPY: one stream, several times faster than INSERTs."""
        import psycopg

        try:
            with (
                self._conn.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            translated = _translated(exc)
            if translated is exc:
                raise
            raise translated from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.execute(sql, params).fetchall()


def _translated(exc: Any) -> Exception:
    """psycopg's error as what the server's code handles; anything else unchanged."""
    import psycopg

    if isinstance(exc, psycopg.errors.UniqueViolation | psycopg.errors.ExclusionViolation):
        return IntegrityConflictError(exc.diag.constraint_name or type(exc).__name__)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        # Row-level security refused a row of another scope: the second wall held.
        return AccessRefusedError(type(exc).__name__)
    if exc.sqlstate in _TRANSIENT_SQLSTATES:
        return TransientError(type(exc).__name__)
    return exc


class ServerDatabase:
    """Transactions on the server's store; ``scopes`` narrows what a tenant transaction may see."""

    dialect: str
    on_retry: Callable[[], None] | None = None  # counts retried transactions (metrics)

    @contextmanager
    def transaction(self, scopes: Sequence[str] | None = None) -> Iterator[Tx]:
        raise NotImplementedError
        yield  # pragma: no cover

    def run(self, work: Callable[[Tx], T], scopes: Sequence[str] | None = None) -> T:
        """``work`` in one transaction; when the database aborts it as transient (deadlock,
        serialization failure), it runs again from the start after a short random backoff.
        ``work`` must therefore have no effect outside the transaction."""
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                with self.transaction(scopes) as tx:
                    return work(tx)
            except TransientError as exc:
                if attempt == RETRY_ATTEMPTS:
                    raise
                log.info("Transaktion wiederholt", extra={"attempt": attempt, "error": str(exc)})
                if self.on_retry is not None:
                    self.on_retry()
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # jitter: retries spread out
        raise AssertionError("unreachable")

    def ping(self) -> None:
        """Raise UnavailableError unless the database answers."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteServerDatabase(ServerDatabase):
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self, scopes: Sequence[str] | None = None) -> Iterator[Tx]:
        # One connection, one lock: the embedded server is for a Kreis, not a data centre.
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def ping(self) -> None:
        try:
            with self.transaction() as tx:
                tx.one("SELECT 1")
        except sqlite3.Error as exc:
            raise UnavailableError(type(exc).__name__) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresServerDatabase(ServerDatabase):
    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        self.url = url
        self._pool = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=True, kwargs={"autocommit": False}
        )

    @contextmanager
    def transaction(self, scopes: Sequence[str] | None = None) -> Iterator[Tx]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as conn, conn.transaction():
                if scopes is not None:
                    # Row-level security: the app role is neither owner nor superuser. One round
                    # trip for both settings.
                    conn.execute(
                        "SELECT set_config('role', %s, true), set_config('kommune.scopes', %s, true)",
                        (APP_ROLE, ",".join(scopes)),
                    )
                yield _PgTx(conn)
        except PoolTimeout as exc:
            raise UnavailableError(type(exc).__name__) from exc
        except psycopg.OperationalError as exc:
            if exc.sqlstate in _TRANSIENT_SQLSTATES:
                raise TransientError(type(exc).__name__) from exc
            raise UnavailableError(type(exc).__name__) from exc

    def ping(self) -> None:
        import psycopg
        from psycopg_pool import PoolTimeout

        # Short: a health probe must answer within its own timeout, not the pool's 30 s.
        try:
            with self._pool.connection(timeout=PING_TIMEOUT_S) as conn:
                conn.execute("SELECT 1")
        except (PoolTimeout, psycopg.Error) as exc:
            raise UnavailableError(type(exc).__name__) from exc

    def close(self) -> None:
        self._pool.close()


def open_server_database(data_dir: Path | None, database_url: str | None) -> ServerDatabase:
    """PostgreSQL for ``postgresql://`` URLs, otherwise the SQLite file in ``data_dir``."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError("Nur postgresql://-Adressen werden unterstützt.")
        return PostgresServerDatabase(database_url)
    if data_dir is None:
        raise ValueError("Bitte --data-dir oder --database-url angeben.")
    return SqliteServerDatabase(data_dir / SQLITE_FILE)
