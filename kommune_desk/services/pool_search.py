"""Finding a device: which are free for some days, nearest first, and when one is free next;
and the pool calendar's rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kommune_desk.domain import pool
from kommune_desk.domain.pool import Booking
from kommune_desk.domain.pool_calendar import CalendarRow
from kommune_desk.domain.pool_towns import town_distance
from kommune_desk.domain.waitlist import hold
from kommune_desk.storage import pool_search as repo
from kommune_desk.storage import waitlist as wait_repo

from .workspace import Workspace

__all__ = ["Availability", "FreeOffer", "calendar_rows", "find_free"]

HORIZON_DAYS = 365


@dataclass(frozen=True)
class FreeOffer:
    """A free device and how far its current place is from the asking town."""

    device_id: str
    inventory_number: str
    name: str
    location: str
    distance_km: float | None


@dataclass(frozen=True)
class Availability:
    """The answer of a search: free devices nearest first, or the next free period of the type."""

    category: str
    start: dt.date
    end: dt.date
    free: list[FreeOffer]
    next_start: dt.date | None = None  # when none is free: the earliest start of an equally long period
    next_device: str | None = None  # its inventory number


def find_free(
    ws: Workspace,
    category: str,
    start: dt.date,
    end: dt.date,
    near_ags: str | None = None,
    today: dt.date | None = None,
) -> Availability:
    """Devices of ``category`` free from ``start`` to ``end``, ordered by distance to ``near_ags``
    (default: this town); when none is, the next period of the same length that is free."""
    day = today or dt.date.today()
    problem = pool.period_problem(start, end, day)
    if problem:
        raise pool.PoolError(problem)
    origin = near_ags or ws.municipality.ags
    conn = ws.db.reader()
    try:
        free = repo.free_devices(conn, category, start, end, day)
        offers = [
            FreeOffer(
                f.device_id,
                f.inventory_number,
                f.name,
                f.location_name,
                town_distance(origin, f.location_ags),
            )
            for f in free
        ]
        # Unknown places last; equal distances by inventory number (the query's order, kept by sort).
        offers.sort(key=lambda o: (o.distance_km is None, o.distance_km or 0.0))
        if offers:
            return Availability(category, start, end, offers)
        bookings = repo.category_bookings(conn, category, day)
        holds = [h for e in wait_repo.open_entries(conn, category) if (h := hold(e, day)) is not None]
        places = repo.category_places(conn, category)
    finally:
        conn.close()
    distance = {device: town_distance(origin, ags) for device, (_, ags) in places.items()}
    found = next_free_period(bookings, holds, start, end, day, distance)
    if found is None:
        return Availability(category, start, end, [])
    return Availability(category, start, end, [], found[0], places[found[1]][0])


def next_free_period(
    bookings: dict[str, list[Booking]],
    holds: list[Booking],
    start: dt.date,
    end: dt.date,
    today: dt.date,
    distance: dict[str, float | None] | None = None,
) -> tuple[dt.date, str] | None:
    """The earliest start after ``start`` of a period as long as ``start``–``end`` that some
    device is free for (by the domain's rules), and that device's id (the nearest by
    ``distance`` of those free that day); None within a year."""
    length = (end - start).days
    best: tuple[dt.date, str] | None = None

    def nearness(device_id: str) -> tuple[bool, float]:
        km = (distance or {}).get(device_id)
        return km is None, km or 0.0

    for device_id, device_bookings in sorted(bookings.items(), key=lambda item: nearness(item[0])):
        others = device_bookings + [h for h in holds if h.device_id == device_id]
        if any(pool.is_overdue(b, today) for b in others):
            continue  # nobody knows when it is back
        day = start + dt.timedelta(days=1)
        limit = start + dt.timedelta(days=HORIZON_DAYS)
        while day <= limit and (best is None or day < best[0]):
            candidate = Booking("?", device_id, day, day + dt.timedelta(days=length), "reserviert", "")
            clashes = pool.overlapping(candidate, others)
            if not clashes:
                best = (day, device_id)
                break
            day = max(c.end for c in clashes) + dt.timedelta(days=1)
    return best


def calendar_rows(
    ws: Workspace,
    first: dt.date,
    last: dt.date,
    category: str | None = None,
    today: dt.date | None = None,
    device_id: str | None = None,
) -> list[CalendarRow]:
    """The pool calendar between ``first`` and ``last``: every device (of a type, or one) and its bars."""
    conn = ws.db.reader()
    try:
        return repo.calendar_rows(
            conn, ws.municipality.id, first, last, today or dt.date.today(), category, device_id
        )
    finally:
        conn.close()
