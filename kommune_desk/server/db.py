"""The server's database: one small adapter over SQLite (embedded default) and PostgreSQL.

Both speak the same SQL here, written with ``?`` placeholders. SQLite serialises writers with
``BEGIN IMMEDIATE``; PostgreSQL transactions lock the scope row they bump, so on both a scope's
version order is its commit order. On PostgreSQL a tenant transaction runs as the
unprivileged app role with its readable scopes set, so row-level security is a second wall.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

APP_ROLE = "kommune_desk_app"
SQLITE_FILE = "kommune-desk-server.sqlite3"


class Tx(Protocol):
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...


class IntegrityConflictError(Exception):
    """A uniqueness or exclusion constraint refused a write (the transaction is rolled back)."""


class AccessRefusedError(Exception):
    """Row-level security refused a write (the transaction must roll back to its savepoint)."""


class _SqliteTx:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._conn.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise IntegrityConflictError(str(exc)) from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self._conn.execute(sql, tuple(params)).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._conn.execute(sql, tuple(params)).fetchall()


_PLACEHOLDER = re.compile(r"\?")


class _PgTx:
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        import psycopg

        try:
            return self._conn.execute(_PLACEHOLDER.sub("%s", sql), tuple(params))
        except (psycopg.errors.UniqueViolation, psycopg.errors.ExclusionViolation) as exc:
            raise IntegrityConflictError(exc.diag.constraint_name or type(exc).__name__) from exc
        except psycopg.errors.InsufficientPrivilege as exc:
            # Row-level security refused a row of another scope: the second wall held.
            raise AccessRefusedError(type(exc).__name__) from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self.execute(sql, params).fetchall()


class ServerDatabase:
    """Transactions on the server's store; ``scopes`` narrows what a tenant transaction may see."""

    dialect: str

    @contextmanager
    def transaction(self, scopes: Sequence[str] | None = None) -> Iterator[Tx]:
        raise NotImplementedError
        yield  # pragma: no cover

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
        with self._pool.connection() as conn, conn.transaction():
            if scopes is not None:
                # Row-level security: the app role is neither owner nor superuser.
                conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
                conn.execute("SELECT set_config('kommune.scopes', %s, true)", (",".join(scopes),))
            yield _PgTx(conn)

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
