"""Legal processing deadlines (§ 31 VwVfG with § 193 BGB) for Hesse."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=64)
def _hessian_holidays(year: int) -> frozenset[dt.date]:
    import holidays  # deferred: only write paths need it, not the window's start

    return frozenset(holidays.Germany(subdiv="HE", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a public holiday in Hesse."""
    return day.weekday() < 5 and day not in _hessian_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, otherwise the next one."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def legal_deadline(received: dt.date, processing_days: int) -> dt.date:
    """The day a period of ``processing_days`` starting on receipt ends.

    The day of receipt is not counted (§ 187 BGB); a period that ends on a Saturday,
    Sunday or Hessian public holiday ends on the next working day (§ 193 BGB).
    """
    return next_working_day(received + dt.timedelta(days=processing_days))


def remaining_days(due: dt.date, paused_on: dt.date) -> int:
    """Days left of a period when the clock stops (negative when already overdue)."""
    return (due - paused_on).days


def resumed_deadline(remaining: int, resumed_on: dt.date) -> dt.date:
    """The new end of a period that resumes on ``resumed_on`` with ``remaining`` days left.

    The days spent waiting for documents do not count; the end again moves off weekends and
    Hessian holidays (§ 193 BGB). A case that was already overdue stays overdue.
    """
    end = resumed_on + dt.timedelta(days=remaining)
    return end if remaining < 0 else next_working_day(end)
