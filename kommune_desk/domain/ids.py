"""UUIDv7 identifiers, generated on the client so offices can create records offline."""

from __future__ import annotations

import os
import random
import time
import uuid

from .clock import replayed


def uuid7(unix_ms: int | None = None, rng: random.Random | None = None) -> str:
    """Return a UUIDv7 string (RFC 9562): 48-bit Unix milliseconds, then 74 random bits.

    ``unix_ms`` and ``rng`` exist so the demo generator can build deterministic ids;
    production code calls ``uuid7()`` and gets the clock and the OS's randomness (or, inside a
    replay, the replay's ids: domain/clock.py).
    """
    if unix_ms is None and rng is None and (source := replayed()) is not None:
        return source.new_id()
    if unix_ms is None:
        unix_ms = time.time_ns() // 1_000_000
    random_bits = rng.getrandbits(74) if rng is not None else int.from_bytes(os.urandom(10)) >> 6
    rand_a = random_bits >> 62  # 12 bits
    rand_b = random_bits & ((1 << 62) - 1)
    value = (unix_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def uuid7_unix_ms(value: str) -> int:
    """The millisecond timestamp embedded in a UUIDv7 string."""
    return uuid.UUID(value).int >> 80
