"""Bulk loads (demo, later snapshots): executemany inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .applications import INSERT_APPLICATION_SQL, application_values

_INSERT_ATTACHMENT = (
    "INSERT INTO attachments (id, municipality_id, application_id, sha256, display_name,"
    " media_type, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_applications(conn: sqlite3.Connection, rows: Iterable[dict[str, object]]) -> None:
    conn.executemany(INSERT_APPLICATION_SQL, (application_values(r) for r in rows))


def insert_attachments(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    conn.executemany(_INSERT_ATTACHMENT, rows)


def insert_rows(conn: sqlite3.Connection, table: str, rows: list[dict[str, object]]) -> None:
    """Insert generated rows into ``table`` (every row has the same keys; table and keys are our
    own names, never user text)."""
    if rows:
        columns = list(rows[0])
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            ([row[c] for c in columns] for row in rows),
        )


def set_number_range(conn: sqlite3.Connection, office_id: str, year: int, last_number: int) -> None:
    conn.execute(
        "INSERT INTO number_ranges (office_id, year, last_number) VALUES (?, ?, ?)"
        " ON CONFLICT (office_id, year) DO UPDATE SET last_number = max(last_number, excluded.last_number)",
        (office_id, year, last_number),
    )
