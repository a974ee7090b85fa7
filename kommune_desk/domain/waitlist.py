"""The waiting list of the pool: who gets a device of a type that comes back or becomes free.

Entries are kept per device type and period, in the order they were made (then by id). When
a device comes back or a booking is cancelled, the first waiting entry whose period the device
can still serve is offered that device for a pickup window; an offer not taken up in time
expires and the device moves on to the next entry. An offered device is held for the entry:
nobody else can book those days while the offer runs.

The entry names the waiting town, never the person (that stays in the town's own data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .formatting import format_date
from .pool import Booking

WAITING = "wartend"
OFFERED = "angeboten"
DONE = "erledigt"
EXPIRED = "abgelaufen"
CANCELLED = "storniert"
OPEN_STATUSES = frozenset({WAITING, OFFERED})
STATUS_LABELS = {
    WAITING: "wartet",
    OFFERED: "Gerät angeboten",
    DONE: "erledigt",
    EXPIRED: "abgelaufen",
    CANCELLED: "storniert",
}


@dataclass(frozen=True)
class WaitEntry:
    """One entry of the waiting list as the pool sees it."""

    id: str
    municipality_id: str
    category: str
    start: dt.date
    end: dt.date
    status: str
    created_at: str
    offered_device_id: str | None = None
    offer_until: dt.date | None = None
    passed_over: tuple[str, ...] = ()  # devices this entry let go (declined or expired)


def queue(entries: Iterable[WaitEntry], category: str) -> list[WaitEntry]:
    """The waiting entries of a type, first come first."""
    waiting = [e for e in entries if e.category == category and e.status == WAITING]
    return sorted(waiting, key=lambda e: (e.created_at, e.id))


def wanted_period(entry: WaitEntry, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days the entry still wants from ``today`` on, or None once its period is over."""
    if entry.end < today:
        return None
    return max(entry.start, today), entry.end


def offer_expired(entry: WaitEntry, today: dt.date) -> bool:
    """An offer not taken up by the end of its pickup window."""
    return entry.status == OFFERED and entry.offer_until is not None and entry.offer_until < today


def period_over(entry: WaitEntry, today: dt.date) -> bool:
    return entry.status in OPEN_STATUSES and entry.end < today


def offer_deadline(today: dt.date, pickup_days: int) -> dt.date:
    """The last day an offer made today can be taken up."""
    return today + dt.timedelta(days=pickup_days)


def choose_entry(
    entries: Iterable[WaitEntry],
    category: str,
    device_id: str,
    is_free: Callable[[dt.date, dt.date], bool],
    today: dt.date,
) -> WaitEntry | None:
    """The first waiting entry of ``category`` the device can serve, or None.

    An entry that already let this device go is skipped for it; so is one whose period is over
    or whose days the device is not free for.
    """
    for entry in queue(entries, category):
        if device_id in entry.passed_over:
            continue
        period = wanted_period(entry, today)
        if period is not None and is_free(*period):
            return entry
    return None


def hold(entry: WaitEntry, today: dt.date) -> Booking | None:
    """The days a running offer holds its device, as a booking; None if nothing is held."""
    if entry.status != OFFERED or not entry.offered_device_id or offer_expired(entry, today):
        return None
    period = wanted_period(entry, today)
    if period is None:
        return None
    start, end = period
    return Booking(entry.id, entry.offered_device_id, start, end, "reserviert", entry.municipality_id)


def waiting_for(entries: Iterable[WaitEntry], category: str, start: dt.date, end: dt.date) -> list[WaitEntry]:
    """Open entries of ``category`` that want any day of ``start``–``end``."""
    return [
        e for e in entries
        if e.category == category and e.status in OPEN_STATUSES and e.start <= end and start <= e.end
    ]  # fmt: skip


def period_problem(start: dt.date, end: dt.date, today: dt.date) -> str | None:
    """Why a waiting-list period makes no sense, in German, or None."""
    if end < start:
        return "Das Ende des gewünschten Zeitraums liegt vor seinem Beginn."
    if end < today:
        return f"Der gewünschte Zeitraum ist bereits vorbei (heute ist der {format_date(today)})."
    return None
