"""The shared equipment pool as statistics: which devices were out on which days."""

from __future__ import annotations

import datetime as dt
import sqlite3

# A loan counts from its handover: reservations and cancelled bookings lent nothing.
_LENT = ("ausgegeben", "zurueckgegeben")


def devices(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """(id, inventory number, name, category) of the pool's devices still in service."""
    return conn.execute(
        "SELECT id, inventory_number, name, category FROM devices"
        " WHERE deleted_at IS NULL AND status <> 'ausgemustert' ORDER BY inventory_number"
    ).fetchall()


def loans_overlapping(conn: sqlite3.Connection, first: dt.date, last: dt.date) -> list[tuple[str, str, str]]:
    """(device id, first day, last day) of the pool's loans (all towns) that were handed over and
    overlap [first, last]; a loan still out counts until its planned return."""
    return conn.execute(
        f"SELECT device_id, start_date, end_date FROM loans WHERE deleted_at IS NULL"
        f" AND status IN ({', '.join('?' * len(_LENT))}) AND start_date <= ? AND end_date >= ?",
        [*_LENT, last.isoformat(), first.isoformat()],
    ).fetchall()
