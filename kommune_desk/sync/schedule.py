"""When the next sync round starts: a steady pace while things work, backoff when they fail.

Pure: the caller counts failures and supplies the random source, so the rule is testable.
Full jitter (a uniform wait between 0 and the exponential bound) spreads the workstations of a
Kreis apart after a server outage, instead of letting them return all at the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable

INTERVAL_S = 60.0  # between rounds while the server answers
BASE_S = 5.0  # bound after the first failure
CAP_S = 15 * 60.0  # the bound never grows beyond this


def backoff_bound(failures: int, *, base: float = BASE_S, cap: float = CAP_S) -> float:
    """The longest wait after ``failures`` (≥ 1) failed rounds in a row: base·2^(n−1), capped."""
    if failures < 1:
        raise ValueError("failures must be at least 1")
    # min() before the power would overflow for a very long outage; 2**60 is already far above cap
    return min(cap, base * 2.0 ** min(failures - 1, 60))


def next_delay(
    failures: int,
    retry_after: float | None = None,
    *,
    uniform: Callable[[float, float], float] = random.uniform,
    interval: float = INTERVAL_S,
    base: float = BASE_S,
    cap: float = CAP_S,
) -> float:
    """Seconds until the next round after ``failures`` failed rounds in a row (0: the last one
    worked). A server's Retry-After is a floor: the wait is never shorter than it asked for."""
    delay = interval if failures <= 0 else uniform(0.0, backoff_bound(failures, base=base, cap=cap))
    if retry_after is not None and retry_after > delay:
        delay = float(retry_after)
    return delay
