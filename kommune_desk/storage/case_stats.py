"""The town's own cases as statistics: processing times, what was open and overdue, payments at
the counter. Periods are given as UTC moments; SQLite's julianday() compares the stored ISO times
whatever their offset."""

from __future__ import annotations

import datetime as dt
import sqlite3

from kommune_desk.domain.payments import COUNTER_METHODS

# Cases that end without a decision leave the backlog without a processing time.
_ENDED_OTHERWISE = ("zurueckgezogen", "weitergeleitet")
_FROM = "applications a LEFT JOIN services s ON s.id = a.service_id"


def _service_filter(leika_id: str | None) -> tuple[str, list[object]]:
    return (" AND coalesce(s.leika_id, '') = ?", [leika_id]) if leika_id is not None else ("", [])


def completed_cases(
    conn: sqlite3.Connection, municipality_id: str, start: dt.datetime, end: dt.datetime, leika_id: str | None
) -> list[tuple[str, str, str]]:
    """(LeiKa id or "", received_at, completed_at) of the cases completed in [start, end)."""
    where, params = _service_filter(leika_id)
    return conn.execute(
        f"SELECT coalesce(s.leika_id, ''), a.received_at, a.completed_at FROM {_FROM}"
        " WHERE a.municipality_id = ? AND a.deleted_at IS NULL AND a.completed_at IS NOT NULL"
        " AND julianday(a.completed_at) >= julianday(?) AND julianday(a.completed_at) < julianday(?)" + where,
        [municipality_id, start.isoformat(), end.isoformat(), *params],
    ).fetchall()


def open_cases(
    conn: sqlite3.Connection, municipality_id: str, end: dt.datetime, end_day: dt.date, leika_id: str | None
) -> list[tuple[str, int, int]]:
    """(LeiKa id or "", open, overdue) at ``end``: received before it and not completed by then
    (withdrawn and forwarded cases left out); overdue: a deadline before ``end_day``, unless the
    case waits for documents (its clock is stopped)."""
    where, params = _service_filter(leika_id)
    ended = ", ".join("?" * len(_ENDED_OTHERWISE))
    return conn.execute(
        f"SELECT coalesce(s.leika_id, ''), count(*),"
        " sum(a.due_date IS NOT NULL AND a.due_date < ? AND a.status <> 'wartet_auf_unterlagen')"
        f" FROM {_FROM} WHERE a.municipality_id = ? AND a.deleted_at IS NULL"
        f" AND a.status NOT IN ({ended}) AND julianday(a.received_at) < julianday(?)"
        " AND (a.completed_at IS NULL OR julianday(a.completed_at) >= julianday(?))" + where + " GROUP BY 1",
        [end_day.isoformat(), municipality_id, *_ENDED_OTHERWISE, end.isoformat(), end.isoformat(), *params],
    ).fetchall()


def counter_payments(
    conn: sqlite3.Connection, municipality_id: str, start: dt.datetime, end: dt.datetime, leika_id: str | None
) -> list[tuple[str, str, int]]:
    """(LeiKa id or "", method, cases) paid at the counter or by transfer in [start, end)."""
    where, params = _service_filter(leika_id)
    methods = [m.value for m in COUNTER_METHODS]
    return conn.execute(
        f"SELECT coalesce(s.leika_id, ''), a.payment_method, count(*) FROM {_FROM}"
        " WHERE a.municipality_id = ? AND a.deleted_at IS NULL AND a.payment_status = 'bezahlt'"
        f" AND a.payment_method IN ({', '.join('?' * len(methods))}) AND a.paid_at IS NOT NULL"
        " AND julianday(a.paid_at) >= julianday(?) AND julianday(a.paid_at) < julianday(?)"
        + where
        + " GROUP BY 1, 2",
        [municipality_id, *methods, start.isoformat(), end.isoformat(), *params],
    ).fetchall()


def received_and_completed(
    conn: sqlite3.Connection, municipality_id: str, start: dt.datetime, end: dt.datetime, leika_id: str | None
) -> tuple[list[tuple[str, str]], list[str]]:
    """(received_at, channel) of the cases received in [start, end), and completed_at of those
    completed in it (the caller buckets them by German month)."""
    where, params = _service_filter(leika_id)
    received = conn.execute(
        f"SELECT a.received_at, a.channel FROM {_FROM} WHERE a.municipality_id = ? AND a.deleted_at IS NULL"
        " AND julianday(a.received_at) >= julianday(?) AND julianday(a.received_at) < julianday(?)" + where,
        [municipality_id, start.isoformat(), end.isoformat(), *params],
    ).fetchall()
    completed = [row[2] for row in completed_cases(conn, municipality_id, start, end, leika_id)]
    return received, completed
