"""Bulk loads (demo, later snapshots): executemany inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .applications import INSERT_APPLICATION_SQL, application_values

_INSERT_ATTACHMENT = (
    "INSERT INTO attachments (id, municipality_id, application_id, sha256, display_name,"
    " media_type, size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_DEVICE = (
    "INSERT INTO devices (id, pool, home_municipality_id, inventory_number, name, category,"
    " serial_number, status, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_LOAN = (
    "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date,"
    " end_date, status, handed_over_at, returned_at, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_BORROWER = (
    "INSERT INTO loan_borrowers (id, municipality_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
)


def insert_applications(conn: sqlite3.Connection, rows: Iterable[dict[str, object]]) -> None:
    conn.executemany(INSERT_APPLICATION_SQL, (application_values(r) for r in rows))


def insert_attachments(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    conn.executemany(_INSERT_ATTACHMENT, rows)


def insert_devices(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    conn.executemany(_INSERT_DEVICE, rows)


def insert_loans(
    conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]], own_municipality_id: str
) -> None:
    """Insert loans given as (id, pool, device, town, borrower name, …); the borrower's name is
    kept only for the own town's loans, as a partner town would never see another's."""
    rows = list(rows)
    conn.executemany(_INSERT_LOAN, (row[:4] + row[5:] for row in rows))
    conn.executemany(
        _INSERT_BORROWER,
        ((row[0], row[3], row[4], row[10], row[11]) for row in rows if row[3] == own_municipality_id),
    )


def set_number_range(conn: sqlite3.Connection, office_id: str, year: int, last_number: int) -> None:
    conn.execute(
        "INSERT INTO number_ranges (office_id, year, last_number) VALUES (?, ?, ?)"
        " ON CONFLICT (office_id, year) DO UPDATE SET last_number = max(last_number, excluded.last_number)",
        (office_id, year, last_number),
    )
