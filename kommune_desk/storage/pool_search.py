"""Reads for the availability search and the pool calendar: one query each, by index.

The search asks SQLite for the devices of a type with nothing blocking the period, with the
same rules as ``domain.pool`` (inclusive days; an overdue loan blocks every new booking; a
running waiting-list offer holds its days). ``tests/test_pool_search.py`` checks the query
against the domain rules on random data.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from kommune_desk.domain.pool_calendar import CalendarBar, CalendarRow

from .loans import pending_bookings
from .pool import BLOCKING_SQL, booking, town, town_join

_PLACE = "coalesce(d.location_municipality_id, d.home_municipality_id)"


@dataclass(frozen=True)
class FreeDevice:
    """A device free for the asked days, and where it is now."""

    device_id: str
    inventory_number: str
    name: str
    location_id: str
    location_name: str
    location_ags: str


FREE_DEVICES_SQL = f"""
    SELECT d.id, d.inventory_number, d.name, {_PLACE}, {town("lm", "lp")}, coalesce(lm.ags, lp.ags, '')
    FROM devices d
    {town_join("l", _PLACE)}
    WHERE d.category = :category AND d.status = 'verfuegbar' AND d.deleted_at IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM loans l
        WHERE l.device_id = d.id AND l.deleted_at IS NULL AND l.status IN {BLOCKING_SQL}
          AND ((l.start_date <= :end AND l.end_date >= :start)
               OR (l.status = 'ausgegeben' AND l.end_date < :today)))
      AND NOT EXISTS (
        SELECT 1 FROM waitlist w
        WHERE w.offered_device_id = d.id AND w.status = 'angeboten' AND w.deleted_at IS NULL
          AND w.offer_until >= :today AND w.end_date >= :today
          AND max(w.start_date, :today) <= :end AND w.end_date >= :start)
    ORDER BY d.inventory_number
"""


def free_devices(
    conn: sqlite3.Connection, category: str, start: dt.date, end: dt.date, today: dt.date
) -> list[FreeDevice]:
    rows = conn.execute(
        FREE_DEVICES_SQL,
        {
            "category": category,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "today": today.isoformat(),
        },
    ).fetchall()
    return [FreeDevice(*r) for r in rows]


def category_places(conn: sqlite3.Connection, category: str) -> dict[str, tuple[str, str]]:
    """Per device of a type: its inventory number and the AGS of where it is now."""
    rows = conn.execute(
        "SELECT d.id, d.inventory_number, coalesce(lm.ags, lp.ags, '')"
        f" FROM devices d {town_join('l', _PLACE)} WHERE d.category = ? AND d.deleted_at IS NULL",
        (category,),
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def category_bookings(conn: sqlite3.Connection, category: str, today: dt.date) -> dict[str, list]:
    """Per available device of a type: its blocking loans (from ``today`` on, and any overdue)."""
    devices = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM devices WHERE category = ? AND status = 'verfuegbar' AND deleted_at IS NULL"
            " ORDER BY inventory_number",
            (category,),
        )
    ]
    result: dict[str, list] = {d: [] for d in devices}
    for row in conn.execute(
        "SELECT l.id, l.device_id, l.start_date, l.end_date, l.status, l.borrower_municipality_id"
        " FROM loans l JOIN devices d ON d.id = l.device_id"
        f" WHERE d.category = ? AND l.status IN {BLOCKING_SQL} AND l.deleted_at IS NULL"
        " AND (l.end_date >= ? OR l.status = 'ausgegeben')",
        (category, today.isoformat()),
    ):
        if row[1] in result:
            result[row[1]].append(booking(row))
    return result


def calendar_rows(
    conn: sqlite3.Connection,
    own_municipality_id: str,
    first: dt.date,
    last: dt.date,
    today: dt.date,
    category: str | None = None,
    device_id: str | None = None,
) -> list[CalendarRow]:
    """Every device (of a type, or one) with its bookings between ``first`` and ``last`` as bars."""
    where = "d.deleted_at IS NULL" + (" AND d.category = :category" if category else "")
    where += " AND d.id = :device" if device_id else ""
    params = {
        "own": own_municipality_id,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "today": today.isoformat(),
        "category": category,
        "device": device_id,
    }
    devices = conn.execute(
        f"SELECT d.id, d.inventory_number, d.name, d.category, d.status, {town('lm', 'lp')}"
        f" FROM devices d {town_join('l', _PLACE)} WHERE {where} ORDER BY d.category, d.inventory_number",
        params,
    ).fetchall()
    bars: dict[str, list[CalendarBar]] = {d[0]: [] for d in devices}
    pending = pending_bookings(conn)
    for r in conn.execute(
        f"""
        SELECT l.id, l.device_id, l.start_date, l.end_date, l.status, l.borrower_municipality_id,
               {town("bm", "bp")}, lb.name
        FROM loans l
        JOIN devices d ON d.id = l.device_id
        {town_join("b", "l.borrower_municipality_id")}
        LEFT JOIN loan_borrowers lb ON lb.id = l.id AND lb.municipality_id = :own AND lb.deleted_at IS NULL
        WHERE {where} AND l.deleted_at IS NULL AND l.status IN ('reserviert', 'ausgegeben', 'zurueckgegeben')
          AND l.start_date <= :last
          AND (l.end_date >= :first OR (l.status = 'ausgegeben' AND :today >= :first))
        ORDER BY l.start_date
        """,
        params,
    ):
        start, end = dt.date.fromisoformat(r[2]), dt.date.fromisoformat(r[3])
        overdue = r[4] == "ausgegeben" and end < today
        own = r[5] == own_municipality_id
        bars[r[1]].append(
            CalendarBar(
                loan_id=r[0],
                start=start,
                end=today if overdue else end,
                kind=r[4],
                town=r[6],
                label=(r[7] or r[6]) if own else r[6],
                own=own,
                provisional=r[0] in pending,
                overdue=overdue,
            )
        )
    for r in conn.execute(
        f"""
        SELECT w.id, w.offered_device_id, max(w.start_date, :today), w.end_date, w.municipality_id,
               {town("wm", "wp")}, wb.name
        FROM waitlist w
        JOIN devices d ON d.id = w.offered_device_id
        {town_join("w", "w.municipality_id")}
        LEFT JOIN waitlist_borrowers wb ON wb.id = w.id AND wb.municipality_id = :own
        WHERE {where} AND w.status = 'angeboten' AND w.deleted_at IS NULL AND w.offer_until >= :today
          AND w.end_date >= :first AND w.start_date <= :last
        """,
        params,
    ):
        own = r[4] == own_municipality_id
        bars[r[1]].append(
            CalendarBar(
                loan_id=r[0],
                start=dt.date.fromisoformat(r[2]),
                end=dt.date.fromisoformat(r[3]),
                kind="angeboten",
                town=r[5],
                label=f"Angebot: {(r[6] or r[5]) if own else r[5]}",
                own=own,
                provisional=False,
            )
        )
    return [CalendarRow(d[0], d[1], d[2], d[3], d[4], d[5], tuple(bars[d[0]])) for d in devices]
