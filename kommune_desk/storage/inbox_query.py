"""SQL for the Posteingang's views, filters and search (the rules come from domain/inbox_views)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from typing import Any

from kommune_desk.domain.formatting import local_day_start_utc
from kommune_desk.domain.inbox_views import (
    CLOSED_STATUSES,
    DEADLINE_WARNING_DAYS,
    NEW_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    UNASSIGNED,
    InboxFilter,
    InboxView,
)
from kommune_desk.domain.records import ApplicationStatus

from .search import fts_query

Clause = tuple[str, list[Any]]


def _in(column: str, statuses: Iterable[ApplicationStatus]) -> Clause:
    values = sorted(s.value for s in statuses)
    return f"{column} IN ({', '.join('?' for _ in values)})", values


def view_clause(view: InboxView, clerk_id: str | None, today: dt.date) -> Clause:
    """The WHERE condition (on alias ``a``) of a standard view."""
    if view is InboxView.ALLE:
        return "1", []
    if view is InboxView.NEU:
        return _in("a.status", NEW_STATUSES)
    if view is InboxView.MEINE:
        sql, params = _in("a.status", OPEN_STATUSES)
        return f"a.assignee_id = ? AND {sql}", [clerk_id, *params]
    if view is InboxView.TEAM:
        return _in("a.status", OPEN_STATUSES)
    if view is InboxView.WARTET:
        return "a.status = ?", [ApplicationStatus.WARTET_AUF_UNTERLAGEN.value]
    if view is InboxView.FREIGABE:
        return "a.status = ?", [ApplicationStatus.ENTSCHEIDUNG_ENTWORFEN.value]
    if view is InboxView.WIEDERVORLAGE:
        sql, params = _in("a.status", OPEN_STATUSES)
        return f"a.follow_up_on <= ? AND {sql}", [today.isoformat(), *params]
    if view is InboxView.FRIST_BALD:
        sql, params = _in("a.status", RUNNING_STATUSES)
        soon = today + dt.timedelta(days=DEADLINE_WARNING_DAYS)
        return f"a.due_date BETWEEN ? AND ? AND {sql}", [today.isoformat(), soon.isoformat(), *params]
    if view is InboxView.UEBERFAELLIG:
        sql, params = _in("a.status", RUNNING_STATUSES)
        return f"a.due_date < ? AND {sql}", [today.isoformat(), *params]
    return _in("a.status", CLOSED_STATUSES)


def filter_clause(query: InboxFilter, clerk_id: str | None, today: dt.date) -> Clause | None:
    """The WHERE condition of a whole filter, or None when the typed text can find nothing."""
    parts: list[str] = []
    params: list[Any] = []

    def add(clause: Clause) -> None:
        parts.append(clause[0])
        params.extend(clause[1])

    add(view_clause(query.view, clerk_id, today))
    if query.statuses:
        add(_in("a.status", query.statuses))
    if query.service_id:
        add(("a.service_id = ?", [query.service_id]))
    if query.assignee_id == UNASSIGNED:
        add(("a.assignee_id IS NULL", []))
    elif query.assignee_id:
        add(("a.assignee_id = ?", [query.assignee_id]))
    if query.received_from:
        add(("a.received_at >= ?", [local_day_start_utc(query.received_from)]))
    if query.received_to:
        add(("a.received_at < ?", [local_day_start_utc(query.received_to + dt.timedelta(days=1))]))
    if query.text.strip():
        match = fts_query(query.text)
        if match is None:
            return None
        # The match is computed once as a set; a join would let SQLite walk the applications in
        # display order and run MATCH per row (85 s for one letter on 100,000).
        add(("a.rowid IN (SELECT rowid FROM applications_fts WHERE applications_fts MATCH ?)", [match]))
    return " AND ".join(parts), params


def view_counts(
    conn: sqlite3.Connection, municipality_id: str, clerk_id: str | None, today: dt.date
) -> dict[InboxView, int]:
    """How many applications each standard view holds.

    One small query per view lets SQLite use the index that fits each (≈ 15 ms on 100,000);
    a single pass with a sum per view reads every row (≈ 190 ms).
    """
    counts = {}
    for view in InboxView:
        sql, params = view_clause(view, clerk_id, today)
        counts[view] = conn.execute(
            "SELECT count(*) FROM applications a"
            f" WHERE a.municipality_id = ? AND a.deleted_at IS NULL AND {sql}",
            [municipality_id, *params],
        ).fetchone()[0]
    return counts
