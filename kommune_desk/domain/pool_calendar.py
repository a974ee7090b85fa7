"""What the pool calendar shows: one row per device, its bookings as bars over whole days.

Pure data for the month and week views (``ui/geraeteverleih``) and their benchmark: the
services fill it from the database, the widget only paints it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip
WEEKDAY_SHORT = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")

# What a bar stands for: a reservation, a device out, an offer to a waiting borrower, a return.
RESERVED, LENT, OFFERED, RETURNED = "reserviert", "ausgegeben", "angeboten", "zurueckgegeben"


@dataclass(frozen=True)
class CalendarBar:
    """A booking in the calendar; ``label`` is the borrower for the own town, else the town."""

    loan_id: str
    start: dt.date
    end: dt.date
    kind: str  # RESERVED, LENT, OFFERED or RETURNED
    town: str
    label: str
    own: bool  # booked by this office's town: highlighted
    provisional: bool  # not yet confirmed by the server (vorläufig)
    overdue: bool = False


@dataclass(frozen=True)
class CalendarRow:
    """A device and its bars inside the shown days."""

    device_id: str
    inventory_number: str
    name: str
    category: str
    status: str  # the device's own status (verfuegbar, wartung, vermisst, ausgemustert)
    location: str
    bars: tuple[CalendarBar, ...]


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def week_range(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week ``day`` is in."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def month_title(first: dt.date) -> str:
    return f"{MONTHS[first.month - 1]} {first.year}"


def week_title(monday: dt.date) -> str:
    """``KW 50 · 07.12.–13.12.2026``."""
    sunday = monday + dt.timedelta(days=6)
    week = monday.isocalendar()[1]
    return f"KW {week} · {monday:%d.%m.}–{sunday:%d.%m.%Y}"
