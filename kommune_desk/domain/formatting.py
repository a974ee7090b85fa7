"""German display formats: 24.11.2026, 1.234,50 €."""

from __future__ import annotations

import datetime as dt

from .clock import now_utc


def utc_now_iso() -> str:
    """The current time as stored: ISO 8601 in UTC, seconds precision (a replay's, in one)."""
    return now_utc().isoformat(timespec="seconds")


def parse_timestamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def format_date(value: dt.date) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def local_date(value: dt.datetime) -> dt.date:
    return (value.astimezone() if value.tzinfo else value).date()


def format_amount(cents: int) -> str:
    """``123450`` → ``1.234,50 €``."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"


def format_count(value: int) -> str:
    """``100000`` → ``100.000``."""
    return f"{value:,}".replace(",", ".")


def count_noun(value: int, singular: str, plural: str) -> str:
    """``1 Antrag``, ``2.000 Anträge``."""
    return f"{format_count(value)} {singular if value == 1 else plural}"


def format_decimal(value: float, digits: int = 1) -> str:
    """``0.25`` → ``0,3`` (German decimal comma)."""
    return f"{value:.{digits}f}".replace(".", ",")


def format_percent(fraction: float, digits: int = 1) -> str:
    """``0.125`` → ``12,5 %`` (a no-break space before the sign, as DIN 5008 writes it)."""
    return f"{format_decimal(fraction * 100, digits)}\u00a0%"


# Duden's abbreviations; the short months stay whole.
_MONTHS = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")
MONTH_NAMES = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
    "November", "Dezember",
)  # fmt: skip


def format_month(day: dt.date) -> str:
    """``2026-11-…`` → ``Nov. 2026``."""
    return f"{_MONTHS[day.month - 1]} {day.year}"


def local_day_start_utc(day: dt.date) -> str:
    """Midnight at the start of a local calendar day, as a stored UTC timestamp."""
    local_midnight = dt.datetime(day.year, day.month, day.day).astimezone()
    return local_midnight.astimezone(dt.UTC).isoformat(timespec="seconds")
