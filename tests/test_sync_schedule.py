"""When the next sync round starts: steady pace, exponential backoff with full jitter, Retry-After."""

from __future__ import annotations

import random

import pytest

from kommune_desk.sync.schedule import BASE_S, CAP_S, INTERVAL_S, backoff_bound, next_delay


def _upper(_low: float, high: float) -> float:
    return high


def _lower(low: float, _high: float) -> float:
    return low


def test_a_working_server_is_asked_every_minute() -> None:
    assert next_delay(0) == INTERVAL_S == 60.0
    assert next_delay(0, uniform=_lower) == 60.0  # no jitter while all is well


def test_the_bound_doubles_from_five_seconds_up_to_fifteen_minutes() -> None:
    assert [backoff_bound(n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 640, 900]
    assert backoff_bound(10_000) == CAP_S == 900.0  # a week offline does not overflow
    with pytest.raises(ValueError):
        backoff_bound(0)


def test_full_jitter_stays_within_zero_and_the_bound() -> None:
    rng = random.Random(4)
    for failures in range(1, 15):
        bound = backoff_bound(failures)
        delays = [next_delay(failures, uniform=rng.uniform) for _ in range(200)]
        assert all(0.0 <= d <= bound for d in delays)
        assert max(delays) > bound * 0.8 and min(delays) < bound * 0.2  # really spread, not fixed
    assert next_delay(1, uniform=_upper) == BASE_S
    assert next_delay(50, uniform=_upper) == CAP_S
    assert next_delay(3, uniform=_lower) == 0.0


def test_retry_after_is_a_floor() -> None:
    assert next_delay(1, retry_after=120, uniform=_upper) == 120.0  # longer than the bound of 5 s
    assert next_delay(8, retry_after=30, uniform=_upper) == 640.0  # the backoff is longer still
    assert next_delay(8, retry_after=30, uniform=_lower) == 30.0  # jitter never undercuts it
    assert next_delay(0, retry_after=3600) == 3600.0  # even above the cap: the server said so
    assert next_delay(2, retry_after=None, uniform=_upper) == 10.0
