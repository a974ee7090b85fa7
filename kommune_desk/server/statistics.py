"""The Kreisvergleich on the server: suppressed figures across towns, computed from the rows the
server holds and cached.

Each town is tallied on its own (its scope's ``usage_events``, ``applications`` and
``services``), per service and month; its sessions are folded with the office's own rules
(domain.usage), the rates and the publication rule are domain.comparison's. What leaves this
module is only the published figures: period, service, metric, the number of contributing towns,
median and quartiles. Never a count, a session, an event or a town.

Going through every event is not done per request: the payload is kept in ``comparison_cache``
and computed again when it is older than :data:`MAX_AGE`. The rows are read page by page in short
transactions, so pushes and pulls go on meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from kommune_desk.domain.comparison import (
    ONLINE_CHANNEL,
    Tally,
    figure_json,
    kreis_figures,
    month_key,
    processing_days,
)
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.replication import municipality_scope
from kommune_desk.domain.usage import (
    LOCAL_TIME,
    STARTED,
    SUBMITTED,
    SessionState,
    advance,
    event_from_row,
    local_day,
    marks,
    parse_moment,
)

from .db import ServerDatabase

log = logging.getLogger("kommune_desk.server")

MAX_AGE = dt.timedelta(hours=1)
CACHE_NAME = "kreisvergleich"
_PAGE = 5000
_KINDS = ("usage_events", "applications", "services")
_EVENT_FIELDS = (
    "id", "leika_id", "session_id", "occurred_at", "kind", "step", "payment_method", "channel",
    "authentication", "rating",
)  # fmt: skip
_refreshing = threading.Lock()


def _rows(db: ServerDatabase, scope: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(kind, data, deleted) of the scope's rows of the wanted kinds, page by page, each page in
    its own short transaction (a row changed meanwhile comes again, with its newer version)."""
    after = 0
    kinds = ", ".join("?" * len(_KINDS))
    while True:
        with db.transaction() as tx:
            page = tx.all(
                f"SELECT kind, data, deleted, version FROM entities WHERE scope = ? AND version > ?"
                f" AND kind IN ({kinds}) ORDER BY version LIMIT ?",
                (scope, after, *_KINDS, _PAGE),
            )
        for kind, data, deleted, _version in page:
            yield kind, json.loads(data), bool(deleted)
        if len(page) < _PAGE:
            return
        after = int(page[-1][3])


def _moment(value: object) -> dt.datetime | None:
    return parse_moment(value) if isinstance(value, str) else None


def _month(moment: dt.datetime) -> str:
    day = local_day(moment)
    return month_key(day.year, day.month)


def town_tallies(db: ServerDatabase, municipality_id: str) -> dict[tuple[str, str], Tally]:
    """One town's tallies per (LeiKa id, month key); "" for cases without a service."""
    sessions: dict[str, SessionState] = {}
    cases: dict[str, dict[str, Any]] = {}
    services: dict[str, str] = {}
    for kind, data, deleted in _rows(db, municipality_scope(municipality_id)):
        if kind == "usage_events":
            event = event_from_row(tuple(data.get(name) for name in _EVENT_FIELDS))
            if event is not None:  # folding is idempotent: an event seen twice changes nothing
                sessions[event.session_id] = advance(sessions.get(event.session_id), event)
        elif kind == "services" and isinstance(data.get("id"), str):
            services[data["id"]] = str(data.get("leika_id") or "")
        elif kind == "applications" and isinstance(data.get("id"), str):
            if deleted or data.get("deleted_at"):
                cases.pop(data["id"], None)
            else:
                cases[data["id"]] = data
    tallies: dict[tuple[str, str], Tally] = {}

    def tally(leika_id: str, month: str) -> Tally:
        return tallies.setdefault((leika_id, month), Tally())

    for state in sessions.values():
        for day, leika_id, _channel, metric, _key in marks(state):
            if metric == STARTED:
                tally(leika_id, month_key(day.year, day.month)).started += 1
            elif metric == SUBMITTED:
                tally(leika_id, month_key(day.year, day.month)).submitted += 1
    for case in cases.values():
        leika_id = services.get(str(case.get("service_id")), "")
        received = _moment(case.get("received_at"))
        if received is not None:
            counted = tally(leika_id, _month(received))
            counted.received += 1
            counted.online += int(case.get("channel") == ONLINE_CHANNEL)
        completed = _moment(case.get("completed_at"))
        days = processing_days(case.get("received_at"), case.get("completed_at"))
        if completed is not None and days is not None:
            tally(leika_id, _month(completed)).durations.append(days)
    return tallies


def compute(db: ServerDatabase, today: dt.date | None = None) -> dict[str, Any]:
    """The comparison payload now: ``computed_at`` and the ``figures``."""
    started = time.perf_counter()
    with db.transaction() as tx:
        towns = [row[0] for row in tx.all("SELECT id FROM municipalities ORDER BY id")]
    today = today or dt.datetime.now(LOCAL_TIME).date()
    figures = kreis_figures((town_tallies(db, town) for town in towns), today)
    log.info(
        "Kreisvergleich berechnet: %d Kennzahlen in %.0f ms", len(figures),
        (time.perf_counter() - started) * 1000,
    )  # fmt: skip
    return {"computed_at": utc_now_iso(), "figures": [figure_json(f) for f in figures]}


def refresh(db: ServerDatabase, today: dt.date | None = None) -> str:
    """Compute the comparison now and keep it; return the payload as JSON text."""
    payload = compute(db, today)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO comparison_cache (name, computed_at, payload) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET computed_at = excluded.computed_at,"
            " payload = excluded.payload",
            (CACHE_NAME, payload["computed_at"], text),
        )
    return text


def current(db: ServerDatabase, max_age: dt.timedelta = MAX_AGE) -> str:
    """The kept payload (JSON text) if it is younger than ``max_age``, else a fresh one; one
    computation at a time, the others wait for it and take its result."""
    cached = _fresh(db, max_age)
    if cached is not None:
        return cached
    with _refreshing:
        cached = _fresh(db, max_age)
        return cached if cached is not None else refresh(db)


def _fresh(db: ServerDatabase, max_age: dt.timedelta) -> str | None:
    with db.transaction() as tx:
        row = tx.one("SELECT computed_at, payload FROM comparison_cache WHERE name = ?", (CACHE_NAME,))
    if row is None:
        return None
    computed = parse_moment(row[0])
    now = dt.datetime.now(dt.UTC)
    if computed is None or not now - max_age < computed <= now + dt.timedelta(minutes=5):
        return None  # too old, or from a clock that was set wrong
    return str(row[1])
