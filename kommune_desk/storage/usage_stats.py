"""Usage statistics in SQLite: raw events in, session states and counts kept current.

Whenever events arrive (a pulled page, a file import, the demo), :func:`add_events` stores the
ones not yet known and, in the caller's transaction, folds them into their sessions and moves
each changed session's marks in ``usage_counts`` (the old marks taken away, the new ones added).
The dashboard reads only ``usage_counts`` (:func:`count_rows`), so a refresh costs the same for
a thousand events as for a million. Raw events and sessions older than the retention period go
(:func:`prune`); the counts stay.
"""

from __future__ import annotations

import calendar
import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any

from kommune_desk.domain.usage import Mark, SessionState, UsageEvent, advance, marks

from .reference import get_setting, set_setting

EVENT_TABLES = ("usage_events", "usage_imported_events")
_CHUNK = 500  # SQLite's variable limit is far above; smaller IN lists stay fast
_EVENT_COLUMNS = (
    "id", "municipality_id", "leika_id", "session_id", "occurred_at", "kind", "step", "payment_method",
    "channel", "authentication", "rating",
)  # fmt: skip
_INSERT_EVENT = (
    f"INSERT INTO {{table}} ({', '.join(_EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(_EVENT_COLUMNS))})"
)
_SESSION_COLUMNS = (
    "leika_id", "started_on", "highest_step", "submitted", "payment_method", "rating", "rated_at",
    "channel", "channel_at", "authentication", "authentication_at", "last_event_at",
)  # fmt: skip


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _known_ids(conn: sqlite3.Connection, table: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(ids):
        marks_ = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks_})", chunk))
    return found


@lru_cache(maxsize=65_536)  # a session's events share their minutes
def _stored_moment(moment: dt.datetime) -> str:
    return moment.isoformat()


def event_row(municipality_id: str, event: UsageEvent, occurred_at: str | None = None) -> tuple[object, ...]:
    """The row of ``event`` (``occurred_at`` as stored, if it came as text from elsewhere)."""
    return (
        event.id, municipality_id, event.leika_id, event.session_id,
        occurred_at or _stored_moment(event.occurred_at), event.kind, event.step, event.payment_method,
        event.channel, event.authentication, event.rating,
    )  # fmt: skip


def add_events(
    conn: sqlite3.Connection,
    municipality_id: str,
    events: Iterable[UsageEvent],
    *,
    table: str = "usage_events",
    stored_as: dict[str, str] | None = None,
    counted_from: dt.datetime | None = None,
) -> int:
    """Store the events not yet in ``table`` and count them in; returns how many were new.

    ``stored_as`` maps an event id to its ``occurred_at`` text as the server has it (a pulled row
    is kept exactly as sent). Events before ``counted_from`` (the retention cut-off) are stored
    but never counted again: their sessions were counted before the raw events went.
    """
    assert table in EVENT_TABLES
    unique = {event.id: event for event in events}
    fresh = list(unique.values())
    stored_as = stored_as or {}
    insert = _INSERT_EVENT.format(table=table)
    # Mostly every event is new: insert them at once, and only if one is known already, look
    # up which ones are and insert the rest.
    conn.execute("SAVEPOINT add_events")
    try:
        conn.executemany(insert, [event_row(municipality_id, e, stored_as.get(e.id)) for e in fresh])
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO SAVEPOINT add_events")
        known = _known_ids(conn, table, list(unique))
        fresh = [e for i, e in unique.items() if i not in known]
        conn.executemany(insert, [event_row(municipality_id, e, stored_as.get(e.id)) for e in fresh])
    finally:
        conn.execute("RELEASE SAVEPOINT add_events")
    if not fresh:
        return 0
    counted = [e for e in fresh if counted_from is None or e.occurred_at >= counted_from]
    _count_in(conn, municipality_id, counted)
    return len(fresh)


def add_pulled_events(conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Store pulled ``usage_events`` rows exactly as the server sent them and count the new ones
    in (a row the server has twice, after a rebuild for instance, is counted once)."""
    from kommune_desk.domain.usage import event_from_row

    new = 0
    cutoff = retention_cutoff(conn)
    by_town: dict[str, list[UsageEvent]] = {}
    raw: dict[str, dict[str, Any]] = {}
    unreadable = []
    for row in rows:
        raw[str(row.get("id"))] = row
        values = tuple(map(row.get, _EVENT_COLUMNS))  # a snapshot has ~100,000 of them
        event = event_from_row(values[:1] + values[2:])
        if event is None:
            unreadable.append(values)  # kept as the server has it, never counted
        else:
            by_town.setdefault(str(row.get("municipality_id")), []).append(event)
    conn.executemany(_INSERT_EVENT.format(table="usage_events") + " ON CONFLICT (id) DO NOTHING", unreadable)
    for municipality_id, events in by_town.items():
        stored_as = {e.id: str(raw[e.id]["occurred_at"]) for e in events}
        new += add_events(conn, municipality_id, events, stored_as=stored_as, counted_from=cutoff)
    return new


def _count_in(conn: sqlite3.Connection, municipality_id: str, events: Sequence[UsageEvent]) -> None:
    """Fold ``events`` into their sessions and move the sessions' marks in ``usage_counts``."""
    if not events:
        return
    before = _sessions(conn, municipality_id, sorted({e.session_id for e in events}))
    after = dict(before)
    for event in sorted(events, key=attrgetter("occurred_at")):
        after[event.session_id] = advance(after.get(event.session_id), event)
    delta: Counter[Mark] = Counter()
    changed = []
    for session_id, state in after.items():
        old = before.get(session_id)
        if state == old:
            continue
        changed.append((municipality_id, session_id, *_session_values(state)))
        delta.subtract(marks(old))
        delta.update(marks(state))
    conn.executemany(
        f"INSERT INTO usage_sessions (municipality_id, session_id, {', '.join(_SESSION_COLUMNS)})"
        f" VALUES (?, ?, {', '.join('?' * len(_SESSION_COLUMNS))})"
        " ON CONFLICT (municipality_id, session_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in _SESSION_COLUMNS),
        changed,
    )
    conn.executemany(
        "INSERT INTO usage_counts (municipality_id, day, leika_id, channel, metric, key, sessions)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (municipality_id, day, leika_id, channel, metric, key)"
        " DO UPDATE SET sessions = sessions + excluded.sessions",
        [(municipality_id, day.isoformat(), *rest, n) for (day, *rest), n in delta.items() if n],
    )


@lru_cache(maxsize=65_536)
def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment else None


def _session_values(state: SessionState) -> tuple[object, ...]:
    return (
        state.leika_id, state.started_on.isoformat() if state.started_on else None, state.highest_step,
        int(state.submitted), state.payment_method, state.rating, _iso(state.rated_at), state.channel,
        _iso(state.channel_at), state.authentication, _iso(state.authentication_at),
        _iso(state.last_event_at),
    )  # fmt: skip


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _sessions(conn: sqlite3.Connection, municipality_id: str, ids: Sequence[str]) -> dict[str, SessionState]:
    found = {}
    for chunk in _chunks(ids):
        rows = conn.execute(
            f"SELECT session_id, {', '.join(_SESSION_COLUMNS)} FROM usage_sessions"
            f" WHERE municipality_id = ? AND session_id IN ({','.join('?' * len(chunk))})",
            (municipality_id, *chunk),
        )
        for session_id, leika, started, step, submitted, method, rating, rated, *rest in rows:
            channel, channel_at, auth, auth_at, last = rest
            found[session_id] = SessionState(
                leika, dt.date.fromisoformat(started) if started else None, step, bool(submitted), method,
                rating, _moment(rated), channel, _moment(channel_at), auth, _moment(auth_at), _moment(last),
            )  # fmt: skip
    return found


def absorb_stored_events(conn: sqlite3.Connection) -> None:
    """Count every stored event in (once, when the counts are created by migration 7)."""
    from kommune_desk.domain.usage import event_from_row

    for table in EVENT_TABLES:
        cursor = conn.execute(
            f"SELECT {', '.join(_EVENT_COLUMNS)} FROM {table} ORDER BY municipality_id, session_id"
        )
        while rows := cursor.fetchmany(20_000):
            by_town: dict[str, list[UsageEvent]] = {}
            for row in rows:
                event = event_from_row(row[:1] + row[2:])
                if event is not None:
                    by_town.setdefault(row[1], []).append(event)
            for municipality_id, events in by_town.items():
                _count_in(conn, municipality_id, events)


RETENTION_SETTING = "statistik.rohdaten_monate"
DEFAULT_RETENTION_MONTHS = 24


def retention_months(conn: sqlite3.Connection) -> int:
    """How long raw events are kept (the counts stay for ever)."""
    value = get_setting(conn, RETENTION_SETTING)
    return int(value) if value and value.isdigit() and int(value) > 0 else DEFAULT_RETENTION_MONTHS


def retention_cutoff(conn: sqlite3.Connection, now: dt.datetime | None = None) -> dt.datetime:
    """The moment before which raw events are no longer kept (nor counted when they come again)."""
    now = now or dt.datetime.now(dt.UTC)
    months = now.year * 12 + now.month - 1 - retention_months(conn)
    year, month = divmod(months, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def prune(conn: sqlite3.Connection, before: dt.datetime) -> int:
    """Delete raw events and sessions older than ``before``; the counts stay. Returns the events
    deleted."""
    cutoff = before.astimezone(dt.UTC).isoformat()
    deleted = 0
    for table in EVENT_TABLES:
        sql = f"DELETE FROM {table} WHERE julianday(occurred_at) < julianday(?)"
        deleted += conn.execute(sql, (cutoff,)).rowcount
    conn.execute("DELETE FROM usage_sessions WHERE last_event_at < ?", (cutoff,))
    return deleted


PRUNED_SETTING = "statistik.rohdaten_bereinigt_am"


def prune_if_due(conn: sqlite3.Connection, now: dt.datetime | None = None) -> int | None:
    """:func:`prune` at most once a day (it reads every raw event); None if it was not due."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.date().isoformat()
    if get_setting(conn, PRUNED_SETTING) == today:
        return None
    deleted = prune(conn, retention_cutoff(conn, now))
    set_setting(conn, PRUNED_SETTING, today)
    return deleted


def has_counts(conn: sqlite3.Connection, municipality_id: str) -> bool:
    """Whether any usage of the town was counted yet."""
    sql = "SELECT 1 FROM usage_counts WHERE municipality_id = ? LIMIT 1"
    return conn.execute(sql, (municipality_id,)).fetchone() is not None


def counted_services(conn: sqlite3.Connection, municipality_id: str) -> set[str]:
    """The LeiKa ids the town's counts name."""
    rows = conn.execute(
        "SELECT DISTINCT leika_id FROM usage_counts WHERE municipality_id = ?", (municipality_id,)
    )
    return {row[0] for row in rows}


@dataclass(frozen=True, slots=True)
class CountRow:
    """Sessions started in one month of one service and channel, under one mark."""

    month: str  # YYYY-MM
    leika_id: str
    channel: str
    metric: str
    key: str
    sessions: int


def count_rows(
    conn: sqlite3.Connection,
    municipality_id: str,
    first_day: dt.date,
    last_day: dt.date,
    *,
    leika_id: str | None = None,
    channel: str | None = None,
    metrics: tuple[str, ...] | None = None,
    by_month: bool = True,
) -> list[CountRow]:
    """The counts of the sessions started from ``first_day`` to ``last_day``, per month (or, not
    ``by_month``, for the whole span: ``month`` is then ""), of every metric or of ``metrics``."""
    month = "substr(day, 1, 7)" if by_month else "''"
    sql = (
        f"SELECT {month}, leika_id, channel, metric, key, sum(sessions) FROM usage_counts"
        " WHERE municipality_id = ? AND day BETWEEN ? AND ?"
    )
    params: list[object] = [municipality_id, first_day.isoformat(), last_day.isoformat()]
    if leika_id is not None:
        sql += " AND leika_id = ?"
        params.append(leika_id)
    if channel is not None:
        sql += " AND channel = ?"
        params.append(channel)
    if metrics is not None:
        sql += f" AND metric IN ({', '.join('?' * len(metrics))})"
        params.extend(metrics)
    sql += " GROUP BY 1, 2, 3, 4, 5 HAVING sum(sessions) <> 0"
    return [CountRow(*row) for row in conn.execute(sql, params)]
