"""Storage the demo alone needs: its worked cases run inside its one transaction, and stay local."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from .database import Database

DEMO_AUDIT_ACTION = "demo_erzeugt"


class _Borrowed:
    """The open writer connection lent to a service as its "reader": closing it only gives it back."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def close(self) -> None:
        """The connection belongs to the demo's transaction; it stays open."""


class JoinedDatabase(Database):
    """The demo database as services see it while the demo's worked cases are replayed: every
    write and read joins the demo's one open transaction (readers see its uncommitted rows), so
    the cases commit or roll back with the rest of the demo. Never for real work."""

    def __init__(self, db: Database, conn: sqlite3.Connection) -> None:
        super().__init__(db.data_dir, conn)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        yield self._writer

    def reader(self) -> sqlite3.Connection:
        return cast(sqlite3.Connection, _Borrowed(self._writer))

    def close(self) -> None:
        """The demo's own Database closes the connection."""


def newest_mutation(conn: sqlite3.Connection) -> int:
    """The sequence number of the newest outbox mutation (0 if none)."""
    return conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def discard_mutations_after(conn: sqlite3.Connection, seq: int) -> int:
    """Drop the outbox mutations queued after ``seq`` in the caller's transaction: the demo is
    local only and is never pushed to a server. Returns how many were dropped."""
    return conn.execute("DELETE FROM outbox WHERE seq > ?", (seq,)).rowcount


def is_demo(conn: sqlite3.Connection) -> bool:
    """Whether the demo generator made this database (its audit trail says so)."""
    row = conn.execute(
        "SELECT 1 FROM audit_log WHERE entity = 'database' AND action = ? LIMIT 1", (DEMO_AUDIT_ACTION,)
    ).fetchone()
    return row is not None
