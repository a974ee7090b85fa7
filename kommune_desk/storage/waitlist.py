"""The waiting list: entries in the pool scope (town and period), who waits in the town's own."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from kommune_desk.domain.waitlist import OPEN_STATUSES, WaitEntry

from .pool import insert_row, town, town_join, update_row

_COLUMNS = (
    "w.id, w.municipality_id, w.category, w.start_date, w.end_date, w.status, w.created_at,"
    " w.offered_device_id, w.offer_until, w.passed_over"
)


@dataclass(frozen=True)
class WaitListing:
    """A line of the waiting list; ``borrower`` only for the own town's entries."""

    entry: WaitEntry
    town: str
    borrower: str | None
    contact: str | None
    offered_inventory_number: str | None


def _entry(row: tuple) -> WaitEntry:
    return WaitEntry(
        id=row[0],
        municipality_id=row[1],
        category=row[2],
        start=dt.date.fromisoformat(row[3]),
        end=dt.date.fromisoformat(row[4]),
        status=row[5],
        created_at=row[6],
        offered_device_id=row[7],
        offer_until=dt.date.fromisoformat(row[8]) if row[8] else None,
        passed_over=tuple(json.loads(row[9] or "[]")),
    )


def open_entries(conn: sqlite3.Connection, category: str | None = None) -> list[WaitEntry]:
    """Waiting and offered entries (of one type), first come first."""
    marks = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
    sql = f"SELECT {_COLUMNS} FROM waitlist w WHERE w.status IN ({marks}) AND w.deleted_at IS NULL"
    params: tuple = ()
    if category is not None:
        sql += " AND w.category = ?"
        params = (category,)
    rows = conn.execute(sql + " ORDER BY w.created_at, w.id", params).fetchall()
    return [_entry(r) for r in rows]


def load_entry(conn: sqlite3.Connection, entry_id: str) -> WaitEntry | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM waitlist w WHERE w.id = ? AND w.deleted_at IS NULL", (entry_id,)
    ).fetchone()
    return _entry(row) if row else None


def insert_entry(conn: sqlite3.Connection, entry: WaitEntry, *, pool: str, at: str) -> None:
    insert_row(
        conn,
        "waitlist",
        {
            "id": entry.id, "pool": pool, "municipality_id": entry.municipality_id,
            "category": entry.category,
            "start_date": entry.start.isoformat(), "end_date": entry.end.isoformat(), "status": entry.status,
            "created_at": entry.created_at, "updated_at": at,
        },
    )  # fmt: skip


def insert_waiting_person(
    conn: sqlite3.Connection, entry_id: str, municipality_id: str, borrower_id: str | None, name: str,
    contact: str, at: str,
) -> None:  # fmt: skip
    insert_row(
        conn,
        "waitlist_borrowers",
        {
            "id": entry_id, "municipality_id": municipality_id, "borrower_id": borrower_id, "name": name,
            "contact": contact, "created_at": at, "updated_at": at,
        },
    )  # fmt: skip


_ENTRY_COLUMNS = frozenset(
    {"status", "offered_device_id", "offered_on", "offer_until", "passed_over", "loan_id"}
)


def update_entry(conn: sqlite3.Connection, entry_id: str, at: str, **values: object) -> None:
    if "passed_over" in values:
        values["passed_over"] = json.dumps(list(values["passed_over"]))  # type: ignore[arg-type]
    update_row(conn, "waitlist", _ENTRY_COLUMNS, entry_id, at, values)


def listing(
    conn: sqlite3.Connection, own_municipality_id: str, *, include_closed: bool = False
) -> list[WaitListing]:
    """The waiting list as the page shows it: open entries (or all), first come first."""
    where = "w.deleted_at IS NULL" + ("" if include_closed else " AND w.status IN ('wartend', 'angeboten')")
    rows = conn.execute(
        f"""
        SELECT {_COLUMNS}, {town("tm", "tp")}, wb.name, wb.contact, d.inventory_number
        FROM waitlist w
        {town_join("t", "w.municipality_id")}
        LEFT JOIN waitlist_borrowers wb ON wb.id = w.id AND wb.municipality_id = ? AND wb.deleted_at IS NULL
        LEFT JOIN devices d ON d.id = w.offered_device_id
        WHERE {where}
        ORDER BY w.created_at, w.id
        """,
        (own_municipality_id,),
    ).fetchall()
    return [WaitListing(_entry(r[:10]), r[10], r[11], r[12], r[13]) for r in rows]
