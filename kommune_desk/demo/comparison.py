"""Plausible Kreisvergleich figures for the demo database, which is never synced.

Deterministic: the same services, day and seed give the same figures. Each service gets its own
level per metric (some services are much more often abandoned or used online than others), a
slow trend (the online share grows), a seasonal swing and some noise per month; quarters and
years sit at the mean of their months with a narrower spread. Rarely used services are offered
online by fewer towns, and a figure with fewer than two contributing towns is left out, as the
server would. To store them::

    storage.comparison.replace_all(conn, demo_figures(options.today), computed_at)
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence

from kommune_desk.domain.catalogue import STANDARD_SERVICES
from kommune_desk.domain.comparison import (
    ABANDONMENT,
    METRICS,
    MIN_TOWNS,
    ONLINE_SHARE,
    PROCESSING_DAYS,
    Figure,
    period_months,
    published,
    published_periods,
)
from kommune_desk.domain.statistics import TOTAL

KREIS_TOWNS = 14  # the towns of the Kreis Groß-Gerau


def _level(rng: random.Random, metric: str) -> tuple[float, float]:
    """(typical value, half the spread between the quartiles) of one service and metric."""
    if metric == ABANDONMENT:
        return rng.uniform(0.12, 0.45), rng.uniform(0.03, 0.08)
    if metric == ONLINE_SHARE:
        return rng.uniform(0.2, 0.75), rng.uniform(0.05, 0.12)
    return rng.uniform(5.0, 28.0), rng.uniform(1.5, 6.0)


def _month_value(metric: str, typical: float, index: int, rng: random.Random) -> float:
    """The Kreis median of one month (``index`` counts months from year 0)."""
    season = math.sin(2 * math.pi * (index % 12) / 12)
    if metric == ABANDONMENT:
        return typical + 0.03 * season + rng.gauss(0, 0.015)
    if metric == ONLINE_SHARE:
        return typical + 0.004 * (index % 120) / 10 + rng.gauss(0, 0.02)  # a slow climb
    return typical * (1 + 0.12 * season) + rng.gauss(0, typical * 0.05)  # summer holidays


def _bounded(metric: str, value: float) -> float:
    return min(max(value, 0.0), 1.0) if metric != PROCESSING_DAYS else max(value, 0.0)


def demo_figures(
    today: dt.date,
    leika_ids: Sequence[str] | None = None,
    *,
    seed: int = 7,
    towns: int = KREIS_TOWNS,
) -> list[Figure]:
    """Figures for every published period up to ``today`` (domain.comparison.published_periods),
    for ``leika_ids`` (default: the standard catalogue) and ``gesamt``."""
    services = list(leika_ids) if leika_ids is not None else [s.leika_id for s in STANDARD_SERVICES]
    periods = published_periods(today)
    figures: list[Figure] = []
    for leika_id in [TOTAL, *services]:
        rng = random.Random(f"{seed}:{leika_id}")
        reach = 1.0 if leika_id == TOTAL else rng.uniform(0.1, 1.0)  # share of towns with enough cases
        levels = {metric: _level(rng, metric) for metric in METRICS}
        monthly: dict[tuple[str, tuple[int, int]], float] = {}
        for period in periods:
            months = [m for m in period_months(period) or () if m <= (today.year, today.month)]
            noise = random.Random(f"{seed}:{leika_id}:{period}")
            contributing = min(towns, round(towns * reach * len(months) ** 0.3 + noise.uniform(-1.5, 1.5)))
            if contributing < MIN_TOWNS:
                continue
            for metric in METRICS:
                typical, spread = levels[metric]
                values = []
                for year, month in months:
                    key = (metric, (year, month))
                    if key not in monthly:
                        month_rng = random.Random(f"{seed}:{leika_id}:{metric}:{year}-{month}")
                        monthly[key] = _month_value(metric, typical, year * 12 + month - 1, month_rng)
                    values.append(monthly[key])
                middle = sum(values) / len(values)
                half = spread / len(months) ** 0.25 * noise.uniform(0.8, 1.2)
                low, high = middle - half * noise.uniform(0.7, 1.3), middle + half * noise.uniform(0.7, 1.3)
                low, middle, high = (published(metric, _bounded(metric, v)) for v in (low, middle, high))
                figures.append(Figure(period, leika_id, metric, contributing, middle, low, high))
    return figures
