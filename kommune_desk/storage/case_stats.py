"""The town's own cases as statistics: processing times, what was open and overdue, payments at
the counter. Periods are given as UTC moments; SQLite's julianday() compares the stored ISO times
whatever their offset."""

from __future__ import annotations

import calendar
import datetime as dt
import sqlite3

from kommune_desk.domain.payments import COUNTER_METHODS

# Cases that end without a decision leave the backlog without a processing time.
_ENDED_OTHERWISE = ("zurueckgezogen", "weitergeleitet")
_FROM = "applications a LEFT JOIN services s ON s.id = a.service_id"


def _within(column: str, start: dt.datetime, end: dt.datetime) -> tuple[str, list[object]]:
    """``column`` (ISO text with any offset) in [start, end): a text range a day wider, which an
    index can serve, and the exact test on julianday() for the rows it leaves."""
    margin = dt.timedelta(days=1)
    sql = f" AND {column} >= ? AND {column} < ? AND julianday({column}) >= ? AND julianday({column}) < ?"
    return sql, [
        (start - margin).date().isoformat(),
        (end + margin).date().isoformat(),
        _julian(start),
        _julian(end),
    ]


def _service_filter(leika_id: str | None) -> tuple[str, list[object]]:
    return (" AND coalesce(s.leika_id, '') = ?", [leika_id]) if leika_id is not None else ("", [])


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month, calendar.monthrange(year, month)[1])
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _julian(moment: dt.datetime) -> float:
    return moment.timestamp() / 86400 + 2440587.5


def _german_offset(start: dt.datetime, end: dt.datetime, j: str = "j") -> str:
    """SQL for the offset of German time from UTC (in days) at the julian day ``j``: summer time
    from the last Sunday of March to the last Sunday of October, 01:00 UTC each (EU rule)."""
    summers = []
    for year in range(start.year - 1, end.year + 2):
        begin = dt.datetime.combine(_last_sunday(year, 3), dt.time(1), dt.UTC)
        finish = dt.datetime.combine(_last_sunday(year, 10), dt.time(1), dt.UTC)
        summers.append(f"({j} >= {_julian(begin)!r} AND {j} < {_julian(finish)!r})")
    return f"(CASE WHEN {' OR '.join(summers)} THEN 2.0 ELSE 1.0 END) / 24"


def processing_days(
    conn: sqlite3.Connection, municipality_id: str, start: dt.datetime, end: dt.datetime, leika_id: str | None
) -> list[tuple[str, int]]:
    """(LeiKa id or "", calendar days from receipt to completion, in German days) of the cases
    completed in [start, end); computed by SQLite, so the dashboard never walks the cases."""
    where, params = _service_filter(leika_id)
    window, bounds = _within("a.completed_at", start, end)
    earliest = start - dt.timedelta(days=3650)  # cases may have been received years before
    completed, received = (_german_offset(earliest, end, j) for j in ("jc", "jr"))
    days = f"CAST(julianday(date(jc + {completed})) - julianday(date(jr + {received})) AS INTEGER)"
    return conn.execute(
        f"SELECT leika, max(0, {days})"
        f" FROM (SELECT coalesce(s.leika_id, '') AS leika, julianday(a.completed_at) AS jc,"
        f" julianday(a.received_at) AS jr FROM {_FROM}"
        " WHERE a.municipality_id = ? AND a.deleted_at IS NULL" + window + where + ")",
        [municipality_id, *bounds, *params],
    ).fetchall()


def cases_per_month(
    conn: sqlite3.Connection, municipality_id: str, start: dt.datetime, end: dt.datetime, leika_id: str | None
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Cases received and completed in [start, end) per German month (``YYYY-MM``), and those
    received per channel."""
    where, params = _service_filter(leika_id)
    offset = _german_offset(start, end)
    received: dict[str, int] = {}
    channels: dict[str, int] = {}
    window, bounds = _within("a.received_at", start, end)
    for month, channel, count in conn.execute(
        f"SELECT substr(date(j + {offset}), 1, 7), channel, count(*) FROM"
        f" (SELECT julianday(a.received_at) AS j, a.channel FROM {_FROM}"
        " WHERE a.municipality_id = ? AND a.deleted_at IS NULL" + window + where + ") GROUP BY 1, 2",
        [municipality_id, *bounds, *params],
    ):
        received[month] = received.get(month, 0) + count
        channels[channel] = channels.get(channel, 0) + count
    window, bounds = _within("a.completed_at", start, end)
    completed = dict(
        conn.execute(
            f"SELECT substr(date(j + {offset}), 1, 7), count(*) FROM (SELECT julianday(a.completed_at) AS j"
            f" FROM {_FROM} WHERE a.municipality_id = ? AND a.deleted_at IS NULL" + window + where + ")"
            " GROUP BY 1",
            [municipality_id, *bounds, *params],
        ).fetchall()
    )
    return received, completed, channels


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
    window, bounds = _within("a.paid_at", start, end)
    methods = [m.value for m in COUNTER_METHODS]
    return conn.execute(
        f"SELECT coalesce(s.leika_id, ''), a.payment_method, count(*) FROM {_FROM}"
        " WHERE a.municipality_id = ? AND a.deleted_at IS NULL AND a.payment_status = 'bezahlt'"
        f" AND a.payment_method IN ({', '.join('?' * len(methods))})" + window + where + " GROUP BY 1, 2",
        [municipality_id, *methods, *bounds, *params],
    ).fetchall()
