"""Kreisvergleich: how the towns of the Kreis compare, without one town learning another's counts.

The sync server tallies each town per service (LeiKa id) and calendar month (German time):
sessions started and submitted (the office's own definitions: :func:`domain.usage.advance` and
:func:`domain.usage.marks`), cases received and received online (channel ``fit_connect``), and
the processing days of the cases completed (receipt → completion in German calendar days).

For a period (a calendar month ``2026-07``, quarter ``2026-Q3`` or year ``2026``) a town has at
most one value per metric, and it *contributes* that value only where its own dashboard would
show it (:func:`town_values`):

- ``abbruchquote`` = (gestartet − abgeschickt) ÷ gestartet: gestartet ≥ 5 and neither
  abgeschickt nor abgebrochen a small count (1–4);
- ``online_anteil`` = received online ÷ received: received ≥ 5 and neither part small;
- ``bearbeitungstage``: the median processing days of at least 5 completed cases.

A figure (median, first and third quartile across the contributing towns) is published only if
at least :data:`MIN_TOWNS` towns contribute. Only these rates and day counts travel, rounded
(:data:`RATE_DIGITS`, :data:`DAY_DIGITS`), never a count, a session or an id. With exactly two
towns each can work out the other's value from the median: it is a value the other town's
office shows on its own dashboard anyway (above suppression), and the rounding keeps its counts
from being read off the value as a fraction.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .statistics import SMALLEST_SHOWN, TOTAL, is_small, median
from .usage import local_day, parse_moment

ABANDONMENT = "abbruchquote"
ONLINE_SHARE = "online_anteil"
PROCESSING_DAYS = "bearbeitungstage"
METRICS = (ABANDONMENT, ONLINE_SHARE, PROCESSING_DAYS)
RATES = frozenset({ABANDONMENT, ONLINE_SHARE})
ONLINE_CHANNEL = "fit_connect"
MIN_TOWNS = 2
PUBLISHED_MONTHS = 24
RATE_DIGITS = 3  # a tenth of a percentage point
DAY_DIGITS = 1

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


# --- periods ---------------------------------------------------------------------------------


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def quarter_key(year: int, month: int) -> str:
    """The key of the quarter that holds ``month``."""
    return f"{year:04d}-Q{(month - 1) // 3 + 1}"


def year_key(year: int) -> str:
    return f"{year:04d}"


def period_months(key: str) -> tuple[tuple[int, int], ...] | None:
    """The (year, month) pairs of a period key; None if it is not one."""
    found = _PERIOD.match(key) if isinstance(key, str) else None
    if found is None:
        return None
    year = int(found.group(1))
    if found.group(2):
        return ((year, int(found.group(2))),)
    if found.group(3):
        first = (int(found.group(3)) - 1) * 3 + 1
        return tuple((year, m) for m in range(first, first + 3))
    return tuple((year, m) for m in range(1, 13))


def period_key(first: dt.date, last: dt.date) -> str | None:
    """The key of the period from ``first`` to ``last`` if it is exactly one calendar month,
    quarter or year; None otherwise."""
    if first.day != 1 or last.year != first.year or (last + dt.timedelta(days=1)).day != 1:
        return None
    months = last.month - first.month + 1
    if months == 1:
        return month_key(first.year, first.month)
    if months == 3 and first.month % 3 == 1:
        return quarter_key(first.year, first.month)
    if months == 12:
        return year_key(first.year)
    return None


def published_periods(today: dt.date, months: int = PUBLISHED_MONTHS) -> list[str]:
    """Every month of the last ``months`` months up to ``today``'s, and every quarter and year
    that holds one of them; the oldest first."""
    index = today.year * 12 + today.month - 1
    keys: dict[str, None] = {}
    for back in range(months - 1, -1, -1):
        year, month = divmod(index - back, 12)
        month += 1
        for key in (year_key(year), quarter_key(year, month), month_key(year, month)):
            keys.setdefault(key, None)
    return list(keys)


def periods_of_month(year: int, month: int) -> tuple[str, str, str]:
    """The month, quarter and year a month counts in."""
    return month_key(year, month), quarter_key(year, month), year_key(year)


# --- one town ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one town counted for one service (or all) in one month or period."""

    started: int = 0
    submitted: int = 0
    received: int = 0
    online: int = 0
    durations: list[int] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.started += other.started
        self.submitted += other.submitted
        self.received += other.received
        self.online += other.online
        self.durations.extend(other.durations)


def processing_days(received_at: object, completed_at: object) -> int | None:
    """German calendar days from receipt to completion (as the office's dashboard counts them);
    None if either moment cannot be read."""
    start = parse_moment(received_at) if isinstance(received_at, str) else None
    end = parse_moment(completed_at) if isinstance(completed_at, str) else None
    if start is None or end is None:
        return None
    return max(0, (local_day(end) - local_day(start)).days)


def _shown_share(part: int, whole: int) -> float | None:
    """``part ÷ whole`` where the office would show it: a whole of at least 5 and neither the
    part nor the rest a small count."""
    if whole < SMALLEST_SHOWN or is_small(part) or is_small(whole - part):
        return None
    return part / whole


def town_values(tally: Tally) -> dict[str, float]:
    """The metrics a town contributes for one service and period (see the module's rules)."""
    values: dict[str, float] = {}
    abandonment = _shown_share(tally.started - tally.submitted, tally.started)
    if abandonment is not None:
        values[ABANDONMENT] = abandonment
    online = _shown_share(tally.online, tally.received)
    if online is not None:
        values[ONLINE_SHARE] = online
    if len(tally.durations) >= SMALLEST_SHOWN:
        days = median(tally.durations)
        if days is not None:
            values[PROCESSING_DAYS] = days
    return values


def period_tallies(
    monthly: Mapping[tuple[str, str], Tally], periods: Iterable[str]
) -> dict[tuple[str, str], Tally]:
    """A town's tallies per (period key, LeiKa id), for the wanted periods, from its tallies per
    (LeiKa id, month key); the LeiKa id :data:`TOTAL` holds all services together (cases without
    a service, LeiKa id "", count there only)."""
    wanted = set(periods)
    found: dict[tuple[str, str], Tally] = {}
    for (leika_id, month), tally in monthly.items():
        months = period_months(month)
        if months is None or len(months) != 1:
            continue
        for period in periods_of_month(*months[0]):
            if period not in wanted:
                continue
            for row in (leika_id, TOTAL):
                found.setdefault((period, row), Tally()).add(tally)
    return {key: tally for key, tally in found.items() if key[1]}  # "" is no service


# --- across towns --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One published comparison figure: never a count, never an id of a town."""

    period: str
    leika_id: str
    metric: str
    towns: int  # how many towns contributed (at least MIN_TOWNS)
    median: float
    q1: float
    q3: float


def quantile(values: Sequence[float], p: float) -> float:
    """The ``p`` quantile by linear interpolation between the closest ranks (as Excel's
    QUARTILE.INKL): the median for 0.5, the quartiles for 0.25 and 0.75."""
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def published(metric: str, value: float) -> float:
    """A value as it is published: rates to a tenth of a percentage point, days to a tenth."""
    return round(value, RATE_DIGITS if metric in RATES else DAY_DIGITS)


def kreis_figures(
    towns: Iterable[Mapping[tuple[str, str], Tally]], today: dt.date, months: int = PUBLISHED_MONTHS
) -> list[Figure]:
    """The comparison figures from each town's tallies per (LeiKa id, month key), for the periods
    of :func:`published_periods`; only those with at least MIN_TOWNS contributing towns."""
    periods = published_periods(today, months)
    values: dict[tuple[str, str, str], list[float]] = {}
    for monthly in towns:
        for (period, leika_id), tally in period_tallies(monthly, periods).items():
            for metric, value in town_values(tally).items():
                values.setdefault((period, leika_id, metric), []).append(value)
    order = {key: index for index, key in enumerate(periods)}
    figures = []
    for (period, leika_id, metric), found in values.items():
        if len(found) < MIN_TOWNS:
            continue
        low, middle, high = (published(metric, quantile(found, p)) for p in (0.25, 0.5, 0.75))
        figures.append(Figure(period, leika_id, metric, len(found), middle, low, high))
    figures.sort(key=lambda f: (order[f.period], f.leika_id != TOTAL, f.leika_id, METRICS.index(f.metric)))
    return figures


# --- the wire ------------------------------------------------------------------------------


def figure_json(figure: Figure) -> dict[str, object]:
    return {
        "period": figure.period, "leika_id": figure.leika_id, "metric": figure.metric,
        "towns": figure.towns, "median": figure.median, "q1": figure.q1, "q3": figure.q3,
    }  # fmt: skip


class ComparisonFormatError(ValueError):
    """A comparison answer that is not what the protocol describes."""


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ComparisonFormatError("not a finite number")
    return float(value)


def read_figures(payload: object) -> tuple[str, list[Figure]]:
    """(computed_at, figures) of a comparison answer. Figures of a metric this version does not
    know are skipped (a newer server); anything malformed raises ComparisonFormatError."""
    if not isinstance(payload, dict):
        raise ComparisonFormatError("not an object")
    computed_at, items = payload.get("computed_at"), payload.get("figures")
    if not isinstance(computed_at, str) or parse_moment(computed_at) is None or not isinstance(items, list):
        raise ComparisonFormatError("computed_at or figures missing")
    figures = []
    for item in items:
        if not isinstance(item, dict):
            raise ComparisonFormatError("a figure is not an object")
        if item.get("metric") not in METRICS:
            continue
        period, leika_id, towns = item.get("period"), item.get("leika_id"), item.get("towns")
        if not isinstance(period, str) or period_months(period) is None:
            raise ComparisonFormatError("bad period")
        if not isinstance(leika_id, str) or not 0 < len(leika_id) <= 64:
            raise ComparisonFormatError("bad leika_id")
        if isinstance(towns, bool) or not isinstance(towns, int) or towns < MIN_TOWNS:
            raise ComparisonFormatError("bad towns")
        low, middle, high = (_number(item.get(k)) for k in ("q1", "median", "q3"))
        if not (0 <= low <= middle <= high) or (item["metric"] in RATES and high > 1):
            raise ComparisonFormatError("values out of order or range")
        figures.append(Figure(period, leika_id, str(item["metric"]), towns, middle, low, high))
    return computed_at, figures
