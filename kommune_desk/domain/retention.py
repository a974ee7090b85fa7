"""How long a borrower's personal data is kept after their last closed loan.

A borrower's data is needed while a loan is open and for a while after (damage, a late
claim); then it is anonymised. ``retain_until`` is the last day it may be kept: the day of the
last return or cancellation plus the configured months. Retention runs on the day after.
"""

from __future__ import annotations

import calendar
import datetime as dt

DEFAULT_RETENTION_MONTHS = 12
ANONYMISED_NAME = "(gelöscht)"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def retain_until(closed_on: dt.date, months: int = DEFAULT_RETENTION_MONTHS) -> dt.date:
    """The last day a borrower's data may be kept after a loan closed on ``closed_on``."""
    return add_months(closed_on, months)


def is_due(retain_until_day: dt.date | None, today: dt.date) -> bool:
    """Whether retention removes the data today; None means a loan is still open."""
    return retain_until_day is not None and retain_until_day < today


def months_problem(months: int) -> str | None:
    if not 1 <= months <= 120:
        return "Die Aufbewahrungsfrist muss zwischen 1 und 120 Monaten liegen."
    return None
