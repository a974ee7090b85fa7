"""The Kreisvergleich on this workstation: the figures the sync server published (or the demo
made up), kept in ``kreis_comparison`` and replaced as a whole; and the town's own cases received
per service and channel, for its own online share beside the Kreis median."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from kommune_desk.domain.comparison import ONLINE_CHANNEL, Figure

_COLUMNS = "period, leika_id, metric, towns, median, q1, q3"


def replace_all(conn: sqlite3.Connection, figures: Iterable[Figure], computed_at: str) -> int:
    """Put ``figures`` in place of the stored set, in the caller's transaction; returns how many."""
    rows = [(f.period, f.leika_id, f.metric, f.towns, f.median, f.q1, f.q3, computed_at) for f in figures]
    conn.execute("DELETE FROM kreis_comparison")
    conn.executemany(
        f"INSERT INTO kreis_comparison ({_COLUMNS}, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (period, leika_id, metric) DO UPDATE SET towns = excluded.towns,"
        " median = excluded.median, q1 = excluded.q1, q3 = excluded.q3",
        rows,
    )
    return len(rows)


def figures_for(conn: sqlite3.Connection, period: str) -> list[Figure]:
    """The stored figures of one period key (``2026-07``, ``2026-Q3``, ``2026``)."""
    return [
        Figure(*row)
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM kreis_comparison WHERE period = ? ORDER BY leika_id, metric", (period,)
        )
    ]


def computed_at(conn: sqlite3.Connection) -> str | None:
    """When the stored figures were computed (None: there are none)."""
    row = conn.execute("SELECT max(computed_at) FROM kreis_comparison").fetchone()
    return row[0] if row else None


def received_cases(
    conn: sqlite3.Connection, municipality_id: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[str, int, int]]:
    """(LeiKa id or "", received, received online) of the town's cases received in [start, end)."""
    return conn.execute(
        "SELECT coalesce(s.leika_id, ''), count(*), sum(a.channel = ?)"
        " FROM applications a LEFT JOIN services s ON s.id = a.service_id"
        " WHERE a.municipality_id = ? AND a.deleted_at IS NULL"
        " AND julianday(a.received_at) >= julianday(?) AND julianday(a.received_at) < julianday(?)"
        " GROUP BY 1",
        (ONLINE_CHANNEL, municipality_id, start.isoformat(), end.isoformat()),
    ).fetchall()
